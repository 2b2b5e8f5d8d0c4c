"""The personal start page: what waits for a logged-in person, built from the apps' sections."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kraftsamla.accounts.models import Role
from kraftsamla.capacity import selectors as capacity_selectors
from kraftsamla.capacity import services as capacity_services
from kraftsamla.capacity.models import Assessment, Statement, Status
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.start import start_sections
from kraftsamla.support.selectors import coverage_grid
from tests.factories.accounts import UserFactory
from tests.factories.capacity import AssessmentFactory, PublishedAssessmentFactory, add_and_open
from tests.factories.support import KNOWLEDGE, EnrolmentFactory, NeedFactory, OfferFactory
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    STAFF,
    demo_user,
    org_by_slug,
    translate,
    translate_plural,
)

pytestmark = pytest.mark.django_db

HOME = "/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def section_html(response, heading_id: str) -> str:
    return html(response).split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def main_text(response) -> str:
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def open_molndal_assessment() -> Assessment:
    """The demo data's open assessment (Mölndal 2025), which the demo editor answers."""
    return Assessment.objects.get(organisation__slug="molndal", status=Status.OPEN)


def ordered_statements(assessment: Assessment) -> list[Statement]:
    return list(
        Statement.objects.filter(capital__framework=assessment.framework)
        .select_related("capital")
        .order_by("capital__order", "order")
    )


def test_anonymous_visitors_see_the_front_page_and_people_their_start_page(client):
    response = client.get(HOME)
    assert response.templates[0].name == "core/home.html"
    assert "stats" in response.context
    response = client_for(demo_user(EDITOR_M)).get(HOME)
    assert response.templates[0].name == "core/start.html"
    assert "stats" not in response.context


def test_a_respondent_sees_their_progress_and_goes_straight_to_the_next_statement():
    editor = demo_user(EDITOR_M)
    assessment = open_molndal_assessment()
    statements = ordered_statements(assessment)
    client = client_for(editor)
    response = client.get(HOME)
    text = translate("%(org)s %(year)s: %(answered)s of %(total)s answered") % {
        "org": "Mölndal",
        "year": 2025,
        "answered": 0,
        "total": len(statements),
    }
    assert text == f"Mölndal 2025: 0 av {len(statements)} besvarade"
    assert text in main_text(response)
    first = statements[0]
    link = assessment.statement_url(first.capital.key, first.pk)
    assert f'href="{link}"' in response.content.decode()
    # The link leads to the statement's anchor on its capital's answer page.
    page = client.get(link.split("#")[0])
    assert f'id="s{first.pk}-fieldset"' in page.content.decode()

    for statement in statements[:2]:
        capacity_services.answer_save(
            actor=editor, assessment=assessment, statement=statement, score=2
        )
    response = client.get(HOME)
    assert f"Mölndal 2025: 2 av {len(statements)} besvarade" in main_text(response)
    third = statements[2]
    assert f'href="{assessment.statement_url(third.capital.key, third.pk)}"' in html(response)

    capacity_services.respondent_mark_done(actor=editor, assessment=assessment)
    response = client.get(HOME)
    assert translate("Waiting for your answers") not in main_text(response)


def test_only_open_assessments_of_ones_own_organisation_are_waiting():
    # A person of another municipality, and staff, answer nothing of Mölndal's.
    for email in (ALE_EDITOR, STAFF):
        response = client_for(demo_user(email)).get(HOME)
        assert "Mölndal 2025" not in main_text(response)
    # A closed assessment waits for nobody.
    assessment = open_molndal_assessment()
    capacity_services.assessment_transition(
        actor=demo_user(ADMIN_M), assessment=assessment, action="close"
    )
    response = client_for(demo_user(EDITOR_M)).get(HOME)
    assert translate("Waiting for your answers") not in main_text(response)


def test_the_answer_link_is_the_first_link_in_the_main_content():
    response = client_for(demo_user(EDITOR_M)).get(HOME)
    main = html(response).split('<main id="main"', 1)[1]
    first_link = re.search(r"<a [^>]*>", main).group(0)
    assert 'class="start-answer"' in first_link


