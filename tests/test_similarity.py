"""Similar Swedish texts: inflections, compounds, å/ä/ö, stop words, scores and clusters."""

import pickle

import pytest

from kraftsamla.core.similarity import (
    DEFAULT_MIN_SCORE,
    TRIGRAM_SHARE,
    SimilarityIndex,
    compound_parts,
    fold,
    words,
)

REUSE_HUBS = {
    "hub-build": "Vi vill starta en återbrukshubb för byggmaterial",
    "hub-many": "Återbrukshubbar i flera kommuner",
    "hub-furniture": "En hubb för återbruk av möbler och material",
}
CHARGING = "Laddinfrastruktur för elbilar på landsbygden"
REUSE_BUILDING = "Återbruk av byggmaterial"

# Unrelated ideas of the kind a body's members write, so scores are not made in a vacuum.
BACKGROUND = {
    "solar": "Solceller på förskolornas tak",
    "food-waste": "Minska matsvinnet i skolkökens måltider",
    "bikes": "Nya cykelbanor mellan tätorten och stationen",
    "heat": "Värmepumpar i äldreboenden ersätter oljepannor",
    "wetland": "Våtmarker som tar hand om dagvatten vid kraftiga regn",
    "procurement": "Klimatkrav i upphandlingen av livsmedel",
    "carpool": "Samåkning för pendlare på landsbygden",
    "lights": "Gatubelysning med LED och närvarostyrning",
}


def build(*groups, **more):
    items = {}
    for group in groups:
        items |= group
    items |= more
    return SimilarityIndex.build(items.items())


def keys(matches):
    return [match.key for match in matches]


def test_reuse_hub_trio_find_each_other():
    index = build(REUSE_HUBS, BACKGROUND, charging=CHARGING)
    for key, text in REUSE_HUBS.items():
        found = keys(index.similar(text, exclude={key}))
        others = set(REUSE_HUBS) - {key}
        assert set(found[:2]) == others, (key, index.similar(text, exclude={key}))


def test_a_new_text_finds_the_reuse_hubs_first():
    index = build(REUSE_HUBS, BACKGROUND, charging=CHARGING)
    found = keys(index.similar("Hubb för återbruk i vår kommun", limit=3))
    assert set(found) == set(REUSE_HUBS)


def test_unrelated_ideas_do_not_match():
    index = build(BACKGROUND, charging=CHARGING, reuse=REUSE_BUILDING)
    assert "reuse" not in keys(index.similar(CHARGING))
    assert "charging" not in keys(index.similar(REUSE_BUILDING))
    assert index.score("charging", "reuse") < DEFAULT_MIN_SCORE
    # ... and nothing in the background matches reuse of building material either.
    assert keys(index.similar(REUSE_BUILDING, exclude={"reuse"})) == []


def test_inflections_and_compounds_share_stems():
    assert words("återbrukshubbar")[0][0] == words("återbrukshubb")[0][0] == "aterbrukshubb"
    vocabulary = {"aterbruk", "hubb", "sol", "cell"}
    assert compound_parts("aterbrukshubb", vocabulary) == ("aterbruk", "hubb")
    assert compound_parts("solcell", vocabulary) == ("sol", "cell")
    assert compound_parts("aterbruk", vocabulary) == ()
    assert compound_parts("hubbelibubb", vocabulary) == ()


def test_swedish_letters_are_folded_for_matching():
    assert fold("Örebro") == "orebro"
    assert fold("ÅTERBRUK") == "aterbruk"
    index = build(BACKGROUND, orebro="Örebro samlar möbler för återbruket", reuse=REUSE_BUILDING)
    assert keys(index.similar("örebro"))[0] == "orebro"
    assert set(keys(index.similar("aterbruk"))) == {"orebro", "reuse"}
    assert index.similar("aterbruk") == index.similar("återbruk")


