"""Transition capacity in the browser: answering with the keyboard only, the regional heatmap
and the results page, each scanned with axe.

The live server's database is flushed after every test, so each test builds its own small
framework and assessments (tests/factories/capacity.py) on top of the reference and demo data.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kraftsamla.accounts.models import User
from kraftsamla.capacity import services
from kraftsamla.capacity.models import Answer, CapitalNote
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import Organisation
from tests.factories.capacity import (
    CAPITAL_KEYS,
    AssessmentFactory,
    FrameworkFactory,
    PublishedAssessmentFactory,
    add_and_open,
    answer_all,
    statements_of,
)
from tests.helpers import (
    ADMIN_M,
    COORDINATOR,
    EDITOR_M,
)

from .helpers import assert_accessible, login, open_molndal_assessment

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with Tab")


def skip_to_main(page) -> None:
    """Skip the header with the skip link, which the first Tab reaches.

    After "Save and continue" the address keeps the skip link's #main, so the browser
    already starts the Tab order in main and the first Tab lands there.
    """
    page.keyboard.press("Tab")
    if page.evaluate("document.activeElement.matches('a.skip-link')"):
        page.keyboard.press("Enter")
    else:
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def press_and_autosave(page, key: str) -> None:
    """Press a key that chooses a radio; wait until the page's autosave has answered 200."""
    with page.expect_response(lambda r: "/spara-svar/" in r.url) as info:
        page.keyboard.press(key)
    assert info.value.status == 200, info.value.text()


def choose(page, score: int | None) -> None:
    """Choose a level in the focused, still unanswered radio group with the keyboard.

    Tab lands on the group's first radio (level 0) without choosing it: Space chooses it,
    each ArrowDown moves to and chooses the next level, ArrowUp from level 0 wraps to
    "don't know".
    """
    press_and_autosave(page, "Space")
    if score is None:
        press_and_autosave(page, "ArrowUp")
        return
    for _ in range(score):
        press_and_autosave(page, "ArrowDown")


def expected_score(capital_index: int, statement_index: int) -> int | None:
    if (capital_index, statement_index) == (6, 1):
        return None  # the very last statement: "don't know"
    return (capital_index + statement_index) % 5


