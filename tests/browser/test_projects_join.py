"""Asking to join a project on its page: ask, the owner answers, the asker sees the answer.

Each step is scanned with axe-core; the owner's view with its forms must also fit a phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import ADMIN_M, ALE_EDITOR, translate

from .helpers import PHONE, assert_accessible, login
from .test_projects import project_data  # noqa: F401 - the fixture
from .test_reflow import page_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def public_project(project_data):  # noqa: F811
    """A public idea of Mölndal that Ale's editor may see and ask to join."""
    from kraftsamla.core.models import SharingLevel
    from kraftsamla.organisations.models import Organisation
    from tests.factories.projects import ProjectFactory

    return ProjectFactory(
        owner=Organisation.objects.get(slug="molndal"),
        title="Gemensam laddinfrastruktur vid pendelparkeringar",
        summary="Laddplatser vid pendelparkeringarna längs E6 och E20.",
        sharing_level=SharingLevel.PUBLIC,
    )


def test_ask_to_join_answer_and_see_the_answer(public_project, new_page):
    asker = new_page()
    login(asker, ALE_EDITOR)
    asker.goto(public_project.get_absolute_url())
    expect(asker.locator("#join-heading")).to_have_text(translate("Ask to join"))
    assert_accessible(asker, "projects-join-form")
    asker.locator("#join-message").fill("Vi har många pendlare till Mölndal och vill vara med.")
    with asker.expect_navigation():
        asker.locator("#join-heading ~ form button[type=submit]").click()
    requests = asker.locator("#join-requests-heading ~ ul .join-request")
    expect(requests).to_have_count(1)
    expect(requests.first).to_contain_text(translate("Waiting for an answer"))
    expect(asker.locator("#join-heading")).to_have_count(0)
    assert_accessible(asker, "projects-join-waiting")

    owner = new_page(**PHONE)
    login(owner, ADMIN_M)
    owner.goto(public_project.get_absolute_url())
    request = owner.locator(".join-request").first
    expect(request).to_contain_text("Vi har många pendlare")
    assert_accessible(owner, "projects-join-owner")
    sizes = page_overflow(owner)
    assert sizes["html"] <= sizes["viewport"], sizes
    # Declining without a reason is refused at the field, and nothing changes.
    with owner.expect_navigation():
        request.locator("form[action$='/avboj/'] button[type=submit]").click()
    expect(owner.locator(".error-summary")).to_be_visible()
    expect(owner.locator("[id$='-reason-errors']")).to_be_visible()
    assert_accessible(owner, "projects-join-decline-error")
    # The owner accepts Ale as a partner instead.
    request = owner.locator(".join-request").first
    request.get_by_label(translate("Partner")).check()
    with owner.expect_navigation():
        request.locator("form[action$='/godta/'] button[type=submit]").click()
    participants = owner.locator("#participants-heading + ul")
    expect(participants).to_contain_text(f"Ale kommun – {translate('Partner')}")

    asker.reload()
    expect(asker.locator(".join-request").first).to_contain_text(translate("Accepted"))
    assert_accessible(asker, "projects-join-accepted")


def test_a_municipality_sees_projects_to_join_or_replicate(project_data, page):  # noqa: F811
    login(page, ALE_EDITOR)
    page.goto("/projekt/organisation/ale/")
    expect(page.locator("#suggestions-heading")).to_have_text(
        translate("Projects to join or replicate")
    )
    # Lerum is of Ale's size; Ale's demo request to join its climate contracts still waits.
    suggestion = page.locator(
        ".suggested-projects li", has_text="Lokala klimatkontrakt med företag"
    )
    expect(suggestion).to_contain_text(translate("Your request to join is waiting for an answer."))
    assert_accessible(page, "projects-suggestions")
