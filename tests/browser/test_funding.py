"""Funding calls in the browser: the call list and a call page scanned with axe-core, on a
desktop and on a phone without sideways scrolling; the call form's Swedish amount."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, translate

from .helpers import DESKTOP, PHONE, assert_accessible, login
from .test_reflow import clipped_regions, page_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def funding_data(site_data) -> None:
    """The funding demo on top of the site data (loaded again if a test flushed it)."""
    from kraftsamla.funding.demo import load_demo
    from kraftsamla.funding.models import Call

    if not Call.objects.filter(is_demo=True).exists():
        load_demo()


def _viable_call_path() -> str:
    from kraftsamla.funding.demo import VIABLE_CITIES
    from kraftsamla.funding.models import Call

    return Call.objects.get(owner__slug=VIABLE_CITIES, is_demo=True).get_absolute_url()


def _invented_call_path() -> str:
    from kraftsamla.funding.models import Call

    call = Call.objects.filter(is_invented_example=True, sharing_level="public").first()
    return call.get_absolute_url()


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_call_list_and_call_page_are_accessible_and_fit_the_screen(funding_data, new_page, screen):
    page = new_page(**screen)
    width = screen["viewport"]["width"]
    problems = []
    for label, path in [
        ("list", "/finansiering/"),
        ("viable-cities", _viable_call_path()),
        ("invented", _invented_call_path()),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        sizes = page_overflow(page)
        if sizes["html"] > sizes["viewport"]:
            problems.append(f"{path}: {sizes}")
        if clipped_regions(page):
            problems.append(f"{path}: unnamed scroll regions {clipped_regions(page)}")
        assert_accessible(page, f"funding-{label}-{width}")
    assert not problems, "\n".join(problems)


def test_the_call_page_shows_rules_and_the_invented_label(funding_data, page):
    page.goto(_viable_call_path())
    expect(page.locator("#rules-heading")).to_have_text(translate("Eligibility rules"))
    expect(page.locator("ol.rule-list > li")).to_have_count(10)
    expect(page.locator(".interpretation").first).to_be_visible()
    page.goto(_invented_call_path())
    expect(page.locator(".notice-invented")).to_contain_text(
        translate("Invented example, not a real call.")
    )


def test_a_coordinator_writes_a_call_with_a_swedish_amount(funding_data, new_page):
    page = new_page(**PHONE)
    login(page, COORDINATOR)
    page.goto("/finansiering/ny/")
    assert_accessible(page, "funding-form")
    page.locator("#id_funder").fill("Testfinansiären")
    page.locator("#id_title_sv").fill("Utlysning i webbläsaren")
    page.locator("#id_opens_on").fill("2030-01-01")
    page.locator("#id_closes_on").fill("2029-12-31")
    page.locator("#id_max_support").fill("1 000 000,50")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_closes_on-errors")).to_be_visible()
    assert_accessible(page, "funding-form-errors")
    sizes = page_overflow(page)
    assert sizes["html"] <= sizes["viewport"], sizes
    page.locator("#id_closes_on").fill("2030-02-01")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Utlysning i webbläsaren")
    expect(page.locator("main")).to_contain_text("1\u202f000\u202f000,50")


# --- The application workspace ---------------------------------------------------------------


@pytest.fixture
def draft_application(funding_data):
    """A draft application built as the Linköping–Mjölby demo, for an open call."""
    from tests.factories.funding import application_like_demo, open_viable_call

    application, parties = application_like_demo(open_viable_call())
    return application, parties


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_application_workspace_and_budget_form_are_accessible(draft_application, new_page, screen):
    application, parties = draft_application
    page = new_page(**screen)
    login(page, "personal@demo.kraftsamla.se")
    width = screen["viewport"]["width"]
    response = page.goto(application.get_absolute_url())
    assert response.status == 200
    expect(page.locator("#check-panel")).to_contain_text("10 regler uppfyllda")
    problems = []
    for label, path in [
        ("workspace", application.get_absolute_url()),
        ("budget", f"{application.get_absolute_url()}parter/{parties['mjolby'].pk}/"),
        ("print", f"{application.get_absolute_url()}utskrift/"),
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        sizes = page_overflow(page)
        if sizes["html"] > sizes["viewport"]:
            problems.append(f"{path}: {sizes}")
        if clipped_regions(page):
            problems.append(f"{path}: unnamed scroll regions {clipped_regions(page)}")
        assert_accessible(page, f"application-{label}-{width}")
    assert not problems, "\n".join(problems)


def test_the_check_panel_follows_the_budget_form_live(draft_application, page):
    application, parties = draft_application
    login(page, "personal@demo.kraftsamla.se")
    mjolby = parties["mjolby"]
    line = mjolby.budget_lines.get(activity="Transition Lab")
    page.goto(f"{application.get_absolute_url()}parter/{mjolby.pk}/?rad={line.pk}")
    panel = page.locator("#check-panel")
    expect(panel).to_contain_text("10 regler uppfyllda")
    page.locator("#line-support").fill("50 000")
    # Checked with the unsaved line: the Transition Lab allocation now falls short.
    expect(panel).to_contain_text("mindre än 200\u202f000 kr till Transition Lab")
    expect(panel).to_contain_text("osparade")
    # Nothing was saved; saving a Swedish number does save it.
    line.refresh_from_db()
    assert line.support == 100_000
    page.locator("#line-support").fill("100 000,00")
    with page.expect_navigation():
        page.locator("#line-form button[type=submit]").click()
    line.refresh_from_db()
    assert line.support == 100_000
    expect(page.locator("#check-panel")).to_contain_text("Alla regler är uppfyllda.")
