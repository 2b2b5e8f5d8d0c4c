"""Twins and peers: the matching page with its map, explanations, weights and errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import ADMIN_M, translate

from .helpers import PHONE, assert_accessible, login

pytestmark = pytest.mark.browser


def test_matching_page_with_map_explanations_and_weights(page):
    login(page, ADMIN_M)
    page.goto("/tvillingstader/")
    page.locator("#id_kommun").select_option("linkoping")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Show candidates")).click()
    assert page.url.endswith("/tvillingstader/linkoping/")
    expect(page.locator("svg.twin-map a")).to_have_count(10)
    row = page.locator("#candidate-mjolby")
    expect(row).to_contain_text(translate("neighbours"))
    expect(row).to_contain_text(translate("same county and FA region"))
    page.locator("details summary").click()
    assert_accessible(page, "twinning-matching")

    # A map area leads to the candidate's row in the table.
    page.locator("svg.twin-map a[href='#candidate-mjolby']").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#candidate-mjolby$"))

    # A negative weight is an error at its field, tied to it for screen readers.
    page.locator("#id_w_distance").fill("-1")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Rank the candidates")).click()
    field = page.locator("#id_w_distance")
    expect(field).to_have_attribute("aria-describedby", re.compile("errors"))
    expect(page.locator("#id_w_distance-errors")).to_contain_text(
        translate("A weight cannot be negative.")
    )
    assert_accessible(page, "twinning-matching-error")


def test_matching_page_reflows_on_a_phone(new_page):
    page = new_page(**PHONE)
    login(page, ADMIN_M)
    page.goto("/tvillingstader/gavle/?purpose=peer")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert_accessible(page, "twinning-matching-phone")


def test_programme_progress_page_and_replication_plan_form(page):
    from kraftsamla.core.models import Role
    from kraftsamla.twinning.models import TwinningProgramme
    from tests.factories.accounts import PASSWORD, UserFactory
    from tests.helpers import org_by_slug

    programme = TwinningProgramme.objects.get(organiser__slug="netzerocities-demo")
    twin = programme.participants.get(organisation__slug="ornskoldsvik")
    UserFactory(email="strateg@ovik.example", organisation=twin.organisation, role=Role.EDITOR)
    assert org_by_slug("ornskoldsvik")
    login(page, "strateg@ovik.example", PASSWORD)
    page.goto(f"/tvillingstader/program/{programme.pk}/")
    expect(page.locator("svg.twin-timeline")).to_be_visible()
    expect(page.locator("#plans-heading")).to_be_visible()
    assert_accessible(page, "twinning-progress")

    page.get_by_role("link", name=re.compile("Örnsköldsvik")).first.click()
    page.wait_for_load_state()
    expect(page.locator("textarea")).to_have_count(8)
    assert_accessible(page, "twinning-plan-form")
    page.locator("#plan-risks").fill("För få cyklister vintertid.")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Save the plan")).click()
    expect(page.locator("#plans-heading")).to_be_visible()
    twin.refresh_from_db()
    assert twin.replication_plan.answers["risks"] == "För få cyklister vintertid."


def test_organiser_sees_the_meeting_and_claim_forms(page):
    from kraftsamla.core.models import Role
    from kraftsamla.twinning.models import TwinningProgramme
    from tests.factories.accounts import PASSWORD, UserFactory

    programme = TwinningProgramme.objects.get(organiser__slug="netzerocities-demo")
    UserFactory(email="samordnare@nzc.example", organisation=programme.organiser, role=Role.EDITOR)
    login(page, "samordnare@nzc.example", PASSWORD)
    page.goto(f"/tvillingstader/program/{programme.pk}/")
    expect(page.locator("#meeting-form-heading")).to_be_visible()
    expect(page.locator("#claim-form-heading")).to_be_visible()
    assert_accessible(page, "twinning-progress-organiser")
    # A claim above the ceiling is refused at its field.
    page.locator("#claim-participant").select_option(label="Örnsköldsvik")
    page.locator("#claim-amount").fill("50 000")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Add the claim")).click()
    expect(page.locator("#claim-amount-errors")).to_be_visible()
    assert_accessible(page, "twinning-progress-claim-error")


def test_programme_form_is_accessible(page):
    from kraftsamla.core.models import Role
    from tests.factories.accounts import PASSWORD, UserFactory
    from tests.helpers import org_by_slug

    UserFactory(
        email="program@gr.example", organisation=org_by_slug("goteborgsregionen"), role=Role.EDITOR
    )
    login(page, "program@gr.example", PASSWORD)
    page.goto("/tvillingstader/program/ny/")
    expect(page.locator("h1")).to_have_text(translate("Start a twinning programme"))
    assert_accessible(page, "twinning-programme-form")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Start the programme")).click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, "twinning-programme-form-errors")


def _organiser_of_the_demo_programme(page):
    """Log in as an editor of the organiser; `as_twin` then logs in as the twin's editor."""
    from kraftsamla.core.models import Role
    from kraftsamla.twinning.models import TwinningProgramme
    from tests.factories.accounts import PASSWORD, UserFactory

    programme = TwinningProgramme.objects.get(organiser__slug="netzerocities-demo")
    twin = programme.participants.get(organisation__slug="ornskoldsvik")
    UserFactory(email="utskrift@nzc.example", organisation=programme.organiser, role=Role.EDITOR)
    UserFactory(email="plan@ovik.example", organisation=twin.organisation, role=Role.EDITOR)
    login(page, "utskrift@nzc.example", PASSWORD)

    def as_twin():
        page.context.clear_cookies()
        login(page, "plan@ovik.example", PASSWORD)

    return programme, twin, as_twin