def test_stop_words_do_not_create_matches():
    index = build(BACKGROUND, charging=CHARGING, reuse=REUSE_BUILDING)
    assert index.similar("och för att") == []
    assert index.similar("Vi vill att det blir bättre för oss och för dem") == []
    assert [stem for stem, _written in words("och för att på i av")] == []


def test_extra_stop_words_leave_out_every_inflection():
    texts = {"a": "Kommunens solceller", "b": "Kommunerna och matsvinnet"}
    assert keys(SimilarityIndex.build(texts.items()).similar("kommun")) != []
    plain = SimilarityIndex.build(texts.items(), extra_stop_words=["kommun"])
    assert plain.similar("kommunen") == []
    assert plain.score("a", "b") == 0.0


def test_shared_words_are_shown_as_written_in_the_match():
    index = build(REUSE_HUBS, BACKGROUND)
    [best, *_] = index.similar("Örebro vill bygga återbrukshubbar", limit=1)
    assert best.key == "hub-many"
    assert best.shared_words == ["Återbrukshubbar"]
    furniture = next(
        match for match in index.similar("återbrukshubb", limit=5) if match.key == "hub-furniture"
    )
    assert set(furniture.shared_words) == {"hubb", "återbruk"}


def test_near_misses_score_through_trigrams_below_the_default_threshold():
    index = build(REUSE_HUBS, BACKGROUND, charging=CHARGING)
    # A typo shares no word, so it reaches at most TRIGRAM_SHARE: found on asking for it.
    assert index.similar("återbrukshubbb") == []
    assert TRIGRAM_SHARE < DEFAULT_MIN_SCORE
    loose = index.similar("återbrukshubbb", min_score=0.05, limit=3)
    assert set(keys(loose)) == set(REUSE_HUBS)
    assert all(match.shared_words == [] for match in loose)
    assert keys(index.similar("ladinfrastruktur", min_score=0.05)) == ["charging"]


def test_clusters_group_four_municipalities_reuse_hubs_and_leave_the_rest_apart():
    ideas = {
        "molndal": "Vi vill starta en återbrukshubb för byggmaterial i Mölndal",
        "lerum": "Återbrukshubbar i flera kommuner, Lerum kan vara värd",
        "partille": "En hubb för återbruk av möbler och material",
        "alingsas": "Återbruk av byggmaterial och möbler i en gemensam hubb",
    }
    index = build(ideas, BACKGROUND, charging=CHARGING)
    clusters = index.clusters(min_score=0.2)
    assert sorted(clusters[0]) == sorted(ideas)
    # Two rural ideas share "landsbygden"; they may pair up, but with each other only.
    assert all(cluster == ["carpool", "charging"] for cluster in clusters[1:])
    clustered = {key for cluster in clusters for key in cluster}
    assert clustered.isdisjoint(set(BACKGROUND) - {"carpool"})
    # Limited to some keys, only those are clustered.
    assert index.clusters(min_score=0.2, keys=["molndal", "lerum", "solar"]) == [
        ["molndal", "lerum"]
    ]


def test_average_linkage_does_not_chain_unrelated_ideas():
    ideas = {
        "a": "Solceller på taken",
        "b": "Solceller och batterier",
        "c": "Batterier för elbilar",
        "d": "Elbilar i hemtjänsten",
    }
    index = build(ideas)
    groups = index.clusters(min_score=0.3)
    assert ["a", "b", "c", "d"] not in groups


def test_scores_are_between_zero_and_one_and_symmetric():
    index = build(REUSE_HUBS, BACKGROUND, charging=CHARGING, reuse=REUSE_BUILDING)
    all_keys = list(index.keys)
    for first in all_keys:
        for second in all_keys:
            forward, backward = index.score(first, second), index.score(second, first)
            assert 0.0 <= forward <= 1.0
            assert forward == pytest.approx(backward)
    for key in all_keys:
        assert index.score(key, key) == pytest.approx(1.0)
        for match in index.similar(index.texts[all_keys.index(key)], min_score=0.0, limit=50):
            assert 0.0 <= match.score <= 1.0
            assert match.score == pytest.approx(index.score(key, match.key))


