"""Score how well two municipalities match, as a documented weighted sum of components.

Every component is a number from 0 (nothing in common) to 1 (alike, or for the
complement: covers all my gaps), computed from data already in the platform:

- **distance** = 0.4 · max(0, 1 − km / 400) + 0.2 · [neighbours] + 0.2 · [same county]
  + 0.2 · [same FA region]. The kilometres are between the centroids of the boundaries
  (the map's projection, 1° of latitude = 111.2 km); neighbours share a boundary.
- **size** = max(0, 1 − |log10(population A) − log10(population B)| / 2): equal
  populations give 1, a factor 10 gives 0.5, a factor 100 or more gives 0.
- **emissions** = 0.7 · (1 − ½ Σ |share A − share B|) + 0.3 · max(0, 1 − |trend A − trend B| / 0.5):
  the sector shares of the latest year (emissions per inhabitant by sector, as shares of
  the total) and the change in emissions per inhabitant since 2010.
- **programmes** = |A ∩ B| / |A ∪ B| of the bodies and programmes both belong to today.
- **themes** = |A ∩ B| / |A ∪ B| of the capitals and emission sectors of their support
  needs, ideas and projects, counting only what is shared with the viewer.
- **capitals** (latest published capacity results that both share with the viewer):
  *similar* = 1 − mean |score A − score B| / 100; *complement* = Σ max(0, B − A) / Σ (100 − A),
  the part of my gap to the top of the scale that the candidate's strengths cover.

The match is Σ weight · component / Σ weight over the components *available* for the
pair: a component without data for one side (no boundary, no shared results) is left
out, never counted as zero, so that what is not shared cannot pull a candidate down
in a way that reveals it.

This module is pure Python (no database), so the benchmark can run it on synthetic data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KM_PER_DEGREE = 111.2
DISTANCE_HORIZON_KM = 400.0
SIZE_SPAN_DECADES = 2.0
TREND_SPAN = 0.5
SHARES_PART, TREND_PART = 0.7, 0.3
# How far above my score a capital must be to be named as a strength that covers a gap.
STRENGTH_GAP = 15.0
# How many candidates get their components and reasons spelled out.
SHOWN = 25


class Purpose(models.TextChoices):
    TWIN = "twin", gettext_lazy("Twin city for an application")
    PEER = "peer", gettext_lazy("Peer for learning")
    COMPLEMENT = "complement", gettext_lazy("Complement (strong where we are weak)")
    PILOT_TWIN = "pilot_twin", gettext_lazy("Pilot–twin pair")


class Component(models.TextChoices):
    DISTANCE = "distance", gettext_lazy("Distance")
    SIZE = "size", gettext_lazy("Size")
    EMISSIONS = "emissions", gettext_lazy("Emission profile")
    PROGRAMMES = "programmes", gettext_lazy("Shared programmes")
    THEMES = "themes", gettext_lazy("Shared themes")
    CAPITALS = "capitals", gettext_lazy("Capital profile")


COMPONENTS = [c.value for c in Component]

# The weights each purpose starts from (the page lets the visitor change them).
PRESETS: dict[str, dict[str, float]] = {
    Purpose.TWIN: {
        "distance": 4,
        "size": 1,
        "emissions": 1,
        "programmes": 1,
        "themes": 2,
        "capitals": 1,
    },
    Purpose.PEER: {
        "distance": 0,
        "size": 3,
        "emissions": 2,
        "programmes": 2,
        "themes": 2,
        "capitals": 1,
    },
    Purpose.COMPLEMENT: {
        "distance": 1,
        "size": 1,
        "emissions": 0,
        "programmes": 1,
        "themes": 1,
        "capitals": 4,
    },
    Purpose.PILOT_TWIN: {
        "distance": 1,
        "size": 1,
        "emissions": 2,
        "programmes": 1,
        "themes": 3,
        "capitals": 1,
    },
}


@dataclass(frozen=True, slots=True)
class Place:
    """What the matching knows of one municipality from public reference data."""

    id: int
    code: str
    name: str
    slug: str
    x_km: float | None
    y_km: float | None
    county: str
    fa_region: str
    population: int | None
    size_class: str | None
    shares: tuple[float, ...] | None
    top_sector: str | None
    trend: float | None
    bodies: frozenset[int]
    neighbours: frozenset[int]

    @property
    def log_population(self) -> float | None:
        return math.log10(self.population) if self.population else None


@dataclass(frozen=True)
class Private:
    """What the viewer may see of the municipalities' own data: themes and capital profiles.

    Both hold only organisations with something shared with the viewer.
    """

    themes: Mapping[int, frozenset[str]] = field(default_factory=dict)
    capitals: Mapping[int, tuple[float | None, ...]] = field(default_factory=dict)


# --- The components, each a pure function ------------------------------------------------


def distance_km(a: Place, b: Place) -> float | None:
    """Return the kilometres between the two centroids, or None without a boundary."""
    if a.x_km is None or b.x_km is None:
        return None
    return math.hypot(a.x_km - b.x_km, a.y_km - b.y_km)


def proximity(km: float, *, neighbours: bool, same_county: bool, same_fa: bool) -> float:
    return (
        0.4 * max(0.0, 1 - km / DISTANCE_HORIZON_KM)
        + 0.2 * neighbours
        + 0.2 * same_county
        + 0.2 * same_fa
    )


def size_similarity(population_a: int | None, population_b: int | None) -> float | None:
    if not population_a or not population_b:
        return None
    gap = abs(math.log10(population_a) - math.log10(population_b))
    return max(0.0, 1 - gap / SIZE_SPAN_DECADES)


def shares_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    """One minus the total variation distance of two share vectors (each summing to 1)."""
    return 1 - 0.5 * sum(abs(x - y) for x, y in zip(a, b, strict=True))


def trend_similarity(a: float, b: float) -> float:
    return max(0.0, 1 - abs(a - b) / TREND_SPAN)


def emission_similarity(a: Place, b: Place) -> float | None:
    if a.shares is None or b.shares is None:
        return None
    score = SHARES_PART * shares_similarity(a.shares, b.shares)
    if a.trend is None or b.trend is None:
        return score / SHARES_PART
    return score + TREND_PART * trend_similarity(a.trend, b.trend)


def jaccard(a: Iterable, b: Iterable) -> float:
    a, b = set(a), set(b)
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def _pairs(a: Sequence[float | None], b: Sequence[float | None]) -> list[tuple[float, float]]:
    return [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]


def capital_similarity(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    pairs = _pairs(a, b)
    if not pairs:
        return None
    return 1 - sum(abs(x - y) for x, y in pairs) / (100 * len(pairs))


def capital_complement(
    mine: Sequence[float | None], theirs: Sequence[float | None]
) -> float | None:
    pairs = _pairs(mine, theirs)
    if not pairs:
        return None
    gap = sum(100 - x for x, _y in pairs)
    if gap <= 0:
        return 0.0
    return sum(max(0.0, y - x) for x, y in pairs) / gap


# --- Weights and ranking -------------------------------------------------------------------


def weights_problems(weights: Mapping[str, float]) -> dict[str, str]:
    """Return {component or "": message} for weights that cannot rank (negative, all zero)."""
    problems = {
        key: _("A weight cannot be negative.") for key, value in weights.items() if value < 0
    }
    if not problems and not any(weights.get(key, 0) > 0 for key in COMPONENTS):
        problems[""] = _("At least one weight must be above zero.")
    return problems


@dataclass
class Match:
    place: Place
    score: float
    values: dict[str, float | None] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    def left_out(self) -> list[str]:
        return [key for key in COMPONENTS if self.values.get(key) is None]


def components_of(
    target: Place, other: Place, private: Private, purpose: str
) -> tuple[dict[str, float | None], dict[str, object]]:
    """Return every component's value for the pair (None: left out) and their raw facts."""
    km = distance_km(target, other)
    neighbours = other.id in target.neighbours
    same_county = bool(target.county) and target.county == other.county
    same_fa = bool(target.fa_region) and target.fa_region == other.fa_region
    themes_a, themes_b = private.themes.get(target.id), private.themes.get(other.id)
    caps_a, caps_b = private.capitals.get(target.id), private.capitals.get(other.id)
    capitals = None
    if caps_a is not None and caps_b is not None:
        if purpose == Purpose.COMPLEMENT:
            capitals = capital_complement(caps_a, caps_b)
        else:
            capitals = capital_similarity(caps_a, caps_b)
    values = {
        "distance": None
        if km is None
        else proximity(km, neighbours=neighbours, same_county=same_county, same_fa=same_fa),
        "size": size_similarity(target.population, other.population),
        "emissions": emission_similarity(target, other),
        "programmes": jaccard(target.bodies, other.bodies)
        if target.bodies or other.bodies
        else None,
        "themes": jaccard(themes_a, themes_b) if themes_a and themes_b else None,
        "capitals": capitals,
    }
    details = {
        "km": km,
        "neighbours": neighbours,
        "same_county": same_county,
        "same_fa": same_fa,
        "shared_bodies": target.bodies & other.bodies,
        "shared_themes": (themes_a & themes_b) if themes_a and themes_b else frozenset(),
        "capitals_mine": caps_a,
        "capitals_theirs": caps_b,
    }
    return values, details


