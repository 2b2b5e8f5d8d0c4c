"""The scoring formula, with hand-computed cases."""

import pytest

from kraftsamla.capacity import scoring

STATEMENTS = [
    (1, "p-1", "political"),
    (2, "p-2", "political"),
    (3, "p-3", "political"),
    (4, "p-4", "political"),
    (5, "f-1", "financial"),
]


def compute(answers, agreed=None):
    return scoring.compute(
        statements=STATEMENTS,
        answers=answers,
        agreed=agreed,
        capital_order=["political", "financial"],
    )


def test_single_respondent_mean_scaled_to_100():
    # Scores 4, 2, 3, 1 -> mean 2.5 -> 2.5 / 4 * 100 = 62.5
    result = compute([(10, 1, 4), (10, 2, 2), (10, 3, 3), (10, 4, 1)])["political"]
    assert result.score == 62.5
    assert result.answered == 4
    assert result.share_answered == 1.0
    assert result.consensus is None  # one respondent: no consensus measure


def test_dont_know_and_unanswered_are_left_out_not_zero():
    # Statement 1: 4; statement 2: don't know; statements 3-4 unanswered.
    result = compute([(10, 1, 4), (10, 2, None)])["political"]
    assert result.score == 100.0  # only statement 1 counts
    assert result.answered == 1
    assert result.share_answered == 0.25
    assert result.statements[1].dont_know == 1


def test_group_median_per_statement_then_mean():
    # Statement 1: 1, 2, 4 -> median 2; statement 2: 3, 3 -> 3; mean 2.5 -> 62.5
    answers = [(10, 1, 1), (11, 1, 2), (12, 1, 4), (10, 2, 3), (11, 2, 3)]
    result = compute(answers)["political"]
    assert result.statements[0].median == 2
    assert result.score == 62.5
    assert result.share_answered == 0.5


def test_agreed_score_overrides_median():
    answers = [(10, 1, 1), (11, 1, 2), (12, 1, 4)]
    result = compute(answers, agreed={1: 4})["political"]
    assert result.statements[0].value == 4.0
    assert result.score == 100.0


def test_consensus_is_one_minus_half_the_standard_deviation():
    # Full agreement -> 1.0; split 0/4 -> sd 2 -> 0.0
    agree = compute([(10, 1, 3), (11, 1, 3)])["political"].statements[0]
    split = compute([(10, 1, 0), (11, 1, 4)])["political"].statements[0]
    assert agree.consensus == 1.0
    assert split.consensus == 0.0
    assert split.low_consensus
    # 1, 2, 3 -> population sd 0.8165 -> 1 - 0.408 = 0.592
    mixed = compute([(10, 1, 1), (11, 1, 2), (12, 1, 3)])["political"].statements[0]
    assert mixed.consensus == pytest.approx(0.592, abs=0.001)


def test_disagreeing_respondents_are_two_levels_from_median():
    result = compute([(10, 1, 1), (11, 1, 1), (12, 1, 4)])["political"].statements[0]
    assert result.median == 1
    assert result.disagreeing == [12]


def test_capital_without_answers_has_no_score():
    assert compute([])["financial"].score is None


def test_where_to_start_weighs_building_order():
    steps = [["political"], ["financial"], ["relational", "human"], ["dynamic", "organisational"]]
    # Same score, political is earlier in the order -> comes first.
    ranked = scoring.where_to_start({"political": 40, "organisational": 40}, steps)
    assert [k for k, _p, _s in ranked] == ["political", "organisational"]
    # (100-40) * 1.5 = 90 for political; (100-20) * 1.0 = 80 for organisational.
    assert ranked[0][1] == 90.0
    ranked = scoring.where_to_start({"political": 40, "organisational": 20}, steps)
    assert ranked[0][0] == "political"
    ranked = scoring.where_to_start({"political": 90, "organisational": 20}, steps)
    assert ranked[0][0] == "organisational"


def test_where_to_start_skips_unscored():
    assert scoring.where_to_start({"political": None}, [["political"]]) == []
