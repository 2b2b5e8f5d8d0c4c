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

`components_of` computes one pair as the formulas read. `rank` computes the same
components for one place against every other at once with numpy, and `best_for_all`
every place against every other in float32 strips, so that matching scales past Sweden
(10,000 places). No database is touched here, so the benchmark can run it on synthetic data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
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


def components_of(
    target: Place, other: Place, private: Private, purpose: str
) -> tuple[dict[str, float | None], dict[str, object]]:
    """Return every component's value for one pair (None: left out) and their raw facts.

    The reference for one pair, written as the formulas read; `rank` and `best_for_all`
    compute the same numbers for many pairs at once.
    """
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
    return values, _details(target, other, private, km, neighbours, same_county, same_fa)


def _details(target, other, private, km, neighbours, same_county, same_fa) -> dict[str, object]:
    themes_a, themes_b = private.themes.get(target.id), private.themes.get(other.id)
    return {
        "km": km,
        "neighbours": neighbours,
        "same_county": same_county,
        "same_fa": same_fa,
        "shared_bodies": target.bodies & other.bodies,
        "shared_themes": (themes_a & themes_b) if themes_a and themes_b else frozenset(),
        "capitals_mine": private.capitals.get(target.id),
        "capitals_theirs": private.capitals.get(other.id),
    }


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


# --- The same components as arrays: every candidate at once --------------------------------


class Features:
    """The public features of a list of places as numpy arrays, one row per place.

    Built once per version of the reference data and the register (see
    `selectors.features`); a missing value is NaN, and what is left out follows the
    same rules as `components_of`.
    """

    def __init__(self, places: Sequence[Place]):
        self.places = tuple(places)
        n = len(self.places)
        self.index = {place.id: row for row, place in enumerate(self.places)}
        self.ids = np.array([p.id for p in self.places], dtype=np.int64)
        by_name = sorted(range(n), key=lambda row: self.places[row].name)
        self.name_order = np.empty(n, dtype=np.int64)
        self.name_order[by_name] = np.arange(n)
        self.x = np.array([np.nan if p.x_km is None else p.x_km for p in self.places])
        self.y = np.array([np.nan if p.y_km is None else p.y_km for p in self.places])
        self.has_xy = ~np.isnan(self.x) & ~np.isnan(self.y)
        # An empty county or FA region never equals anything: give each its own negative code.
        self.county = _codes([p.county for p in self.places])
        self.fa_region = _codes([p.fa_region for p in self.places])
        self.log_population = np.array(
            [p.log_population if p.population else np.nan for p in self.places]
        )
        width = max((len(p.shares) for p in self.places if p.shares is not None), default=0)
        self.shares = np.full((n, width), np.nan)
        for row, place in enumerate(self.places):
            if place.shares is not None:
                self.shares[row] = place.shares
        self.has_shares = ~np.isnan(self.shares).any(axis=1) if width else np.zeros(n, bool)
        self.trend = np.array([np.nan if p.trend is None else p.trend for p in self.places])
        self.body_count = np.array([len(p.bodies) for p in self.places], dtype=np.int64)
        members: dict[int, list[int]] = {}
        for row, place in enumerate(self.places):
            for body in place.bodies:
                members.setdefault(body, []).append(row)
        self.members = {body: np.array(rows, dtype=np.int64) for body, rows in members.items()}
        pairs = [
            (row, self.index[other])
            for row, place in enumerate(self.places)
            for other in place.neighbours
            if other in self.index
        ]
        pairs_array = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        self.neighbour_rows, self.neighbour_cols = pairs_array[:, 0], pairs_array[:, 1]
        self.neighbours_symmetric = set(pairs) == {(b, a) for a, b in pairs}

    def __len__(self) -> int:
        return len(self.places)

    def neighbours_of(self, row: int) -> np.ndarray:
        start, end = np.searchsorted(self.neighbour_rows, [row, row + 1])
        return self.neighbour_cols[start:end]


