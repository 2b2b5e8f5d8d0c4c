"""Find similar short Swedish texts (ideas, projects) and group them into clusters.

Domain-agnostic: the caller gives `(key, text)` pairs and gets keys back, so the
future `projects` app decides what is indexed and who may see which key.

    index = SimilarityIndex.build((idea.pk, f"{idea.title}. {idea.summary}") for idea in ideas)
    index.similar("Vi vill starta en återbrukshubb", limit=5, exclude={own.pk}, within=visible)
    index.clusters(min_score=0.3, keys=body_idea_keys)
    index.group_words(cluster_keys)  # the words a cluster shares, for its label

How a text becomes features
- Words are lower-cased and split on anything that is not a letter or digit; pure
  numbers and one-letter words are dropped, and so are ~150 Swedish stop words.
- Each word is stemmed with Snowball's Swedish algorithm (`snowballstemmer`), then
  folded (å→a, ä→a, ö→o, é→e), so "Örebro" = "orebro" and "aterbruk" = "återbruk".
  The word as written is kept for display ("the words they share").
- Compounds are split into parts that are themselves stems seen as whole words in
  the indexed texts, with the linking letters s/e/a (fogemorfem) allowed between
  parts: "återbrukshubb" → "återbruk" + "hubb". The whole stem and its parts are both
  features (parts count a little less), so "återbrukshubbar", "återbrukshubb" and
  "hubb för återbruk" share words.
- Character trigrams of each stem (with word-boundary marks) are a fallback feature
  block with a small weight, so near misses ("återbrukshub") still score.

Scores
Every item is a TF-IDF vector made of two blocks, each normalised: words (weight
1 - TRIGRAM_SHARE) and trigrams (TRIGRAM_SHARE). The score of two texts is their
cosine, so it lies in 0..1, is symmetric, and equals
`(1 - TRIGRAM_SHARE) · word cosine + TRIGRAM_SHARE · trigram cosine`. With the default
`min_score` (above TRIGRAM_SHARE) two texts must share at least one word or word
part to match, so unrelated texts never match on letters alone; trigrams then add
near misses of words ("laddinfrastrukturen" vs "ladd-infrastruktur") to the score.
A text that shares no word at all (a typo) reaches at most TRIGRAM_SHARE: pass a
lower `min_score` to get those too (slower, since every trigram posting is walked).
A query touches only the items that share a feature with it (inverted index), and
adds the trigram part only to the best candidates by word score.

Clusters are average-linkage groups over the pairs that share words (worth at least
WORD_FLOOR of the least score), so a chain of loosely related ideas does not become
one group.

Why our own index rather than PostgreSQL full-text search + pg_trgm
The app must give the same results on SQLite (tests, small installations) and
PostgreSQL; PostgreSQL's Swedish configuration neither splits compounds nor folds
å/ä/ö (that needs the unaccent extension), `pg_trgm` has no SQLite equivalent, and
clustering needs all pairwise scores, which SQL full-text search does not give.
A body has about a thousand ideas and the whole platform tens of thousands, so an
in-memory index built in Python from the texts is small and fast (see
`bench/bench_similarity.py`), identical on both databases by construction, and can
be cached per data version (`core/caching.py`, `core/versions.py`): it is plain
data and pickles.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Share of the score that comes from character trigrams (the fallback for near misses).
TRIGRAM_SHARE = 0.2
# Default least score for a match; above TRIGRAM_SHARE, so a match needs a shared word.
DEFAULT_MIN_SCORE = 0.22
# In clustering, pairs scoring below this share of min_score count as 0.
LINK_FLOOR = 0.75
# In clustering, a pair is scored only when its shared words alone reach this share of
# that least score: a group stands on shared words, near misses of letters only add to
# them. (It keeps a body's clustering fast; on bench/bench_similarity.py's generated ideas
# the groups are the same as when every pair sharing a word is scored.)
WORD_FLOOR = 0.5
# A compound part counts this much of a whole word.
PART_WEIGHT = 0.7
# Shortest part of a compound ("sol", "mat", "bil"), and the linking letters between parts.
MIN_PART = 3
LINKING_LETTERS = ("s", "e", "a")
# Shortest word that is looked at for compound parts (two parts and nothing else).
MIN_COMPOUND = 2 * MIN_PART

# Common Swedish function words and vague verbs, written as they are spelled; they are
# folded like the text before comparison. (Plain text reads better than a list literal.)
STOP_WORDS_SV = """
alla allt andra annan annat att av bara bland blev bli blir blivit bör de dem den denna
deras dess dessa det detta dig din dina ditt där då efter eftersom ej eller ellers en er
era ert ett från för före genom går ha hade han hans har hela hennes hon honom hos hur
här i icke ingen inget inom inte ju jag kan kanske kommer kunde kunna man med mellan men
mer mest mig min mina mitt mot mycket många ned ni nu när någon något några och också
om oss på samma samt sedan sig sin sina sitt sig själv ska skall skulle som så sådan
sådana sådant till tills under upp ut utan utav vad var vara varför varit varje vars
vem vi vid vilka vilken vilket vill vår våra vårt än är åt över även ännu göra gör gjort
gjorde få får fick finns fanns ge ger gav ta tar tog se ser sätt hur olika flera fler
många mer bra nya ny nytt stor stora stort liten lilla små mest ofta redan dock då
därför detta enligt emot ifrån hit dit här inför jämte kring längs nära per via även
""".split()  # noqa: SIM905


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case and strip diacritics: "Återbruk" → "aterbruk", "Örebro" → "orebro"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


STOP_WORDS = frozenset(fold(word) for word in STOP_WORDS_SV)
_WORD = re.compile(r"[^\W_]+")
_STEMMER = snowballstemmer.stemmer("swedish")
_STEMMER_LOCK = threading.Lock()  # a Snowball stemmer keeps state while it works


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The folded Snowball stem of a lower-case word: "återbrukshubbar" → "aterbrukshubb"."""
    with _STEMMER_LOCK:
        stemmed = _STEMMER.stemWord(word)
    return fold(stemmed)