def combine(values: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    """Σ weight · value / Σ weight over the available components (0 when none is)."""
    total = weight_sum = 0.0
    for key in COMPONENTS:
        value, weight = values.get(key), weights.get(key, 0)
        if value is None or not weight:
            continue
        total += weight * value
        weight_sum += weight
    return total / weight_sum if weight_sum else 0.0


def score_pair(
    target: Place, other: Place, private: Private, purpose: str, weights: Mapping[str, float]
) -> float:
    """The match score of one pair (what the ranking sorts by)."""
    values, _details = components_of(target, other, private, purpose)
    return combine(values, weights)


def rank(
    target: Place,
    places: Iterable[Place],
    *,
    weights: Mapping[str, float],
    purpose: str,
    private: Private | None = None,
    keep: Callable[[Place], bool] | None = None,
    shown: int | None = SHOWN,
    describe: Callable[[Match], list[str]] | None = None,
) -> list[Match]:
    """Rank every other place for `target`, best first (ties by name).

    Only the first `shown` matches get their components and reasons (None: all).
    """
    private = private or Private()
    scored = []
    for other in places:
        if other.id == target.id or (keep is not None and not keep(other)):
            continue
        values, details = components_of(target, other, private, purpose)
        scored.append(Match(other, combine(values, weights), values, details))
    scored.sort(key=lambda m: (-m.score, m.place.name))
    if describe is not None:
        for match in scored if shown is None else scored[:shown]:
            match.reasons = describe(match)
    return scored


def rank_fast(
    target: Place,
    places: Sequence[Place],
    weights: Mapping[str, float],
    *,
    limit: int = SHOWN,
) -> list[tuple[float, int]]:
    """Rank on the public components only (distance, size, emissions, programmes), inline.

    For the benchmark and for ranking everyone against everyone: returns the `limit` best
    (score, place id) pairs, with exactly the scores `combine` gives for these components.
    """
    w_d, w_s = weights.get("distance", 0), weights.get("size", 0)
    w_e, w_p = weights.get("emissions", 0), weights.get("programmes", 0)
    tx, ty, tc, tf = target.x_km, target.y_km, target.county, target.fa_region
    tlog, tshares, ttrend, tbodies = (
        target.log_population,
        target.shares,
        target.trend,
        target.bodies,
    )
    tneighbours, tid = target.neighbours, target.id
    hypot, log10 = math.hypot, math.log10
    result = []
    append = result.append
    for o in places:
        if o.id == tid:
            continue
        total = wsum = 0.0
        if w_d and tx is not None and o.x_km is not None:
            km = hypot(tx - o.x_km, ty - o.y_km)
            close = 1 - km / DISTANCE_HORIZON_KM
            value = 0.4 * (close if close > 0 else 0.0) + 0.2 * (
                (o.id in tneighbours)
                + (bool(tc) and tc == o.county)
                + (bool(tf) and tf == o.fa_region)
            )
            total += w_d * value
            wsum += w_d
        if w_s and tlog is not None and o.population:
            value = 1 - abs(tlog - log10(o.population)) / SIZE_SPAN_DECADES
            total += w_s * (value if value > 0 else 0.0)
            wsum += w_s
        if w_e and tshares is not None and o.shares is not None:
            tvd = 0.0
            for x, y in zip(tshares, o.shares, strict=True):
                tvd += x - y if x > y else y - x
            value = 1 - 0.5 * tvd
            if ttrend is not None and o.trend is not None:
                gap = 1 - abs(ttrend - o.trend) / TREND_SPAN
                value = SHARES_PART * value + TREND_PART * (gap if gap > 0 else 0.0)
            total += w_e * value
            wsum += w_e
        if w_p and (tbodies or o.bodies):
            union = len(tbodies | o.bodies)
            total += w_p * (len(tbodies & o.bodies) / union)
            wsum += w_p
        append((total / wsum if wsum else 0.0, o.id))
    result.sort(reverse=True)
    return result[:limit]