def _codes(values: Sequence[str]) -> np.ndarray:
    known: dict[str, int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        codes[row] = known.setdefault(value, len(known)) if value else -1 - row
    return codes


class PrivateFeatures:
    """The viewer's themes and capital profiles as arrays over the same rows as `Features`."""

    def __init__(self, features: Features, private: Private):
        self.private = private
        n = len(features)
        vocabulary = sorted({theme for themes in private.themes.values() for theme in themes})
        column = {theme: i for i, theme in enumerate(vocabulary)}
        self.themes = np.zeros((n, len(vocabulary)))
        for org_id, themes in private.themes.items():
            row = features.index.get(org_id)
            if row is not None:
                self.themes[row, [column[t] for t in themes]] = 1.0
        self.theme_count = self.themes.sum(axis=1)
        width = max((len(v) for v in private.capitals.values()), default=0)
        self.capitals = np.full((n, width), np.nan)
        for org_id, scores in private.capitals.items():
            row = features.index.get(org_id)
            if row is not None:
                self.capitals[row] = [np.nan if s is None else s for s in scores]


def component_arrays(
    features: Features, row: int, purpose: str, private: PrivateFeatures | None = None
) -> dict[str, np.ndarray]:
    """Every component of the place in `row` against all places, NaN where left out."""
    f = features
    n = len(f)
    km = np.hypot(f.x - f.x[row], f.y - f.y[row])
    neighbours = np.zeros(n, dtype=bool)
    neighbours[f.neighbours_of(row)] = True
    same_county = f.county == f.county[row]
    same_fa = f.fa_region == f.fa_region[row]
    distance = (
        0.4 * np.maximum(0.0, 1 - km / DISTANCE_HORIZON_KM)
        + 0.2 * neighbours
        + 0.2 * same_county
        + 0.2 * same_fa
    )
    size = np.maximum(0.0, 1 - np.abs(f.log_population - f.log_population[row]) / SIZE_SPAN_DECADES)
    size[np.isnan(f.log_population) | np.isnan(f.log_population[row])] = np.nan
    shares = 1 - 0.5 * np.abs(f.shares - f.shares[row]).sum(axis=1)
    trend = np.maximum(0.0, 1 - np.abs(f.trend - f.trend[row]) / TREND_SPAN)
    has_trend = ~np.isnan(f.trend) & ~np.isnan(f.trend[row])
    emissions = np.where(has_trend, SHARES_PART * shares + TREND_PART * trend, shares)
    emissions[~f.has_shares | ~f.has_shares[row]] = np.nan
    shared = np.zeros(n)
    for body in f.places[row].bodies:
        shared[f.members[body]] += 1
    union = f.body_count + f.body_count[row] - shared
    with np.errstate(invalid="ignore", divide="ignore"):
        programmes = np.where(union > 0, shared / union, np.nan)
    values = {
        "distance": distance,
        "size": size,
        "emissions": emissions,
        "programmes": programmes,
        "themes": np.full(n, np.nan),
        "capitals": np.full(n, np.nan),
        "km": km,
        "neighbours": neighbours,
        "same_county": same_county,
        "same_fa": same_fa,
    }
    if private is not None:
        values["themes"], values["capitals"] = _private_arrays(private, row, purpose)
    return values


def _private_arrays(private: PrivateFeatures, row: int, purpose: str):
    count, mine_themes = private.theme_count, private.themes[row]
    shared = private.themes @ mine_themes
    with np.errstate(invalid="ignore", divide="ignore"):
        themes = np.where(
            (count > 0) & (count[row] > 0), shared / (count + count[row] - shared), np.nan
        )
        caps, mine = private.capitals, private.capitals[row]
        both = ~np.isnan(caps) & ~np.isnan(mine)
        pairs = both.sum(axis=1)
        if purpose == Purpose.COMPLEMENT:
            gap = np.where(both, 100 - mine, 0.0).sum(axis=1)
            cover = np.where(both, np.maximum(0.0, caps - mine), 0.0).sum(axis=1)
            capitals = np.where(gap > 0, cover / gap, 0.0)
        else:
            gaps = np.where(both, np.abs(caps - mine), 0.0).sum(axis=1)
            capitals = 1 - gaps / (100 * pairs)
    capitals[pairs == 0] = np.nan
    return themes, capitals


def combine_arrays(values: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """`combine` for arrays: Σ weight · value / Σ weight over the available components."""
    total = weight_sum = 0.0
    for key in COMPONENTS:
        weight = weights.get(key, 0)
        if not weight:
            continue
        value = values[key]
        available = ~np.isnan(value)
        total = total + weight * np.where(available, value, 0.0)
        weight_sum = weight_sum + weight * available
    n = len(values["km"])
    total, weight_sum = np.broadcast_to(total, n), np.broadcast_to(weight_sum, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight_sum > 0, total / weight_sum, 0.0)


class Match:
    """One ranked candidate; its components and facts are read from the ranking's arrays
    when first asked for, so that ranking 10,000 places builds no dictionaries."""

    __slots__ = ("place", "score", "row", "_ranking", "_values", "_details", "reasons")

    def __init__(self, place: Place, score: float, row: int, ranking: _Ranking):
        self.place, self.score, self.row, self._ranking = place, score, row, ranking
        self._values = self._details = None
        self.reasons: list[str] = []

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def values(self) -> dict[str, float | None]:
        if self._values is None:
            arrays, row = self._ranking.arrays, self.row
            self._values = {key: _number(arrays[key][row]) for key in COMPONENTS}
        return self._values

    @property
    def details(self) -> dict[str, object]:
        if self._details is None:
            arrays, row = self._ranking.arrays, self.row
            self._details = _details(
                self._ranking.target,
                self.place,
                self._ranking.private,
                _number(arrays["km"][row]),
                bool(arrays["neighbours"][row]),
                bool(arrays["same_county"][row]),
                bool(arrays["same_fa"][row]),
            )
        return self._details

    def left_out(self) -> list[str]:
        return [key for key in COMPONENTS if self.values.get(key) is None]


def _number(value) -> float | None:
    return None if value != value else float(value)  # NaN is not equal to itself


@dataclass
class _Ranking:
    target: Place
    private: Private
    arrays: dict[str, np.ndarray]


def rank(
    target: Place,
    places: Features | Iterable[Place],
    *,
    weights: Mapping[str, float],
    purpose: str,
    private: Private | None = None,
    private_features: PrivateFeatures | None = None,
    keep: Callable[[Place], bool] | np.ndarray | None = None,
    shown: int | None = SHOWN,
    describe: Callable[[Match], list[str]] | None = None,
) -> list[Match]:
    """Rank every other place for `target`, best first (ties by name).

    `keep` is a test per place or a boolean array over the features' rows. Only the first
    `shown` matches get their reasons (None: all).
    """
    features = places if isinstance(places, Features) else Features(list(places))
    private = private or Private()
    if private_features is None and (private.themes or private.capitals):
        private_features = PrivateFeatures(features, private)
    row = features.index[target.id]
    arrays = component_arrays(features, row, purpose, private_features)
    scores = combine_arrays(arrays, weights)
    candidates = np.ones(len(features), dtype=bool)
    if callable(keep):
        candidates[:] = [keep(place) for place in features.places]
    elif keep is not None:
        candidates &= keep
    candidates[row] = False
    rows = np.flatnonzero(candidates)
    order = rows[np.lexsort((features.name_order[rows], -scores[rows]))]
    ranking = _Ranking(target, private, arrays)
    everyone = features.places
    matches = [
        Match(everyone[r], s, r, ranking)
        for r, s in zip(order.tolist(), scores[order].tolist(), strict=True)
    ]
    if describe is not None:
        for match in matches if shown is None else matches[:shown]:
            match.reasons = describe(match)
    return matches


# --- Everyone against everyone ---------------------------------------------------------------

# Rows per strip of the score matrix: a strip of 10,000 columns (5 MB in float32) keeps
# numpy's passes over it in the processor's caches.
STRIP = 128
# Above this many places the whole score matrix (n² float32) is not held in memory.
MATRIX_MAX = 20_000


class _Strips:
    """The features as float32 arrays laid out for scoring strips of the score matrix.

    Each public component is scaled by its weight beforehand and written as a constant
    minus a clipped gap (e.g. size: w − min(w/2 · |Δlog10|, w)), so that a strip costs
    few passes over memory; where a side has no data the gap is set to the clip, so the
    component adds nothing, and the weight sum leaves it out (`weight_sums`).
    """

    def __init__(self, features: Features, weights: Mapping[str, float], purpose: str, private):
        f = features
        self.n = n = len(f)
        rows = np.arange(n)
        self.w = {key: float(weights.get(key, 0) or 0) for key in COMPONENTS}
        if private is None:
            self.w["themes"] = self.w["capitals"] = 0.0
        self.purpose = purpose
        w = self.w["distance"]
        scale = 0.4 * w / DISTANCE_HORIZON_KM
        self.z = np.nan_to_num((f.x + 1j * f.y) * scale).astype(np.complex64)
        self.has_xy = f.has_xy
        # Same county or FA region counts only with a boundary (as the component does).
        self.county = np.where(f.has_xy, f.county, -1 - rows)
        self.fa_region = np.where(f.has_xy, f.fa_region, -1 - rows)
        both = f.has_xy[f.neighbour_rows] & f.has_xy[f.neighbour_cols]
        self.neighbour_rows = f.neighbour_rows[both]
        self.neighbour_cols = f.neighbour_cols[both]
        w = self.w["size"]
        self.log_population = np.nan_to_num(f.log_population * w / SIZE_SPAN_DECADES).astype(
            np.float32
        )
        self.has_population = ~np.isnan(f.log_population)
        w = self.w["emissions"]
        self.has_shares = f.has_shares
        self.has_trend = ~np.isnan(f.trend)
        # With every share and trend known both go straight into the total (0.7 w, 0.3 w).
        self.all_trends = bool(f.has_shares.all() and self.has_trend.all())
        part = SHARES_PART * w if self.all_trends else 1.0
        shares = np.nan_to_num(f.shares)
        self.shares_t = np.ascontiguousarray((shares * part).T.astype(np.float32))
        # Σ min(a, b) = (Σa + Σb − Σ|a − b|) / 2, so 1 − ½ Σ|a − b| = Σ min(a, b) + c_a + c_b.
        self.shares_fix = ((0.5 - 0.5 * shares.sum(axis=1)) * part).astype(np.float32)
        self.trend_clip = TREND_PART * w if self.all_trends else 1.0
        self.trend = np.nan_to_num(f.trend * self.trend_clip / TREND_SPAN).astype(np.float32)
        self.body_count = f.body_count
        bodies = sorted(f.members)
        body_index = {body: i for i, body in enumerate(bodies)}
        self.body_start = np.zeros(len(bodies) + 1, dtype=np.int64)
        self.body_start[1:] = np.cumsum([len(f.members[b]) for b in bodies])
        self.body_members = np.concatenate([f.members[b] for b in bodies] or [np.zeros(0, int)])
        row_bodies = [[body_index[b] for b in p.bodies] for p in f.places]
        self.row_start = np.zeros(n + 1, dtype=np.int64)
        self.row_start[1:] = np.cumsum([len(b) for b in row_bodies])
        self.row_bodies = np.array([b for bs in row_bodies for b in bs], dtype=np.int64)
        self.private = private
        if private is not None:
            self.themes = private.themes.astype(np.float32)
            self.theme_count = private.theme_count.astype(np.float32)
            self.capitals = private.capitals.astype(np.float32)
        # What each place has, one bit per component: the weight sum of a pair depends only
        # on the two places' bits (except the capitals, which depend on the pair).
        has = {
            "distance": f.has_xy,
            "size": self.has_population,
            "emissions": f.has_shares,
            "programmes": f.body_count > 0,
            "themes": private.theme_count > 0 if private is not None else np.zeros(n, bool),
        }
        self.bits = np.zeros(n, np.int64)
        for bit, key in enumerate(has):
            self.bits |= has[key].astype(np.int64) << bit
        self._bit_of = {key: 1 << bit for bit, key in enumerate(has)}

    def weight_sum(self, mine: int, theirs: int) -> float:
        """Σ weight over the components available for a pair with these bits."""
        total = 0.0
        for key, bit in self._bit_of.items():
            # Programmes are left out only where neither belongs to a body.
            ok = (mine | theirs) & bit if key == "programmes" else mine & theirs & bit
            total += self.w[key] if ok else 0.0
        return total

    def shared_bodies(self, s: int, e: int, c0: int):
        """(row, column, count) of the pairs in rows s..e, columns c0.. that share bodies."""
        first, last = self.row_start[s], self.row_start[e]
        bodies = self.row_bodies[first:last]
        rows = np.repeat(np.arange(s, e), np.diff(self.row_start[s : e + 1]))
        sizes = self.body_start[bodies + 1] - self.body_start[bodies]
        rows = np.repeat(rows, sizes)
        offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        cols = self.body_members[np.repeat(self.body_start[bodies], sizes) + offsets]
        keep = cols >= c0
        width = self.n - c0
        keys, counts = np.unique((rows[keep] - s) * width + cols[keep] - c0, return_counts=True)
        return keys // width, keys % width, counts


def _clipped_gap(work, mine, theirs, clip, rows_ok, cols_ok):
    """work = min(|mine − theirs|, clip), and the clip where a side has no value."""
    np.subtract(mine[:, None], theirs[None, :], out=work)
    np.abs(work, out=work)
    np.minimum(work, clip, out=work)
    work[~rows_ok] = clip
    work[:, ~cols_ok] = clip


def _strip_scores(a: _Strips, s: int, e: int, c0: int, out: np.ndarray | None = None) -> np.ndarray:
    """The scores of rows s..e against columns c0.. (float32), as `combine_arrays` gives."""
    b, m = e - s, a.n - c0
    total = np.empty((b, m), np.float32) if out is None else out
    work = np.empty((b, m), np.float32)
    rows_ok = slice(s, e)
    cols_ok = slice(c0, None)
    constant = 0.0
    w = a.w["distance"]
    if w:
        # 0.4 w · max(0, 1 − km/400) = 0.4 w − min(km · 0.4 w/400, 0.4 w): z is pre-scaled.
        np.abs(np.subtract(a.z[s:e, None], a.z[None, c0:]), out=work)
        np.minimum(work, 0.4 * w, out=work)
        work[~a.has_xy[rows_ok]] = 0.4 * w
        work[:, ~a.has_xy[cols_ok]] = 0.4 * w
        constant += 0.4 * w
        np.negative(work, out=total)
        same = np.empty((b, m), bool)
        for codes in (a.county, a.fa_region):
            np.equal(codes[s:e, None], codes[None, c0:], out=same)
            np.add(total, 0.2 * w, out=total, where=same)
        lo, hi = np.searchsorted(a.neighbour_rows, [s, e])
        rows, cols = a.neighbour_rows[lo:hi], a.neighbour_cols[lo:hi]
        inside = cols >= c0
        total[rows[inside] - s, cols[inside] - c0] += 0.2 * w
    else:
        total.fill(0)
    w = a.w["size"]
    if w:
        _clipped_gap(
            work,
            a.log_population[s:e],
            a.log_population[c0:],
            w,
            a.has_population[rows_ok],
            a.has_population[cols_ok],
        )
        constant += w
        total -= work
    w = a.w["emissions"]
    if w:
        shares = total if a.all_trends else np.zeros((b, m), np.float32)
        for sector in a.shares_t:
            np.minimum(sector[s:e, None], sector[None, c0:], out=work)
            shares += work
        if np.abs(a.shares_fix).max(initial=0) > 1e-6:
            shares += a.shares_fix[s:e, None]
            shares += a.shares_fix[None, c0:]
        _clipped_gap(
            work,
            a.trend[s:e],
            a.trend[c0:],
            a.trend_clip,
            a.has_trend[rows_ok],
            a.has_trend[cols_ok],
        )
        if a.all_trends:
            constant += a.trend_clip
            total -= work  # the shares are already in
        else:
            # 0.7 · shares + 0.3 · trend where both have a trend, the shares alone otherwise.
            np.subtract(1.0, work, out=work)
            rows_without, cols_without = ~a.has_trend[rows_ok], ~a.has_trend[cols_ok]
            work[rows_without] = shares[rows_without]
            work[:, cols_without] = shares[:, cols_without]
            shares *= SHARES_PART * w
            work *= TREND_PART * w
            shares += work
            shares[~a.has_shares[rows_ok]] = 0
            shares[:, ~a.has_shares[cols_ok]] = 0
            total += shares
    if constant:
        total += constant
    w = a.w["programmes"]
    if w:
        rows, cols, shared = a.shared_bodies(s, e, c0)
        union = a.body_count[rows + s] + a.body_count[cols + c0] - shared
        total[rows, cols] += (w * shared / union).astype(np.float32)
    weight_sum: np.ndarray | None = None
    if a.private is not None:
        w = a.w["themes"]
        if w:
            shared = a.themes[s:e] @ a.themes[c0:].T
            union = a.theme_count[s:e, None] + a.theme_count[None, c0:] - shared
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.nan_to_num(shared / union)
            value[a.theme_count[s:e] == 0] = 0
            value[:, a.theme_count[c0:] == 0] = 0
            total += w * value
        w = a.w["capitals"]
        if w:
            value, pairs = _capital_strip(a.capitals[s:e], a.capitals[c0:], a.purpose)
            total += w * value
            weight_sum = w * (pairs > 0).astype(np.float32)
    _divide_by_weight_sums(a, total, s, e, c0, weight_sum)
    if c0 <= s:  # the strip holds its rows' own column: never a candidate for itself
        rows = np.arange(b)
        total[rows, rows + s - c0] = -np.inf
    return total


def _divide_by_weight_sums(a: _Strips, total, s: int, e: int, c0: int, extra) -> None:
    """Divide each score by its pair's weight sum (0 where no weighted component is there)."""
    row_bits, col_bits = a.bits[s:e], a.bits[c0:]
    if extra is not None:
        kinds, inverse = np.unique(a.bits, return_inverse=True)
        table = np.array([[a.weight_sum(x, y) for y in kinds] for x in kinds], np.float32)
        inverse = inverse.ravel()
        sums = extra + table[inverse[s:e, None], inverse[None, c0:]]
        np.divide(total, sums, out=total, where=sums > 0)
        total[sums == 0] = 0
        return
    row_kinds, row_counts = np.unique(row_bits, return_counts=True)
    col_kinds, col_counts = np.unique(col_bits, return_counts=True)
    # Divide by the sum of the most common pair of kinds, then correct the others' blocks.
    usual = a.weight_sum(row_kinds[row_counts.argmax()], col_kinds[col_counts.argmax()]) or 1.0
    total *= 1 / usual
    for mine in row_kinds:
        for theirs in col_kinds:
            other = a.weight_sum(mine, theirs)
            if other != usual:
                block = np.ix_(np.flatnonzero(row_bits == mine), np.flatnonzero(col_bits == theirs))
                total[block] *= usual / other if other else 0.0


def _capital_strip(mine: np.ndarray, theirs: np.ndarray, purpose: str):
    """The capital component of every pair of rows (0 where left out) and the capitals both have."""
    value = np.zeros((len(mine), len(theirs)), np.float32)
    gap = np.zeros_like(value)
    pairs = np.zeros_like(value)
    for k in range(mine.shape[1]):
        a, b = mine[:, k, None], theirs[None, :, k]
        both = ~np.isnan(a) & ~np.isnan(b)
        pairs += both
        if purpose == Purpose.COMPLEMENT:
            value += np.where(both, np.maximum(0, b - a), 0)
            gap += np.where(both, 100 - a, 0)
        else:
            value += np.where(both, np.abs(a - b), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if purpose == Purpose.COMPLEMENT:
            value = np.where(gap > 0, value / gap, 0)
        else:
            value = 1 - value / (100 * pairs)
    return np.where(pairs > 0, value, 0).astype(np.float32), pairs


def best_for_all(
    features: Features,
    weights: Mapping[str, float],
    *,
    purpose: str,
    private: PrivateFeatures | None = None,
    limit: int = SHOWN,
) -> tuple[np.ndarray, np.ndarray]:
    """Every place's `limit` best candidates: (rows, scores), each of shape (n, limit).

    The n × n score matrix is computed in strips of STRIP rows in float32 (scores agree
    with `rank` to about 1e-6). Every component is symmetric except the complement of
    capitals, so otherwise each strip covers only the columns from its first row on, and
    the part below the diagonal is copied from the strips above it, transposed (the
    matrix is then held whole: 400 MB for 10,000 places; above MATRIX_MAX places only
    strips are held and every pair is computed from both sides).
    """
    a = _Strips(features, weights, purpose, private)
    n = a.n
    limit = min(limit, n - 1)
    symmetric = (
        n <= MATRIX_MAX
        and features.neighbours_symmetric
        and not (
            purpose == Purpose.COMPLEMENT and private is not None and weights.get("capitals", 0)
        )
    )
    best_scores = np.empty((n, limit), np.float32)
    best_rows = np.empty((n, limit), np.int64)
    # The whole matrix: each strip writes its part right of the diagonal and, transposed,
    # the part below it, so that a strip's rows are complete when their turn comes.
    matrix = np.empty((n, n), np.float32) if symmetric else None
    for s in range(0, n, STRIP):
        e = min(n, s + STRIP)
        if matrix is None:
            scores = _strip_scores(a, s, e, 0)
        else:
            _strip_scores(a, s, e, s, out=matrix[s:e, s:])
            matrix[e:, s:e] = matrix[s:e, e:].T
            scores = matrix[s:e]
        top = np.argpartition(scores, -limit, axis=1)[:, -limit:]
        best_rows[s:e] = top
        best_scores[s:e] = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return np.take_along_axis(best_rows, order, axis=1), np.take_along_axis(best_scores, order, 1)