def words(
    text: str, stop_words: Collection[str] = STOP_WORDS, stop_stems: Collection[str] = ()
) -> list[tuple[str, str]]:
    """The content words of a text as (stem, word as written), stop words left out.

    `stop_words` are folded words; `stop_stems` leave out every inflection of a word.
    """
    found = []
    for written in _WORD.findall(text or ""):
        lowered = written.lower()
        if len(lowered) < 2 or lowered.isdigit() or fold(lowered) in stop_words:
            continue
        word_stem = stem(lowered)
        if word_stem not in stop_stems:
            found.append((word_stem, written))
    return found


def compound_parts(word_stem: str, vocabulary: Collection[str]) -> tuple[str, ...]:
    """Split a stem into known stems, with linking letters s/e/a allowed between parts.

    Returns () when the stem is not a compound of known parts. Prefers the split with
    the fewest parts, then the one with the longest parts.
    """
    if len(word_stem) < MIN_COMPOUND:
        return ()
    return _segment(word_stem, vocabulary, top=True) or ()


def _segment(rest: str, vocabulary: Collection[str], *, top: bool) -> tuple[str, ...] | None:
    """The best split of `rest` into known parts (the whole of `rest` counts unless top)."""
    if not top and rest in vocabulary:
        return (rest,)
    best: tuple[str, ...] | None = None
    for cut in range(MIN_PART, len(rest) - MIN_PART + 1):
        head, tail = rest[:cut], rest[cut:]
        heads = [head] if head in vocabulary else []
        if head[-1] in LINKING_LETTERS and cut > MIN_PART and head[:-1] in vocabulary:
            heads.append(head[:-1])
        if not heads:
            continue
        split = _segment(tail, vocabulary, top=False)
        if split is None:
            continue
        for known in heads:
            candidate = (known, *split)
            if best is None or _better(candidate, best):
                best = candidate
    return best


def _better(candidate: tuple[str, ...], best: tuple[str, ...]) -> bool:
    if len(candidate) != len(best):
        return len(candidate) < len(best)
    return sum(len(part) ** 2 for part in candidate) > sum(len(part) ** 2 for part in best)


def trigrams(word_stem: str) -> list[str]:
    padded = f"^{word_stem}$"
    return [padded[start : start + 3] for start in range(len(padded) - 2)]


@dataclass(frozen=True)
class Match:
    key: Hashable
    score: float
    # The matched text's words (as written there) that it shares with the query,
    # the most telling first.
    shared_words: list[str]


@dataclass
class _Analysis:
    counts: Counter  # feature -> raw term frequency (parts count PART_WEIGHT)
    display: dict[str, str]  # word feature -> first word as written


_TRIGRAM_PREFIX = "#"  # trigram features are "#" + trigram; word features are bare stems


