"""The project bank: the idea form with its field errors, and a project page with its timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, EDITOR_M, translate

from .helpers import assert_accessible, login

pytestmark = pytest.mark.browser


@pytest.fixture
def project_data(site_data) -> None:
    """The projects demo on top of the site data (loaded again if a test flushed it)."""
    from kraftsamla.projects.demo import load_demo
    from kraftsamla.projects.models import Project

    if not Project.objects.filter(is_demo=True).exists():
        load_demo()


def test_idea_form_shows_errors_and_then_similar_ideas(project_data, page):
    login(page, EDITOR_M)
    page.goto("/projekt/organisation/molndal/ny/")
    assert_accessible(page, "projects-idea-form")
    page.locator("#id_budget").fill("100")
    page.locator("#id_funding_sources").fill("Energimyndigheten; 500")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_title-errors")).to_be_visible()
    assert_accessible(page, "projects-idea-form-errors")
    # With a title, the service finds that the sources add up to more than the budget.
    page.locator("#id_title").fill("Återbrukshubb för byggmaterial i Mölndal")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_funding_sources-errors")).to_be_visible()
    page.locator("#id_funding_sources").fill("Energimyndigheten; 50")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Återbrukshubb för byggmaterial i Mölndal")
    expect(page.locator("#similar-heading")).to_have_text(
        translate("Similar ideas of other organisations")
    )


def test_project_page_shows_the_timeline_and_actions(project_data, page):
    from kraftsamla.projects.models import Project

    project = Project.objects.get(title="Samordnad varudistribution till kommunens verksamheter")
    login(page, COORDINATOR)
    page.goto(project.get_absolute_url())
    expect(page.locator("#timeline-heading")).to_be_visible()
    expect(page.locator("ol.timeline li")).to_have_count(2)
    expect(page.locator(f"form[action$='/projekt/{project.pk}/prioritera/']")).to_have_count(1)
    assert_accessible(page, "projects-detail")
    similar_page = Project.objects.get(title="Återbrukshubb för byggmaterial")
    page.goto(similar_page.get_absolute_url())
    expect(page.locator("ul.similar li")).to_have_count(2)
    assert_accessible(page, "projects-detail-similar")
