"""A regional body's portfolio: the ranked list, the impact × effort chart with its table,
the decision log, scoring a project, and the axe-core scans."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, translate

from .helpers import DESKTOP, PHONE, assert_accessible, login

pytestmark = pytest.mark.browser


@pytest.fixture
def project_data(site_data) -> None:
    from kraftsamla.projects.demo import load_demo
    from kraftsamla.projects.models import Project

    if not Project.objects.filter(is_demo=True).exists():
        load_demo()


def test_the_portfolio_ranks_charts_and_scores(project_data, page):
    login(page, COORDINATOR)
    page.goto("/projekt/goteborgsregionen/medlemmar/")
    page.get_by_role(
        "link", name=translate("Portfolio: the projects ranked by the body's criteria")
    ).click()
    expect(page.locator("h1")).to_contain_text(translate("Portfolio"))
    # The demo's charging stations are scored highest, so ranked first.
    first = page.locator("#portfolio-list tbody tr").first
    expect(first.locator("td").first).to_have_text("1")
    expect(first).to_contain_text("Laddplatser vid kommunala arbetsplatser")
    expect(page.locator("figure.chart-figure svg").first).to_be_attached()
    expect(page.get_by_text(translate("Impact and effort as a table"))).to_be_visible()
    expect(page.get_by_text(translate("not scored")).first).to_be_visible()
    assert_accessible(page, "projects-portfolio")
    # Score an unscored idea through its portfolio page.
    page.get_by_role("link", name="Återbrukshubb för byggmaterial").first.click()
    page.get_by_label(
        translate("Score on “%(criterion)s” (0–4)") % {"criterion": translate("Cost")}
    ).select_option("3")
    page.get_by_role("button", name=translate("Save the scores")).click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_accessible(page, "projects-portfolio-score-errors")
    page.get_by_label(
        translate("Reason for the score on “%(criterion)s”") % {"criterion": translate("Cost")}
    ).fill("Billigt (test)")
    page.get_by_role("button", name=translate("Save the scores")).click()
    expect(page.locator("main p[role=status]")).to_contain_text("3,00")


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_portfolio_fits_the_screen(project_data, new_page, screen):
    page = new_page(**screen)
    login(page, COORDINATOR)
    page.goto("/projekt/goteborgsregionen/portfolj/")
    sizes = page.evaluate(
        "() => ({viewport: window.innerWidth, html: document.documentElement.scrollWidth})"
    )
    assert sizes["html"] <= sizes["viewport"], sizes
    assert_accessible(page, f"projects-portfolio-{screen['viewport']['width']}")