class _Analyser:
    """Turns texts into features with one index's vocabulary and stop words."""

    def __init__(self, vocabulary: frozenset[str], stop_stems: frozenset[str]):
        self.vocabulary = vocabulary
        self.stop_stems = stop_stems
        self.known_parts: dict[str, tuple[str, ...]] = {}

    def parts(self, word_stem: str) -> tuple[str, ...]:
        parts = self.known_parts.get(word_stem)
        if parts is None:
            parts = self.known_parts[word_stem] = compound_parts(word_stem, self.vocabulary)
        return parts

    def analyse(self, text: str) -> _Analysis:
        counts: Counter = Counter()
        display: dict[str, str] = {}
        for word_stem, written in words(text, STOP_WORDS, self.stop_stems):
            counts[word_stem] += 1.0
            display.setdefault(word_stem, written)
            for part in self.parts(word_stem):
                counts[part] += PART_WEIGHT
                display.setdefault(part, written)
            for trigram in trigrams(word_stem):
                counts[_TRIGRAM_PREFIX + trigram] += 1.0
        return _Analysis(counts, display)


Vector = tuple[array, array]  # (feature ids, weights), both in feature-id order


class SimilarityIndex:
    """An in-memory TF-IDF index of short texts; build it with `SimilarityIndex.build`.

    Plain data (lists, dicts, arrays), so a built index pickles into a cache.
    """

    def __init__(
        self,
        keys: list[Hashable],
        texts: list[str],
        analyser: _Analyser,
        features: dict[str, int],
        postings: list[tuple[array, array]],
        vectors: list[tuple[Vector, Vector]],
    ):
        self.keys = keys
        self.texts = texts
        self.features = features  # feature -> id
        self.postings = postings  # feature id -> (item positions, weights)
        self.vectors = vectors  # item position -> (word vector, trigram vector)
        self._analyser = analyser
        self._position = {key: position for position, key in enumerate(keys)}
        self._idf = [0.0] * len(features)
        self._is_trigram = [False] * len(features)
        for feature, fid in features.items():
            self._idf[fid] = _idf(len(keys), len(postings[fid][0]))
            self._is_trigram[fid] = feature.startswith(_TRIGRAM_PREFIX)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(
        cls, items: Iterable[tuple[Hashable, str]], extra_stop_words: Iterable[str] = ()
    ) -> SimilarityIndex:
        """Index (key, text) pairs; `extra_stop_words` adds words that say nothing in
        the caller's texts, with all their inflections (e.g. "kommun", "projekt")."""
        keys: list[Hashable] = []
        texts: list[str] = []
        for key, text in items:
            keys.append(key)
            texts.append(text or "")
        if len(set(keys)) != len(keys):
            raise ValueError("Each key may be indexed only once.")
        stop_stems = frozenset(stem(word.lower()) for word in extra_stop_words)
        vocabulary = frozenset(
            word_stem
            for text in texts
            for word_stem, _written in words(text, STOP_WORDS, stop_stems)
            if len(word_stem) >= MIN_PART
        )
        analyser = _Analyser(vocabulary, stop_stems)
        analyses = [analyser.analyse(text) for text in texts]
        frequency: Counter = Counter()
        for analysis in analyses:
            frequency.update(analysis.counts.keys())
        features = {feature: fid for fid, feature in enumerate(sorted(frequency))}
        idf = {feature: _idf(len(texts), count) for feature, count in frequency.items()}
        postings: list[tuple[array, array]] = [(array("i"), array("d")) for _ in features]
        vectors = []
        for position, analysis in enumerate(analyses):
            weights = {
                features[feature]: weight
                for feature, weight in _weigh(analysis.counts, idf).items()
            }
            vectors.append(weights)
            for fid, weight in weights.items():
                postings[fid][0].append(position)
                postings[fid][1].append(weight)
        index = cls(keys, texts, analyser, features, postings, [])
        index.vectors = [index._split_vector(weights) for weights in vectors]
        return index

    def _split_vector(self, weights: dict[int, float]) -> tuple[Vector, Vector]:
        word_ids = sorted(fid for fid in weights if not self._is_trigram[fid])
        trigram_ids = sorted(fid for fid in weights if self._is_trigram[fid])
        return (
            (array("i", word_ids), array("d", (weights[fid] for fid in word_ids))),
            (array("i", trigram_ids), array("d", (weights[fid] for fid in trigram_ids))),
        )

    def _query_vector(self, analysis: _Analysis) -> dict[int, float]:
        """The text's weights by feature id; features no item has only count in the norm."""
        idf = {
            feature: self._idf[self.features[feature]]
            if feature in self.features
            else _idf(len(self.keys), 0)
            for feature in analysis.counts
        }
        return {
            self.features[feature]: weight
            for feature, weight in _weigh(analysis.counts, idf).items()
            if feature in self.features
        }

    # Querying ---------------------------------------------------------------------

    def similar(
        self,
        text: str,
        limit: int = 5,
        min_score: float = DEFAULT_MIN_SCORE,
        exclude: Collection[Hashable] = (),
        within: Collection[Hashable] | None = None,
    ) -> list[Match]:
        """The indexed texts most similar to `text`, best first.

        `exclude` leaves keys out (the text itself, the asker's own ideas); `within`,
        when given, limits the answer to those keys (what the asker may see).
        """
        analysis = self._analyser.analyse(text)
        query = self._query_vector(analysis)
        excluded = {self._position[key] for key in exclude if key in self._position}
        allowed = None
        if within is not None:
            allowed = {self._position[key] for key in within if key in self._position}
        scores, complete = self._partial_scores(query, min_score)
        candidates = [
            (partial, position)
            for position, partial in scores.items()
            if position not in excluded and (allowed is None or position in allowed)
        ]
        best = self._best(query, candidates, complete, limit=limit, min_score=min_score)
        return [
            Match(self.keys[position], min(score, 1.0), self._shared(analysis, query, position))
            for score, position in best
        ]

    def _partial_scores(
        self, query: dict[int, float], min_score: float
    ) -> tuple[dict[int, float], bool]:
        """Dot products over the word features with every item that shares one.

        An item that shares no word gets at most TRIGRAM_SHARE from trigrams, so only
        when `min_score` is that low are trigram postings walked as well (slower: they
        are long) and the scores complete (True); otherwise `_best` adds the trigram part.
        """
        every_feature = min_score <= TRIGRAM_SHARE
        scores: dict[int, float] = {}
        get = scores.get
        for fid, query_weight in query.items():
            if self._is_trigram[fid] and not every_feature:
                continue
            positions, weights = self.postings[fid]
            for position, weight in zip(positions, weights, strict=True):
                scores[position] = get(position, 0.0) + query_weight * weight
        return scores, every_feature

    def _best(
        self,
        query: dict[int, float],
        candidates: list[tuple[float, int]],
        complete: bool,
        *,
        limit: int,
        min_score: float,
    ) -> list[tuple[float, int]]:
        """The `limit` best (score, position), adding the trigram part best word score first.

        Stops as soon as no remaining candidate could reach the current worst of the
        best, since trigrams add at most TRIGRAM_SHARE.
        """
        candidates.sort(key=lambda pair: (-pair[0], pair[1]))
        if complete:
            return [pair for pair in candidates if pair[0] >= min_score][:limit]
        best: list[tuple[float, int]] = []  # a min-heap of (score, -position)
        for partial, position in candidates:
            if partial + TRIGRAM_SHARE < min_score:
                break
            if len(best) == limit and partial + TRIGRAM_SHARE < best[0][0]:
                break
            score = partial + self._trigram_dot(query, position)
            if score < min_score:
                continue
            if len(best) < limit:
                heapq.heappush(best, (score, -position))
            elif (score, -position) > best[0]:
                heapq.heapreplace(best, (score, -position))
        ranked = sorted(best, reverse=True)
        return [(score, -negative) for score, negative in ranked]

    def _trigram_dot(self, query: dict[int, float], position: int) -> float:
        fids, weights = self.vectors[position][1]
        get = query.get
        return sum(weight * get(fid, 0.0) for fid, weight in zip(fids, weights, strict=True))

    def _dot(self, first: int, second: int) -> float:
        total = 0.0
        for block in (0, 1):
            fids, weights = self.vectors[first][block]
            other = dict(zip(*self.vectors[second][block], strict=True))
            for fid, weight in zip(fids, weights, strict=True):
                total += weight * other.get(fid, 0.0)
        return total

    def _shared(self, analysis: _Analysis, query: dict[int, float], position: int) -> list[str]:
        """The matched item's words (as written there) behind the shared word features."""
        theirs = self._analyser.analyse(self.texts[position])
        item_weights = dict(zip(*self.vectors[position][0], strict=True))
        contributions: dict[str, float] = {}
        for feature in analysis.display:
            fid = self.features.get(feature)
            if fid not in item_weights or feature not in theirs.display:
                continue
            written = theirs.display[feature]
            contribution = query[fid] * item_weights[fid]
            contributions[written] = contributions.get(written, 0.0) + contribution
        return sorted(contributions, key=lambda written: (-contributions[written], written))

    def group_words(self, keys: Collection[Hashable], limit: int = 5) -> list[str]:
        """The words that at least two of the items share, the most telling first.

        The label of a cluster: words found in more of the items come first, then those
        that weigh more in them (rarer in the index). A word counts also as a part of a
        compound ("hubb" in "återbrukshubbar"). It is shown in its most common written
        form, as a word of its own or as the part of a compound it was found in
        ("återbrukshubb" → "återbruk").
        """
        positions = sorted({self._position[key] for key in keys if key in self._position})
        found: dict[int, list[int]] = {}  # word feature id -> positions that have it
        weight: dict[int, float] = {}
        for position in positions:
            for fid, item_weight in zip(*self.vectors[position][0], strict=True):
                found.setdefault(fid, []).append(position)
                weight[fid] = weight.get(fid, 0.0) + item_weight
        shared = sorted(
            (fid for fid, where in found.items() if len(where) > 1),
            key=lambda fid: (-len(found[fid]), -weight[fid], fid),
        )
        names = self._feature_names()
        analysed: dict[int, list[tuple[str, str]]] = {}
        labels: list[str] = []
        for fid in shared:
            label = self._written(names[fid], found[fid], analysed)
            if label and label not in labels:
                labels.append(label)
            if len(labels) == limit:
                break
        return labels

    def _feature_names(self) -> list[str]:
        names = self.__dict__.get("_names")
        if names is None:
            names = [""] * len(self.features)
            for feature, fid in self.features.items():
                names[fid] = feature
            self._names = names
        return names

    def _written(
        self, feature: str, positions: list[int], analysed: dict[int, list[tuple[str, str]]]
    ) -> str:
        """How the items write a word feature: the most common form, whether a word of its
        own or the part of a compound; on a tie a word of its own, then the shortest."""
        forms: Counter = Counter()
        alone: set[str] = set()
        for position in positions:
            if position not in analysed:
                analysed[position] = words(
                    self.texts[position], STOP_WORDS, self._analyser.stop_stems
                )
            for word_stem, written in analysed[position]:
                lowered = written.lower()
                if word_stem == feature:
                    forms[lowered] += 1
                    alone.add(lowered)
                elif feature in self._analyser.parts(word_stem):
                    folded = fold(lowered)
                    start = folded.find(feature)
                    # Folding keeps one letter per letter (å → a), so the slice matches.
                    if start >= 0 and len(folded) == len(lowered):
                        forms[lowered[start : start + len(feature)]] += 1
        if not forms:
            return ""
        return min(forms, key=lambda form: (-forms[form], form not in alone, len(form), form))

    def score(self, first: Hashable, second: Hashable) -> float:
        """The score of two indexed items (symmetric by construction)."""
        return min(self._dot(self._position[first], self._position[second]), 1.0)

    # Clustering -------------------------------------------------------------------

    def clusters(
        self, min_score: float = 0.3, keys: Collection[Hashable] | None = None
    ) -> list[list[Hashable]]:
        """Groups of two or more items whose average pairwise score is at least min_score.

        Average-linkage agglomerative clustering, so a chain of loosely related ideas
        does not become one group. Pairs whose shared words score below WORD_FLOOR ×
        LINK_FLOOR × `min_score`, or whose whole score is below LINK_FLOOR × `min_score`,
        count as 0 (that keeps the work small). `keys`
        limits it to those items (one body's ideas). Biggest group first; inside a
        group, keys keep their indexed order.
        """
        if keys is None:
            members = set(range(len(self.keys)))
        else:
            members = {self._position[key] for key in keys if key in self._position}
        return [
            [self.keys[position] for position in group]
            for group in _average_linkage(self._pairs(members, min_score * LINK_FLOOR), min_score)
        ]

    def _pairs(self, members: set[int], least: float) -> dict[tuple[int, int], float]:
        """Scores ≥ least of pairs of members whose shared words score at least
        WORD_FLOOR × least, each pair once (lower position first).

        Walks postings restricted to the members (built from their vectors), so a
        body's ideas cost the same inside the platform-wide index as in their own. The
        trigram part is added per candidate pair, or, when many candidates could still
        reach `least`, by walking the members' trigram postings once: the cheaper of
        the two, with the same result.
        """
        ordered = sorted(members)
        word_postings = _member_postings(self.vectors, ordered, 0)
        trigram_postings = _member_postings(self.vectors, ordered, 1)
        pairs: dict[tuple[int, int], float] = {}
        for position in ordered:
            word_scores = _walk(position, self.vectors[position][0], word_postings)
            candidates = {
                other: score
                for other, score in word_scores.items()
                if score >= least * WORD_FLOOR and score + TRIGRAM_SHARE >= least
            }
            if not candidates:
                continue
            trigram_vector = self.vectors[position][1]
            walk_cost = sum(
                len(trigram_postings[fid][0]) - bisect_right(trigram_postings[fid][0], position)
                for fid in trigram_vector[0]
            )
            dot_cost = sum(len(self.vectors[other][1][0]) for other in candidates)
            if walk_cost < dot_cost:
                trigram_scores = _walk(position, trigram_vector, trigram_postings)
                found = trigram_scores.get
            else:
                query = dict(zip(*trigram_vector, strict=True))

                def found(other, _default=0.0, query=query):
                    return self._trigram_dot(query, other)

            for other, word_score in candidates.items():
                score = word_score + found(other, 0.0)
                if score >= least:
                    pairs[(position, other)] = score
        return pairs