def test_a_coordinator_sees_the_gaps_and_the_members_without_this_years_assessment(
    molndal, ale, gr
):
    year = timezone.localdate().year
    PublishedAssessmentFactory(organisation=ale, year=year, sharing_level=SharingLevel.REGION)
    PublishedAssessmentFactory(
        organisation=org_by_slug("kungsbacka"), year=year, sharing_level=SharingLevel.PRIVATE
    )
    NeedFactory(organisation=molndal, capital="political", collaboration_form=KNOWLEDGE)
    response = client_for(demo_user(COORDINATOR)).get(HOME)
    text = main_text(response)

    (follow_up,) = capacity_selectors.bodies_follow_up(demo_user(COORDINATOR), year=year)
    names = [m.display_name for m in follow_up.without]
    assert "Ale" not in names  # published and shared with the body
    assert "Kungsbacka" in names and "Mölndal" in names  # private, or not published
    assert len(names) == follow_up.member_count - 1
    assert ", ".join(names) in text
    assert f'href="{reverse("capacity:regional", kwargs={"slug": gr.slug})}"' in html(response)

    gaps = len(coverage_grid(body=gr).gaps)
    assert gaps >= 1
    gap_text = translate_plural("%(counter)s gap", "%(counter)s gaps", gaps)
    coverage = reverse("support:coverage", kwargs={"slug": gr.slug})
    assert re.search(rf'<a href="{coverage}">\s*{gr.display_name}: {gap_text}</a>', html(response))


def test_people_see_their_enrolments_and_new_recommended_offers(molndal, gr):
    person = UserFactory(organisation=molndal, role=Role.EDITOR)
    taken = OfferFactory(provider=gr, title="Redan anmäld")
    new = OfferFactory(provider=gr, title="Nytt erbjudande")
    EnrolmentFactory(offer=taken, organisation=molndal, participant=person)
    response = client_for(person).get(HOME)
    sections = [s["key"] for s in response.context["sections"]]
    # Mölndal's people also get the call Göteborgsregionen sent its members (funding demo).
    assert sections == ["support.enrolments", "support.offers", "funding.notices"]
    enrolments_html = (
        html(response).split('id="start-enrolments-heading"')[1].split("</section>")[0]
    )
    assert "Redan anmäld" in enrolments_html
    offers_html = html(response).split('id="start-offers-heading"')[1].split("</section>")[0]
    assert new.get_absolute_url() in offers_html
    assert "Redan anmäld" not in offers_html


def test_the_start_page_reads_a_fixed_number_of_rows(molndal, gr):
    """More assessments to answer, enrolments and offers do not add queries."""
    admin = demo_user(ADMIN_M)
    person = UserFactory(organisation=molndal, role=Role.EDITOR)
    client = client_for(person)

    def add_round(year: int) -> None:
        assessment = AssessmentFactory(organisation=molndal, actor=admin, year=year)
        add_and_open(assessment, admin, [person])
        EnrolmentFactory(offer=OfferFactory(provider=gr), organisation=molndal, participant=person)
        OfferFactory(provider=gr)

    def count() -> int:
        client.get(HOME)  # the person's roles are read once, then kept (accounts/access.py)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(HOME)
        assert response.status_code == 200
        return len(queries)

    add_round(2030)
    once = count()
    add_round(2031)
    add_round(2032)
    assert count() == once
    waiting = capacity_selectors.assessments_to_answer(person)
    assert [item.assessment.year for item in waiting] == [2032, 2031, 2030]
    assert once <= 30


def test_each_app_contributes_its_sections_in_order():
    sections = start_sections_for(demo_user(EDITOR_M))
    assert sections[0] == "capacity.answers"
    assert set(sections) <= {
        "capacity.answers",
        "support.enrolments",
        "support.offers",
        "capacity.follow_up",
        "funding.notices",
        "support.gaps",
    }


def start_sections_for(user) -> list[str]:
    from django.test import RequestFactory

    from kraftsamla.core.access import Access

    request = RequestFactory().get(HOME)
    request.user = user
    request.access = Access(user)
    return [section["key"] for section in start_sections(request)]


def test_coordinators_follow_up_the_latest_round_members_have_shared():
    """Without a year, the round is the latest year with a shared, published assessment."""
    from kraftsamla.capacity.models import Assessment, Status

    coordinator = demo_user(COORDINATOR)
    (follow_up,) = capacity_selectors.bodies_follow_up(coordinator)
    latest = (
        Assessment.objects.filter(
            organisation__memberships__body=follow_up.body, status=Status.PUBLISHED
        )
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    assert follow_up.year == latest
    assert len(follow_up.without) < follow_up.member_count
