"""Regional support: the coordinator's coverage grid, a member's recommendations, enrolling."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.helpers import (
    ADMIN_M,
    COORDINATOR,
    translate,
)

from .helpers import assert_accessible, login

pytestmark = pytest.mark.browser


@pytest.fixture
def support_data(site_data) -> None:
    """The framework, the capacity demo and the support demo, on top of the site data.

    The session normally loads the framework and the capacity demo (tests/conftest.py), so
    site_data restores them; when another transactional test flushed the database before
    the first browser test took its snapshot they are missing, and are loaded here.
    """
    from django.core.management import call_command

    from kraftsamla.capacity.demo import load_demo as capacity_demo_load
    from kraftsamla.capacity.models import Assessment, Framework
    from kraftsamla.support.demo import load_demo as support_demo_load

    if not Framework.objects.filter(is_current=True).exists():
        call_command("load_framework", stdout=io.StringIO())
    if not Assessment.objects.filter(is_demo=True).exists():
        capacity_demo_load()
    support_demo_load()


def _grid():
    from kraftsamla.organisations.models import Organisation
    from kraftsamla.support import selectors

    return selectors.coverage_grid(body=Organisation.objects.get(slug="goteborgsregionen"))


def test_coordinator_sees_gaps_and_drills_into_a_cell(support_data, page):
    grid = _grid()
    gaps = grid.gaps
    assert gaps, "the support demo should leave at least one gap"
    # Drill into a cell that has both shared needs and offers, to see both lists.
    cell = next(c for c in grid.cells.values() if c.need_count and c.offers)
    member_names = cell.municipalities
    offer_titles = [o.title for o in cell.offers]

    login(page, COORDINATOR)
    page.goto("/stod/goteborgsregionen/tackning/")
    expect(page.locator("h1")).to_contain_text("Göteborgsregionen")
    table = page.locator("#coverage-grid")
    expect(table.locator("caption")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(len(grid.capitals))
    gap_cells = table.locator("td.gap")
    expect(gap_cells).to_have_count(len(gaps))
    # A gap is marked in words, not only by its colour.
    expect(gap_cells.first.locator(".flag")).to_have_text(translate("Gap"))
    assert_accessible(page, "support-coverage")

    focus = f"cell={cell.capital}:{cell.collaboration_form}"
    link = table.locator(f"td.cell a[href$='{focus}#cell-detail']")
    expect(link).to_have_count(1)
    # The link names its row and column, so it is unique out of the table too.
    expect(link).to_contain_text(cell.form_label)
    with page.expect_navigation():
        link.click()
    assert focus in page.url
    detail = page.locator("section.cell-detail")
    expect(detail.locator("h2#cell-detail")).to_be_visible()
    needs = detail.locator("h3 + ul").first
    expect(needs.locator("li")).to_have_count(cell.need_count)
    for name in member_names:
        expect(needs).to_contain_text(name)
    offers = detail.locator("h3 + ul").nth(1)
    expect(offers.locator("li a")).to_have_count(len(offer_titles))
    for title in offer_titles:
        expect(offers).to_contain_text(title)
    assert_accessible(page, "support-coverage-cell")


def test_member_sees_ranked_recommendations_with_reasons(support_data, page):
    from kraftsamla.accounts.models import User
    from kraftsamla.organisations.models import Organisation
    from kraftsamla.support import selectors

    molndal = Organisation.objects.get(slug="molndal")
    ranked, _info = selectors.offers_recommended(
        organisation=molndal, user=User.objects.get(email=ADMIN_M)
    )
    assert len(ranked) >= 2

    login(page, ADMIN_M)
    page.goto("/stod/organisation/molndal/")
    expect(page.locator("h1")).to_contain_text("Mölndal")
    items = page.locator("ol.recommendations > li")
    expect(items).to_have_count(len(ranked))
    # In the order of the ranking, each with a link to the offer and a "why" text.
    for i, rec in enumerate(ranked):
        item = items.nth(i)
        expect(item.locator("a").first).to_have_attribute("href", rec.offer.get_absolute_url())
        expect(item.locator("a").first).to_have_text(rec.offer.title)
        if rec.reasons:
            expect(item.locator("p")).to_contain_text(translate("Why:"))
            expect(item.locator("p")).to_contain_text(str(rec.reasons[0]))
    assert any(rec.reasons for rec in ranked)
    scores = [rec.score for rec in ranked]
    assert scores == sorted(scores, reverse=True)
    assert_accessible(page, "support-recommendations")


def _open_offers_for(email: str, slug: str):
    """Open offers of Göteborgsregionen the person is not enrolled or waiting in."""
    from kraftsamla.support.models import Enrolment, EnrolmentStatus, Offer, OfferStatus

    taken = Enrolment.objects.filter(participant__email=email).exclude(
        status=EnrolmentStatus.CANCELLED
    )
    return list(
        Offer.objects.filter(provider__slug=slug, status=OfferStatus.OPEN, seats__isnull=False)
        .exclude(pk__in=taken.values("offer_id"))
        .order_by("catalogue_key")
    )


def _enrolled(offer) -> int:
    from kraftsamla.support.models import EnrolmentStatus

    return offer.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


def _enrol_from_offer_page(page, offer) -> None:
    page.goto(offer.get_absolute_url())
    expect(page.locator("h1")).to_contain_text(offer.title)
    # One form per municipality of the person (Mölndal and Ale), with ids of their own.
    expect(page.locator("form[action*='/anmal/']")).to_have_count(2)
    ids = page.locator("[id]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), "duplicate ids on the offer page"
    button = page.get_by_role("button", name=translate("Enrol from %(org)s") % {"org": "Mölndal"})
    expect(button).to_have_count(1)
    assert_accessible(page, f"support-offer-{offer.pk}")
    with page.expect_navigation():
        button.click()
    assert page.url.endswith(offer.get_absolute_url())


def test_enrol_in_open_offer_and_on_waiting_list_when_full(support_data, page):
    from kraftsamla.accounts.models import OrganisationRole, Role, User
    from kraftsamla.organisations.models import Organisation
    from kraftsamla.support.models import Enrolment, EnrolmentStatus

    admin = User.objects.get(email=ADMIN_M)
    # A second member municipality, so the page has two enrolment forms.
    OrganisationRole.objects.get_or_create(
        user=admin,
        organisation=Organisation.objects.get(slug="ale"),
        defaults={"role": Role.VIEWER},
    )
    candidates = _open_offers_for(ADMIN_M, "goteborgsregionen")
    free = next(o for o in candidates if _enrolled(o) < o.seats)
    full = next(o for o in candidates if o.pk != free.pk)
    # Make the second offer full, so the enrolment goes to the waiting list.
    full.seats = max(_enrolled(full), 1)
    full.save(update_fields=["seats"])
    if _enrolled(full) < full.seats:
        Enrolment.objects.update_or_create(
            offer=full,
            participant=User.objects.get(email="redaktor.molndal@demo.kraftsamla.se"),
            defaults={
                "organisation": Organisation.objects.get(slug="molndal"),
                "status": EnrolmentStatus.ENROLLED,
            },
        )
    assert _enrolled(full) >= full.seats

    login(page, ADMIN_M)
    _enrol_from_offer_page(page, free)
    messages = page.locator(".messages")
    expect(messages).to_contain_text(translate("%(who)s is enrolled.") % {"who": str(admin)})
    expect(page.locator("p.notice")).to_have_text(translate("You are enrolled."))
    assert Enrolment.objects.get(offer=free, participant=admin).status == EnrolmentStatus.ENROLLED
    assert_accessible(page, "support-offer-enrolled")

    _enrol_from_offer_page(page, full)
    expect(messages).to_contain_text(
        translate("The offer is full: %(who)s is on the waiting list.") % {"who": str(admin)}
    )
    expect(page.locator("p.notice")).to_have_text(translate("You are on the waiting list."))
    assert Enrolment.objects.get(offer=full, participant=admin).status == EnrolmentStatus.WAITING
    assert_accessible(page, "support-offer-waiting")