def test_exclude_and_within_limit_the_answer():
    index = build(REUSE_HUBS, BACKGROUND)
    text = REUSE_HUBS["hub-build"]
    assert "hub-build" not in keys(index.similar(text, exclude=["hub-build"]))
    assert keys(index.similar(text, within=["hub-many", "solar"])) == ["hub-many"]
    assert index.similar(text, within=[]) == []
    assert len(index.similar(text, limit=1)) == 1


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "!!! ?? 2024", "a b c"])
def test_empty_text_gives_no_matches(text):
    index = build(REUSE_HUBS, blank=text)
    assert index.similar(text) == []
    assert index.similar(text, min_score=0.0) == []
    assert index.clusters(min_score=0.0) == [] or "blank" not in index.clusters(min_score=0.0)[0]


def test_an_empty_index_answers_nothing():
    index = SimilarityIndex.build([])
    assert index.similar("återbruk") == []
    assert index.clusters() == []


def test_keys_must_be_unique():
    with pytest.raises(ValueError):
        SimilarityIndex.build([(1, "återbruk"), (1, "solceller")])


def test_the_index_pickles_for_the_cache():
    index = build(REUSE_HUBS, BACKGROUND)
    restored = pickle.loads(pickle.dumps(index))
    assert restored.similar("hubb för återbruk") == index.similar("hubb för återbruk")
    assert restored.clusters(min_score=0.2) == index.clusters(min_score=0.2)


def test_group_words_label_a_cluster_with_what_its_ideas_share():
    trio = {"a": "Återbrukshubb", "b": "Återbrukshubbar", "c": "Hubb för återbruk"}
    index = build(trio, BACKGROUND, charging=CHARGING)
    [cluster] = [group for group in index.clusters(min_score=0.3) if "a" in group]
    assert sorted(cluster) == ["a", "b", "c"]
    words_ = index.group_words(cluster)
    # Shared by all three first (as written where they stand alone), then by two.
    assert words_[:2] in (["återbruk", "hubb"], ["hubb", "återbruk"])
    assert words_[2] == "återbrukshubb"
    # A word only one idea has is no label; nor are the words of unrelated ideas.
    assert index.group_words(["a", "solar"]) == []
    assert index.group_words(["a", "b"], limit=1) == ["återbrukshubb"]


def test_group_words_show_a_compound_part_as_written_there():
    index = build(
        {"a": "Solcellsanläggningar på taken", "b": "Solceller i Örebro", "c": "En anläggning"}
    )
    # "solcell" is a part in a, a word of its own in b: shown as b writes it.
    assert index.group_words(["a", "b"]) == ["solceller"]
    known = {"c": "återbruk", "d": "hubb", "e": "butik"}
    parts_only = build(known, a="Återbrukshubbar", b="Återbruksbutiken")
    # In a and b "återbruk" is only a part: shown as the part of the compound.
    assert parts_only.group_words(["a", "b"]) == ["återbruk"]


def test_the_word_floor_keeps_the_groups_of_scoring_every_pair(monkeypatch):
    from kraftsamla.core import similarity

    ideas = {
        "molndal": "Vi vill starta en återbrukshubb för byggmaterial i Mölndal",
        "lerum": "Återbrukshubbar i flera kommuner, Lerum kan vara värd",
        "partille": "En hubb för återbruk av möbler och material",
        "charging": "Laddinfrastrukturen för elbilar",
        "charging2": "Ladd-infrastruktur för elbilar på landsbygden",
    }
    index = build(ideas, BACKGROUND)
    fast = index.clusters(min_score=0.3)
    monkeypatch.setattr(similarity, "WORD_FLOOR", 0.0)
    assert index.clusters(min_score=0.3) == fast
