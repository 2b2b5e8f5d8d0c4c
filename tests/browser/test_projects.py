"""The project bank: the idea form with its field errors, and a project page with its timeline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, EDITOR_M, translate

from .helpers import DESKTOP, PHONE, assert_accessible, login

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


def test_attach_a_file_and_see_the_error_of_a_type_that_lies(project_data, page):
    from kraftsamla.projects.models import Project
    from tests.factories.files import pdf_bytes, png_bytes

    project = Project.objects.get(title="Återbrukshubb för byggmaterial")
    login(page, EDITOR_M)
    page.goto(project.get_absolute_url())
    form = page.locator(f"form[action$='/projekt/{project.pk}/bilagor/']")
    expect(page.locator("#attach-file-help")).to_contain_text("WebP")
    # A picture named as a PDF: refused, with the error tied to the field.
    form.locator("#attach-file").set_input_files(
        files=[{"name": "Slutrapport.pdf", "mimeType": "application/pdf", "buffer": png_bytes()}]
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#attach-file-errors")).to_contain_text("PNG")
    expect(page.locator("#attach-file")).to_have_attribute(
        "aria-describedby", "attach-file-help attach-file-errors"
    )
    assert_accessible(page, "projects-attachment-error")
    form.locator("#attach-file").set_input_files(
        files=[{"name": "Slutrapport.pdf", "mimeType": "text/plain", "buffer": pdf_bytes()}]
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    link = page.locator("#attachments-heading ~ * a", has_text="Slutrapport.pdf")
    expect(link).to_have_count(1)
    assert_accessible(page, "projects-attachments")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Slutrapport.pdf"


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_good_examples_list_filters_and_fits_the_screen(project_data, new_page, screen):
    page = new_page(**screen)
    page.goto("/projekt/")
    with page.expect_navigation():
        page.locator("main a[href='/projekt/goda-exempel/']").click()
    # A visitor sees the public good example; the coordinator also the one shared with the region.
    expect(page.locator("article.example")).to_have_count(1)
    login(page, COORDINATOR)
    page.goto("/projekt/goda-exempel/")
    expect(page.locator("article.example")).to_have_count(2)
    assert_accessible(page, f"projects-good-examples-{screen['viewport']['width']}")
    sizes = page.evaluate(
        "() => ({viewport: window.innerWidth, html: document.documentElement.scrollWidth})"
    )
    assert sizes["html"] <= sizes["viewport"], sizes
    page.locator("#id_population_class").select_option("50k-100k")
    with page.expect_navigation():
        page.locator("main form.filter-form button[type=submit]").click()
    expect(page.locator("article.example h2 a")).to_have_text(["Elcykelpool för hemtjänsten"])
    expect(page.locator("#result-count")).to_contain_text("1")
    assert_accessible(page, f"projects-good-examples-filtered-{screen['viewport']['width']}")
