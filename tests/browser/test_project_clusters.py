"""The idea form's live suggestions while one types, and a body's clusters of similar ideas."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, EDITOR_M, translate

from .helpers import PHONE, assert_accessible, login

pytestmark = pytest.mark.browser

PARTILLE_HUB = "Återbrukshubb för möbler och kontorsmaterial"


@pytest.fixture
def project_data(site_data) -> None:
    """The projects demo, and a public reuse hub of Partille that Mölndal's editor may see."""
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.organisations.models import Organisation
    from kraftsamla.projects import services
    from kraftsamla.projects.demo import load_demo
    from kraftsamla.projects.models import Project

    if not Project.objects.filter(is_demo=True).exists():
        load_demo()
    services.project_create(
        actor=SYSTEM,
        owner=Organisation.objects.get(slug="partille"),
        data={"title": PARTILLE_HUB, "sharing_level": "public"},
    )


def test_live_suggestions_appear_while_typing_the_idea(project_data, page):
    login(page, EDITOR_M)
    page.goto("/projekt/organisation/molndal/ny/")
    status = page.locator(".suggestions [role=status]")
    expect(status).to_be_empty()
    expect(page.locator(".suggestions [data-similar-hint]")).to_have_text(
        translate(
            "Similar ideas of other organisations are shown here as you write the title, "
            "summary and challenge."
        )
    )
    title = page.locator("#id_title")
    title.focus()
    page.keyboard.type("Vi vill bygga en återbrukshubb", delay=20)
    suggestion = page.locator(".suggestions ul.similar li a", has_text=PARTILLE_HUB)
    expect(suggestion).to_be_visible()
    expect(status).to_contain_text("1")
    # The suggestion opens in a new tab, so what is typed stays, and says so.
    expect(suggestion).to_have_attribute("target", "_blank")
    expect(title).to_have_value("Vi vill bygga en återbrukshubb")
    assert_accessible(page, "projects-idea-form-live-suggestions")
    # Keyboard: from the challenge field the next stop is the suggestion.
    page.locator("#id_challenge").focus()
    page.keyboard.press("Tab")
    expect(suggestion).to_be_focused()
    # A text with nothing alike empties the list, and the status says so.
    title.fill("")
    page.locator("#id_summary").focus()
    page.keyboard.type("Kvällsöppna bibliotek för seniorer", delay=10)
    expect(page.locator(".suggestions ul.similar")).to_have_count(0)
    expect(status).to_have_text(
        translate("No similar ideas of other organisations found among those you may see.")
    )


def test_the_cluster_page_lists_and_merges_similar_ideas(project_data, page):
    from kraftsamla.projects.models import Project, ProjectStatus

    login(page, COORDINATOR)
    page.goto("/projekt/goteborgsregionen/medlemmar/")
    page.get_by_role("link", name=translate("Clusters of similar ideas of several members")).click()
    # Mölndal's, Kungsbacka's and Ale's reuse hubs (and Partille's public one).
    section = (
        page.locator("section.cluster")
        .filter(has=page.locator("h2", has_text="kommuner har idéer om"))
        .filter(has_text="Återbrukshubb för byggmaterial")
    )
    expect(section).to_have_count(1)
    ideas = section.locator("tbody tr").count()
    assert ideas >= 3
    assert_accessible(page, "projects-clusters")
    with page.expect_navigation():
        section.get_by_role("link", name=translate("Merge into a joint project")).click()
    expect(page.locator("h1")).to_have_text(translate("Merge into a joint project"))
    expect(page.locator("input[name=projects]:checked")).to_have_count(ideas)
    assert_accessible(page, "projects-cluster-merge")
    # Sent without a title: the error summary, then the field tied to its message.
    page.locator("#id_title").fill("")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "projects-cluster-merge-errors")
    page.locator("#id_title").fill("Gemensam återbrukshubb (test)")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Gemensam återbrukshubb (test)")
    expect(page.locator("#merged-from-heading")).to_be_visible()
    expect(page.locator("section[aria-labelledby=merged-from-heading] li")).to_have_count(ideas)
    assert Project.objects.filter(status=ProjectStatus.MERGED).count() == ideas


def test_the_cluster_page_reflows_on_a_phone(project_data, new_page):
    page = new_page(**PHONE)
    login(page, COORDINATOR)
    page.goto("/projekt/goteborgsregionen/kluster/")
    expect(page.locator("section.cluster").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
