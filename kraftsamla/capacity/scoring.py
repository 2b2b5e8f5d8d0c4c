"""Compute capital scores and consensus from answers. Pure functions, no database.

The formula, shown on every results page:

- A statement's value is the group's agreed score if one was recorded, otherwise
  the median of the respondents' scores (0–4). "Don't know" and unanswered are
  left out, never counted as 0.
- A capital's score is the mean of its statements' values divided by 4, times 100,
  over the statements that have a value. The share answered is the number of
  statements with a value divided by the number of statements in the capital.
- Consensus for a statement with at least two scores is 1 − (standard deviation /
  2): 1 when everyone agrees, 0 when half say 0 and half say 4. A capital's
  consensus is the mean over its statements. Below 0.75 counts as low consensus.
- A respondent disagrees on a statement when their score is two or more levels
  from the median.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

LOW_CONSENSUS = 0.75
DISAGREEMENT_GAP = 2
LOW_SCORE = 50.0


@dataclass
class StatementResult:
    statement_id: int
    key: str
    capital_key: str
    scores: list[int] = field(default_factory=list)
    by_respondent: dict[int, int | None] = field(default_factory=dict)
    dont_know: int = 0
    agreed: int | None = None

    @cached_property
    def median(self) -> float | None:
        return statistics.median(self.scores) if self.scores else None

    @property
    def value(self) -> float | None:
        return float(self.agreed) if self.agreed is not None else self.median

    @cached_property
    def spread(self) -> float | None:
        """Population standard deviation of the scores (0 to 2 on a 0–4 scale)."""
        return statistics.pstdev(self.scores) if len(self.scores) >= 2 else None

    @property
    def range(self) -> tuple[int, int] | None:
        return (min(self.scores), max(self.scores)) if self.scores else None

    @cached_property
    def consensus(self) -> float | None:
        spread = self.spread
        return None if spread is None else round(1 - spread / 2, 3)

    @property
    def disagreeing(self) -> list[int]:
        """Return the respondent ids whose score is DISAGREEMENT_GAP or more from the median."""
        median = self.median
        if median is None or len(self.scores) < 2:
            return []
        return [
            rid
            for rid, s in self.by_respondent.items()
            if s is not None and abs(s - median) >= DISAGREEMENT_GAP
        ]

    @property
    def low_consensus(self) -> bool:
        return self.consensus is not None and self.consensus < LOW_CONSENSUS


@dataclass
class CapitalResult:
    key: str
    statements: list[StatementResult]

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def answered(self) -> int:
        return sum(1 for s in self.statements if s.value is not None)

    @property
    def share_answered(self) -> float:
        return self.answered / self.total if self.total else 0.0

    @property
    def score(self) -> float | None:
        values = [s.value for s in self.statements if s.value is not None]
        if not values:
            return None
        return round(sum(values) / len(values) / 4 * 100, 1)

    @cached_property
    def consensus(self) -> float | None:
        values = [s.consensus for s in self.statements if s.consensus is not None]
        return round(sum(values) / len(values), 3) if values else None

    @property
    def low_consensus(self) -> bool:
        return self.consensus is not None and self.consensus < LOW_CONSENSUS


def compute(
    *,
    statements: Sequence[tuple[int, str, str]],
    answers: Iterable[tuple[int, int, int | None]],
    agreed: dict[int, int] | None = None,
    capital_order: Sequence[str],
) -> dict[str, CapitalResult]:
    """Return {capital key: CapitalResult}.

    statements: (statement id, statement key, capital key)
    answers: (respondent id, statement id, score or None for "don't know")
    agreed: {statement id: agreed score}
    """
    agreed = agreed or {}
    by_id: dict[int, StatementResult] = {}
    for sid, skey, ckey in statements:
        by_id[sid] = StatementResult(
            statement_id=sid, key=skey, capital_key=ckey, agreed=agreed.get(sid)
        )
    for rid, sid, score in answers:
        result = by_id.get(sid)
        if result is None:
            continue
        result.by_respondent[rid] = score
        if score is None:
            result.dont_know += 1
        else:
            result.scores.append(score)
    capitals: dict[str, CapitalResult] = {
        k: CapitalResult(key=k, statements=[]) for k in capital_order
    }
    for result in by_id.values():
        capitals.setdefault(
            result.capital_key, CapitalResult(key=result.capital_key, statements=[])
        )
        capitals[result.capital_key].statements.append(result)
    return capitals


def where_to_start(
    scores: dict[str, float | None], steps: Sequence[Sequence[str]], limit: int = 3
) -> list[tuple[str, float, int]]:
    """Rank capitals to work on first: weak ones, weighted towards early building steps.

    priority = (100 − score) × (1 + 0.5 × (last step − step) / last step)

    A capital early in the building order gets up to 50 % more weight, because
    later capitals build on it. Capitals without a score are skipped. Returns
    (capital key, priority, step index) for the top `limit`.
    """
    last = max(len(steps) - 1, 1)
    step_of = {key: i for i, step in enumerate(steps) for key in step}
    ranked = []
    for key, score in scores.items():
        if score is None:
            continue
        step = step_of.get(key, last)
        priority = (100 - score) * (1 + 0.5 * (last - step) / last)
        ranked.append((key, round(priority, 1), step))
    ranked.sort(key=lambda item: (-item[1], item[2]))
    return ranked[:limit]


def median_or_none(values: Iterable[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return round(statistics.median(clean), 1) if clean else None
