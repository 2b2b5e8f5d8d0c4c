"""The personal start page in the browser: few key presses to the first question, and axe.

The browser tests' data has no capacity or support demo data, so each test builds an open
assessment (and offers, needs and enrolments) through the factories.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kraftsamla.accounts.models import User
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import Organisation
from tests.factories.capacity import (
    AssessmentFactory,
    FrameworkFactory,
    PublishedAssessmentFactory,
    add_and_open,
    statements_of,
)
from tests.factories.support import KNOWLEDGE, EnrolmentFactory, NeedFactory, OfferFactory
from tests.helpers import ADMIN_M, COORDINATOR, EDITOR_M, VIEWER_M

from .helpers import assert_accessible, login

pytestmark = pytest.mark.browser

MAX_TABS_TO_FIRST_QUESTION = 10


@pytest.fixture
def molndal_open():
    """Mölndal's open assessment, answered by the editor and the viewer."""
    framework = FrameworkFactory()
    admin = User.objects.get(email=ADMIN_M)
    assessment = add_and_open(
        AssessmentFactory(organisation=Organisation.objects.get(slug="molndal"), actor=admin),
        admin,
        [User.objects.get(email=EDITOR_M), User.objects.get(email=VIEWER_M)],
    )
    return assessment, statements_of(framework)


def tabs_to(page, selector: str, *, use_skip_link: bool, limit: int = 60) -> int:
    """Press Tab from the top of the page until `selector` has focus; return the presses.

    With `use_skip_link`, Enter follows the skip link when the first Tab reaches it.
    """
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if use_skip_link and page.evaluate("document.activeElement.matches('a.skip-link')"):
            page.keyboard.press("Enter")
            continue
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    pytest.fail(f"{selector} cannot be reached with {limit} Tab presses")


def test_the_first_question_is_a_few_tab_presses_from_the_start_page(new_page, molndal_open):
    assessment, statements = molndal_open
    page = new_page()
    login(page, EDITOR_M)  # the log-in lands on the start page
    expect(page.locator("main h1")).to_contain_text("Välkommen")
    # The newest assessment comes first (the session's data may hold older open ones).
    answer_link = page.locator("main a.start-answer").first
    expect(answer_link).to_have_text(f"Mölndal {assessment.year}: 0 av 14 besvarade")

    page.goto("/")
    with_skip_link = tabs_to(page, "a.start-answer", use_skip_link=True)
    assert with_skip_link <= MAX_TABS_TO_FIRST_QUESTION
    page.goto("/")
    header_stops = page.locator(
        "body > header a:visible, body > header button:visible, body > header input:visible, "
        "body > header select:visible"
    ).count()
    header_and_all = tabs_to(page, "a.start-answer", use_skip_link=False)
    print(f"Tab presses to the first question: {with_skip_link} (skip link), {header_and_all}")
    # Without the skip link: through the header (skip link included), then straight to it.
    assert header_and_all <= header_stops + 2

    # The link opens the first unanswered statement; the next Tab is on its first level.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    first = statements[0]
    assert page.url.endswith(f"/svara/{first.capital.key}/#s{first.pk}-fieldset")
    page.keyboard.press("Tab")
    expect(page.locator(f"#s{first.pk}-0")).to_be_focused()


def test_the_start_page_is_accessible_for_a_coordinator_and_a_viewer(new_page, molndal_open):
    molndal = Organisation.objects.get(slug="molndal")
    gr = Organisation.objects.get(slug="goteborgsregionen")
    PublishedAssessmentFactory(
        organisation=Organisation.objects.get(slug="ale"), sharing_level=SharingLevel.REGION
    )
    NeedFactory(organisation=molndal, capital="political", collaboration_form=KNOWLEDGE)
    offer = OfferFactory(provider=gr, title="Omställningsskola")
    OfferFactory(provider=gr, title="Nätverk för strateger", capitals=("human",))
    viewer = User.objects.get(email=VIEWER_M)
    EnrolmentFactory(offer=offer, organisation=molndal, participant=viewer)

    page = new_page()
    login(page, COORDINATOR)
    expect(page.locator("#start-gaps-heading")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Göteborgsregionen: bedömningar")
    assert_accessible(page, "start-coordinator")

    page = new_page()
    login(page, VIEWER_M)
    expect(page.locator("main a.start-answer").first).to_be_visible()
    expect(page.locator("#start-enrolments-heading")).to_be_visible()
    expect(page.locator("#start-offers-heading")).to_be_visible()
    assert_accessible(page, "start-viewer")