def test_progress_page_and_plan_form_reflow_on_a_phone(new_page):
    page = new_page(**PHONE)
    programme, twin, as_twin = _organiser_of_the_demo_programme(page)
    pages = [
        (f"/tvillingstader/program/{programme.pk}/", "twinning-progress-phone"),
        (
            f"/tvillingstader/program/{programme.pk}/moten/{programme.meetings.first().pk}/",
            "twinning-meeting-edit-phone",
        ),
        (f"/tvillingstader/program/{programme.pk}/moduler/1/andra/", "twinning-module-phone"),
        (f"/tvillingstader/program/{programme.pk}/plan/{twin.pk}/", "twinning-plan-phone"),
    ]
    for path, label in pages:
        if "plan" in path:
            as_twin()
        response = page.goto(path)
        assert response.status == 200, path
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert_accessible(page, label)


def test_progress_page_and_plan_print_on_a4(new_page):
    from .helpers import DESKTOP
    from .test_reflow import A4_PORTRAIT_CONTENT_PX, _print_problems

    page = new_page(**DESKTOP)
    programme, twin, as_twin = _organiser_of_the_demo_programme(page)
    progress = f"/tvillingstader/program/{programme.pk}/"
    plan = f"/tvillingstader/program/{programme.pk}/plan/{twin.pk}/"
    problems = _print_problems(page, progress)
    # On paper the progress page holds the facts, not the forms to change them.
    page.goto(progress)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PORTRAIT_CONTENT_PX, "height": 1100})
    expect(page.locator("#meeting-form-heading")).to_be_hidden()
    expect(page.locator("#claim-form-heading")).to_be_hidden()
    expect(page.locator("#modules-heading")).to_be_visible()
    # A written plan prints whole: no answer is cut off inside its box.
    page.emulate_media(media="screen")
    as_twin()
    problems += _print_problems(page, plan)
    assert not problems, "\n".join(problems)
    page.goto(plan)
    page.emulate_media(media="print")
    page.locator("#plan-risks").fill("Rad\n" * 12)
    cut = page.evaluate(
        """[...document.querySelectorAll('textarea')]
            .filter(t => t.scrollHeight > t.clientHeight + 2).length"""
    )
    assert cut == 0