def _member_postings(
    vectors: list[tuple[Vector, Vector]], ordered: list[int], block: int
) -> dict[int, tuple[list[int], list[float]]]:
    """Postings (positions in ascending order, weights) of one block, for these positions."""
    postings: dict[int, tuple[list[int], list[float]]] = {}
    for position in ordered:
        for fid, weight in zip(*vectors[position][block], strict=True):
            positions, weights = postings.setdefault(fid, ([], []))
            positions.append(position)
            weights.append(weight)
    return postings


def _walk(
    position: int, vector: Vector, postings: dict[int, tuple[list[int], list[float]]]
) -> dict[int, float]:
    """Dot products of one item's block with those of the later positions in `postings`."""
    scores: dict[int, float] = {}
    get = scores.get
    for fid, weight in zip(*vector, strict=True):
        positions, weights = postings[fid]
        start = bisect_right(positions, position)
        for other, other_weight in zip(positions[start:], weights[start:], strict=True):
            scores[other] = get(other, 0.0) + weight * other_weight
    return scores


def _average_linkage(pairs: dict[tuple[int, int], float], min_score: float) -> list[list[int]]:
    """Merge the closest groups while their average pairwise score is ≥ min_score."""
    members: dict[int, list[int]] = {}
    links: dict[int, dict[int, float]] = {}  # group -> other group -> sum of pair scores
    for (first, second), score in pairs.items():
        for group in (first, second):
            members.setdefault(group, [group])
            links.setdefault(group, {})
        links[first][second] = score
        links[second][first] = score
    heap = [(-score, first, second) for (first, second), score in pairs.items()]
    heapq.heapify(heap)
    while heap:
        negative, first, second = heapq.heappop(heap)
        if first not in members or second not in members:
            continue
        average = links[first].get(second, 0.0) / (len(members[first]) * len(members[second]))
        if abs(average + negative) > 1e-12:
            continue  # stale: one of the groups has grown since
        if average < min_score:
            break
        members[first].extend(members.pop(second))
        for other, total in links.pop(second).items():
            links[other].pop(second)
            if other == first:
                continue
            merged = links[first].get(other, 0.0) + total
            links[first][other] = links[other][first] = merged
        for other, total in links[first].items():
            pair = (first, other) if first < other else (other, first)
            heapq.heappush(heap, (-total / (len(members[first]) * len(members[other])), *pair))
    groups = [sorted(group) for group in members.values() if len(group) > 1]
    groups.sort(key=lambda group: (-len(group), group[0]))
    return groups


def _weigh(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    """TF-IDF weights, the word and trigram blocks each normalised to their share."""
    weights = {
        feature: (1.0 + math.log(count) if count > 1 else count) * idf[feature]
        for feature, count in counts.items()
    }
    for is_trigram, share in ((False, 1.0 - TRIGRAM_SHARE), (True, TRIGRAM_SHARE)):
        block = [
            feature for feature in weights if feature.startswith(_TRIGRAM_PREFIX) is is_trigram
        ]
        norm = math.sqrt(sum(weights[feature] ** 2 for feature in block))
        for feature in block:
            weights[feature] *= math.sqrt(share) / norm
    return weights


def _idf(total: int, frequency: int) -> float:
    return math.log((1 + total) / (1 + frequency)) + 1.0
