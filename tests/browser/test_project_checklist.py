"""The project template and a project's checklist in the browser: axe-core, a phone, and A4."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from tests.helpers import COORDINATOR, EDITOR_M, translate

from .helpers import DESKTOP, PHONE, assert_accessible, login
from .test_reflow import _print_problems, clipped_regions, page_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def project_data(site_data) -> None:
    """The projects demo (with the template and the running projects' checklists)."""
    from kraftsamla.projects.demo import load_demo
    from kraftsamla.projects.models import Checklist

    if not Checklist.objects.filter(project__is_demo=True).exists():
        load_demo()


def test_the_editor_plans_a_project_by_the_template(project_data, page):
    from kraftsamla.core.access import SYSTEM
    from kraftsamla.projects import services
    from kraftsamla.projects.models import Project

    project = Project.objects.get(title="Återbrukshubb för byggmaterial", is_demo=True)
    start = datetime.date(2026, 1, 1)
    services.project_update(
        actor=SYSTEM,
        project=project,
        data={"start_date": start, "end_date": datetime.date(2027, 12, 31)},
    )
    login(page, EDITOR_M)
    page.goto(project.get_absolute_url())
    with page.expect_navigation():
        page.get_by_role(
            "button", name=translate("Use the template for small municipalities")
        ).click()
    expect(page.locator("h1")).to_contain_text(translate("Checklist"))
    expect(page.locator("fieldset.checklist-item")).to_have_count(24)
    assert_accessible(page, "projects-checklist-form")

    first = page.locator("fieldset.checklist-item").nth(0)
    first.get_by_label(translate("Responsible"), exact=True).fill("Anna Andersson")
    first.get_by_label(translate("Done"), exact=True).check()
    first.get_by_label(translate("Due"), exact=True).fill("2025-12-01")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Save the checklist")).first.click()
    # The date lies before the project starts: shown at its field, nothing saved.
    expect(page.locator("#error-summary")).to_be_visible()
    first = page.locator("fieldset.checklist-item").nth(0)
    expect(first.locator(".errorlist")).to_contain_text(start.isoformat())
    expect(first.get_by_label(translate("Due"), exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(first.locator(".status-done")).to_have_count(0)
    assert_accessible(page, "projects-checklist-errors")

    first.get_by_label(translate("Due"), exact=True).fill("2026-02-01")
    with page.expect_navigation():
        page.get_by_role("button", name=translate("Save the checklist")).first.click()
    expect(page.locator(".messages")).to_contain_text(translate("The checklist was saved."))
    first = page.locator("fieldset.checklist-item").nth(0)
    expect(first.get_by_label(translate("Responsible"), exact=True)).to_have_value("Anna Andersson")
    expect(first.locator(".status-done")).to_be_visible()


def test_a_running_project_shows_its_overdue_step_on_a_phone(project_data, new_page):
    from kraftsamla.projects.models import Project

    project = Project.objects.get(title="Lokala klimatkontrakt med företag", is_demo=True)
    page = new_page(**PHONE)
    login(page, COORDINATOR)
    page.goto(project.get_absolute_url())
    expect(page.locator("#checklist-heading")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("link", name=translate("Open the checklist")).click()
    # The coordinating body reads the checklist; it does not plan it.
    expect(page.locator("fieldset.checklist-item")).to_have_count(0)
    expect(page.locator(".status-overdue")).to_have_count(1)
    expect(page.locator(".status-overdue")).to_contain_text(translate("Overdue"))
    sizes = page_overflow(page)
    assert sizes["html"] <= sizes["viewport"], sizes
    assert not clipped_regions(page)
    assert_accessible(page, "projects-checklist-phone")


def test_the_template_page_reads_on_a_phone_and_prints_on_a4(project_data, new_page):
    phone = new_page(**PHONE)
    response = phone.goto("/projekt/mall/")
    assert response.status == 200
    expect(phone.locator("h1")).to_have_text("Projektmall för kommuner med liten personalstyrka")
    expect(phone.locator("ol.template-steps > li")).to_have_count(24)
    sizes = page_overflow(phone)
    assert sizes["html"] <= sizes["viewport"], sizes
    assert not clipped_regions(phone)
    assert_accessible(phone, "projects-template-phone")
    # A step number in the "who takes part in what" table leads to the step.
    phone.locator(".template-matrix a[href='#step-politicians-go-ahead']").first.click()
    expect(phone.locator("#step-politicians-go-ahead")).to_be_in_viewport()

    desktop = new_page(**DESKTOP)
    assert _print_problems(desktop, "/projekt/mall/") == []