def test_a_respondent_answers_every_capital_with_the_keyboard_only(new_page):
    framework = FrameworkFactory()
    assessment = open_molndal_assessment()
    by_capital: dict[str, list] = {}
    for st in statements_of(framework):
        by_capital.setdefault(st.capital.key, []).append(st)

    page = new_page()
    login(page, EDITOR_M)
    page.goto(f"/kapacitet/bedomning/{assessment.pk}/svara/political/")
    expect(page.locator("h1")).to_contain_text("Capital political")
    assert_accessible(page, "capacity-answer")

    for c_index, key in enumerate(CAPITAL_KEYS):
        expect(page.locator("h1")).to_contain_text(f"Capital {key}")
        skip_to_main(page)
        for s_index, st in enumerate(by_capital[key]):
            tab_to(page, f"input[name='s{st.pk}-score']")
            score = expected_score(c_index, s_index)
            choose(page, score)
            expect(page.locator(f"#s{st.pk}-fieldset .save-status")).to_have_text(
                "Sparat: " + ("Vet inte" if score is None else str(score))
            )
        if c_index == 0:
            tab_to(page, "#strengthen")
            page.keyboard.type("Tydligare politiska uppdrag")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "collaboration_form"
            page.keyboard.press("ArrowDown")  # the first collaboration form
        if c_index < len(CAPITAL_KEYS) - 1:
            tab_to(page, "button[name=go][value=next]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert urlsplit(page.url).path.endswith(f"/svara/{CAPITAL_KEYS[c_index + 1]}/")
        else:
            tab_to(page, "button[name=go][value=stay]")
            with page.expect_navigation():
                page.keyboard.press("Space")
        expect(page.locator(".message-success")).to_be_visible()

    # The last page shows what was saved, read back from the server.
    last = by_capital["real"]
    expect(page.locator(f"#s{last[0].pk}-{expected_score(6, 0)}")).to_be_checked()
    expect(page.locator(f"#s{last[1].pk}-dk")).to_be_checked()

    answers = {a.statement_id: a for a in Answer.objects.filter(respondent__assessment=assessment)}
    assert len(answers) == sum(len(v) for v in by_capital.values()) == 14
    for c_index, key in enumerate(CAPITAL_KEYS):
        for s_index, st in enumerate(by_capital[key]):
            score = expected_score(c_index, s_index)
            assert answers[st.pk].score == score, st.key
            assert answers[st.pk].dont_know == (score is None), st.key
    note = CapitalNote.objects.get(respondent__assessment=assessment)
    assert note.capital.key == "political"
    assert note.strengthen == "Tydligare politiska uppdrag"
    assert note.collaboration_form == "knowledge_base"


LEVEL_TEXT = {"dont_know": "Vet inte"}


def test_quick_arrow_keys_store_exactly_the_last_choice(new_page):
    """Arrow keys choose a radio on every press: the page saves once the choice settles, the
    server keeps only the newest save, and the status shows what is stored. After a reload
    exactly the last choice of every statement is checked."""
    framework = FrameworkFactory(per_capital=4)
    assessment = open_molndal_assessment()
    statements = [st for st in statements_of(framework) if st.capital.key == "political"]
    page = new_page()
    login(page, EDITOR_M)
    page.goto(f"/kapacitet/bedomning/{assessment.pk}/svara/political/")
    # Per statement: Space chooses level 0, each arrow the next or previous level (wrapping
    # through "don't know"); a number is a pause in ms, long enough for a save to leave.
    right, left = "ArrowRight", "ArrowLeft"
    moves = [
        [right] * 3 + [left] + [right] * 3,
        [right] * 2 + [400] + [right, left] * 3 + [right],
        [left, left, 400, left, left, right, right],
        [400, right, right, 400, left, left],
    ]
    expected = {
        statements[0].pk: "dont_know",
        statements[1].pk: "3",
        statements[2].pk: "4",
        statements[3].pk: "0",
    }
    for statement, keys in zip(statements, moves, strict=True):
        page.locator(f"#s{statement.pk}-0").focus()
        page.keyboard.press("Space")
        for key in keys:
            if isinstance(key, int):
                page.wait_for_timeout(key)
            else:
                page.keyboard.press(key)
                page.wait_for_timeout(30)
        checked = page.locator(f"#s{statement.pk}-fieldset input:checked")
        expect(checked).to_have_attribute("value", expected[statement.pk])
    for statement in statements:
        value = expected[statement.pk]
        expect(page.locator(f"#s{statement.pk}-fieldset .save-status")).to_have_text(
            f"Sparat: {LEVEL_TEXT.get(value, value)}"
        )
    page.reload()
    for statement in statements:
        expect(page.locator(f"#s{statement.pk}-fieldset input:checked")).to_have_attribute(
            "value", expected[statement.pk]
        )
    stored = {
        answer.statement_id: "dont_know" if answer.dont_know else str(answer.score)
        for answer in Answer.objects.filter(respondent__assessment=assessment)
    }
    assert stored == expected


def test_the_coordinator_sees_the_regional_heatmap(new_page):
    FrameworkFactory()
    orgs = {
        o.slug: o for o in Organisation.objects.filter(slug__in=["molndal", "kungsbacka", "ale"])
    }
    PublishedAssessmentFactory(
        organisation=orgs["molndal"], score=1, sharing_level=SharingLevel.REGION, per_capital=1
    )
    PublishedAssessmentFactory(
        organisation=orgs["kungsbacka"], score=3, sharing_level=SharingLevel.PUBLIC, per_capital=1
    )
    PublishedAssessmentFactory(
        organisation=orgs["ale"], score=4, sharing_level=SharingLevel.PRIVATE, per_capital=1
    )

    page = new_page()
    login(page, COORDINATOR)
    page.goto("/kapacitet/region/goteborgsregionen/")
    heatmap = page.locator("table#heatmap")
    expect(heatmap).to_be_visible()
    rows = heatmap.locator("tbody tr")
    expect(rows).to_have_count(13)
    names = rows.locator("th[scope=row]").all_inner_texts()
    assert {"Mölndal", "Ale", "Kungsbacka", "Lerum", "Göteborg"} <= set(names)
    molndal_row = rows.filter(has=page.get_by_role("link", name="Mölndal"))
    expect(molndal_row.locator("td.heat")).to_have_count(7)
    expect(molndal_row.locator("td.heat").first).to_have_text("25")
    ale_row = rows.filter(has_text=re.compile(r"^\s*Ale"))
    expect(ale_row.locator("td.missing")).to_have_count(7)
    expect(heatmap.locator("td.missing")).to_have_count(11 * 7)
    expect(page.get_by_role("link", name="CSV för Excel")).to_be_visible()
    assert_accessible(page, "capacity-regional")


def test_the_results_page_is_accessible(new_page):
    framework = FrameworkFactory()
    admin = User.objects.get(email=ADMIN_M)
    editor = User.objects.get(email=EDITOR_M)
    viewer = User.objects.get(email="lasare.molndal@demo.kraftsamla.se")
    assessment = add_and_open(
        AssessmentFactory(organisation=Organisation.objects.get(slug="molndal"), actor=admin),
        admin,
        [editor, viewer],
    )
    answer_all(assessment, editor, 4)
    answer_all(assessment, viewer, {"political": 0, "human": 2, "financial": None})
    services.capital_note_save(
        actor=viewer,
        assessment=assessment,
        capital=framework.capitals.get(key="political"),
        strengthen="Politisk enighet",
        collaboration_form="room_for_action",
    )
    services.agreed_score_save(
        actor=admin,
        assessment=assessment,
        statement=statements_of(framework)[0],
        score=2,
        rationale="Enade",
    )

    page = new_page()
    login(page, ADMIN_M)
    page.goto(f"/kapacitet/bedomning/{assessment.pk}/resultat/")
    expect(page.locator("#profile-table tbody tr")).to_have_count(7)
    expect(page.locator("details.formula")).to_have_count(1)
    expect(page.locator("form.agree-form")).to_have_count(14)
    page.locator("details.formula summary").click()
    expect(page.locator("details.formula li").first).to_be_visible()
    assert_accessible(page, "capacity-results")

    page.goto(f"/kapacitet/bedomning/{assessment.pk}/sammanfattning/")
    expect(page.locator("#profile-table")).to_be_visible()
    assert_accessible(page, "capacity-summary")

    # The pages around it: the assessment with its lifecycle, respondents and sharing forms,
    # and the organisation's assessments with the form to start one.
    page.goto(f"/kapacitet/bedomning/{assessment.pk}/")
    expect(page.locator("#respondents-heading")).to_be_visible()
    assert_accessible(page, "capacity-assessment")
    page.goto("/kapacitet/organisation/molndal/")
    expect(page.locator("#new-heading")).to_be_visible()
    assert_accessible(page, "capacity-organisation")
