"""Regional-support pages: offers, exports, coverage, recommendations, enrol/cancel/rate."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from kraftsamla.accounts.models import Role
from kraftsamla.capacity.models import Assessment, Respondent, RoleGroup
from kraftsamla.support import selectors
from kraftsamla.support.models import (
    DigestSubscription,
    Enrolment,
    EnrolmentStatus,
    Need,
    Offer,
    OfferStatus,
    Rating,
    TargetGroup,
)
from tests.factories.accounts import UserFactory
from tests.factories.capacity import (
    StoredResultsFactory,
)
from tests.factories.support import (
    KNOWLEDGE,
    RESOURCES,
    EnrolmentFactory,
    NeedFactory,
    OfferFactory,
)
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PRIVATE,
    VIEWER_M,
    demo_user,
    translate,
)

pytestmark = pytest.mark.django_db


def login(client, email_or_user):
    u = demo_user(email_or_user) if isinstance(email_or_user, str) else email_or_user
    client.force_login(u)
    return u


def messages_of(client, response) -> list[str]:
    """The messages a redirecting POST left, as the next page shows them (which uses them up)."""
    assert response.status_code == 302
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"]]


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response) -> list[tuple]:
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


# --- Offers ------------------------------------------------------------------------------


@pytest.fixture
def gr_offers(gr, molndal):
    o1 = OfferFactory(
        provider=gr,
        title="Klimatbudget i praktiken",
        capitals=["financial", "political"],
        collaboration_form=RESOURCES,
        seats=2,
        source_ref="Rapporten, kap. 4",
    )
    o2 = OfferFactory(
        provider=gr,
        title="Nätverk för strateger",
        capitals=["relational"],
        status=OfferStatus.PLANNED,
    )
    EnrolmentFactory(offer=o1, organisation=molndal)
    EnrolmentFactory(offer=o1, organisation=molndal)
    EnrolmentFactory(offer=o1, organisation=molndal, status=EnrolmentStatus.WAITING)
    return o1, o2


def test_offer_list_is_public_and_exports_csv_and_xlsx(client, gr, gr_offers):
    o1, o2 = gr_offers
    url = reverse("support:offers", args=[gr.slug])
    page = client.get(url)
    assert page.status_code == 200
    assert o1.title in page.content.decode() and o2.title in page.content.decode()

    rows = csv_rows(client.get(url, {"format": "csv"}))
    assert rows[0][0] == translate("Title") and len(rows) == 3
    by_title = {r[0]: r for r in rows[1:]}
    assert by_title[o1.title][6:9] == ["2", "2", "1"]  # seats, enrolled, waiting
    assert by_title[o1.title][-1] == "Rapporten, kap. 4"
    sheet = xlsx_rows(client.get(url, {"format": "xlsx"}))
    assert sheet[0][0] == translate("Title") and {r[0] for r in sheet[1:]} == {o1.title, o2.title}


def test_offer_list_of_a_municipality_is_not_found(client, molndal):
    assert client.get(reverse("support:offers", args=[molndal.slug])).status_code == 404


def test_offer_page_is_public(client, gr_offers):
    response = client.get(gr_offers[0].get_absolute_url())
    assert response.status_code == 200
    assert response.context["taken"] == 2 and response.context["waiting"] == 1
    assert response.context["enrolments"] == []  # who takes part is not public


def test_the_bodys_editor_creates_and_edits_an_offer(client, gr):
    editor = login(client, UserFactory(organisation=gr, role=Role.EDITOR))
    data = {
        "title": "Ny utbildning",
        "description": "Om kapitalen.",
        "capitals": ["human", "real"],
        "collaboration_form": KNOWLEDGE,
        "target_groups": [TargetGroup.POLITICIANS],
        "format": "training",
        "seats": "12",
        "start_date": "2026-02-01",
        "end_date": "2026-05-01",
        "status": OfferStatus.OPEN,
        "open_to_all_members": "on",
    }
    assert client.get(reverse("support:offer_new", args=[gr.slug])).status_code == 200
    response = client.post(reverse("support:offer_new", args=[gr.slug]), data)
    o = Offer.objects.get(title__sv="Ny utbildning")
    assert response.status_code == 302 and response["Location"] == o.get_absolute_url()
    assert (o.provider, o.capitals, o.seats, o.created_by) == (gr, ["human", "real"], 12, editor)

    edit = reverse("support:offer_edit", args=[gr.slug, o.pk])
    assert client.post(edit, {**data, "end_date": "2026-01-01"}).status_code == 400
    client.post(edit, {**data, "title": "Ändrad utbildning"})
    o.refresh_from_db()
    assert o.title == "Ändrad utbildning"


def test_an_offer_for_anyone_needs_no_target_group(client, gr):
    login(client, COORDINATOR)
    data = {
        "title": "Öppen föreläsning",
        "description": "För alla.",
        "capitals": ["dynamic"],
        "collaboration_form": KNOWLEDGE,
        "format": "training",
        "status": OfferStatus.OPEN,
        "is_continuous": "on",
    }
    assert client.post(reverse("support:offer_new", args=[gr.slug]), data).status_code == 302
    assert Offer.objects.get(title__sv="Öppen föreläsning").target_groups == []


@pytest.mark.parametrize("email", [ADMIN_M, "gr_viewer"])
def test_only_the_bodys_admins_and_editors_manage_offers(client, gr, gr_offers, email):
    login(client, UserFactory(organisation=gr, role=Role.VIEWER) if email == "gr_viewer" else email)
    o = gr_offers[0]
    urls = [
        reverse("support:offer_new", args=[gr.slug]),
        reverse("support:offer_edit", args=[gr.slug, o.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"title": "Kapad"}).status_code == 403
    assert client.post(reverse("support:import", args=[gr.slug])).status_code == 403
    assert not Offer.objects.filter(title__sv="Kapad").exists()
    assert Offer.objects.filter(provider=gr).count() == 2


def test_anonymous_visitors_are_sent_to_log_in(client, gr, molndal):
    for url in (
        reverse("support:offer_new", args=[gr.slug]),
        reverse("support:coverage", args=[gr.slug]),
        reverse("support:uptake", args=[gr.slug]),
        reverse("support:organisation", args=[molndal.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "?next=" in response["Location"]


def test_import_button_imports_the_catalogue_once(client, gr):
    login(client, COORDINATOR)
    url = reverse("support:import", args=[gr.slug])
    assert client.get(url).status_code == 405
    first = client.post(url)
    assert first.status_code == 302
    created = Offer.objects.filter(provider=gr).count()
    assert messages_of(client, first) == [
        translate(
            "Starter catalogue: %(created)d offers imported as planned, %(existing)d were "
            "already there. Edit them and open them when ready."
        )
        % {"created": created, "existing": 0}
    ]
    second = client.post(url)
    assert Offer.objects.filter(provider=gr).count() == created
    assert str(created) in messages_of(client, second)[0]


# --- Coverage and uptake -----------------------------------------------------------------


@pytest.fixture
def coverage_data(gr, molndal, ale, gr_offers):
    NeedFactory(
        organisation=molndal,
        capital="financial",
        collaboration_form=RESOURCES,
        description="Mölndal behöver budgetstöd.",
    )
    NeedFactory(
        organisation=ale,
        capital="financial",
        collaboration_form=RESOURCES,
        description="Ale behöver budgetstöd.",
    )
    NeedFactory(
        organisation=ale,
        capital="financial",
        collaboration_form=RESOURCES,
        sharing_level=PRIVATE,
        description="Hemligt behov.",
    )
    NeedFactory(
        organisation=ale,
        capital="real",
        collaboration_form=KNOWLEDGE,
        description="Ale vill veta mer om anläggningar.",
    )
    return (*gr_offers, ale, molndal)


def test_coverage_page_shows_the_grid_and_drills_down_into_a_cell(client, gr, coverage_data):
    login(client, COORDINATOR)
    url = reverse("support:coverage", args=[gr.slug])
    response = client.get(url)
    assert response.status_code == 200
    grid = response.context["grid"]
    assert grid.member_count == 13
    assert {(c.capital, c.collaboration_form) for c in grid.gaps} == {("real", KNOWLEDGE)}
    assert response.context["focus_cell"] is None

    detail = client.get(url, {"cell": f"financial:{RESOURCES}"})
    html = detail.content.decode()
    assert detail.context["focus_cell"].capital == "financial"
    assert "Mölndal behöver budgetstöd." in html and "Ale behöver budgetstöd." in html
    assert "Hemligt behov." not in html
    assert escape(coverage_data[0].title) in html
    assert client.get(url, {"cell": "nonsense:cell"}).context["focus_cell"] is None


def test_coverage_filter_by_target_group(client, gr, molndal):
    NeedFactory(
        organisation=molndal,
        capital="human",
        collaboration_form=KNOWLEDGE,
        target_group=TargetGroup.POLITICIANS,
    )
    login(client, COORDINATOR)
    url = reverse("support:coverage", args=[gr.slug])
    politicians = client.get(url, {"target_group": TargetGroup.POLITICIANS})
    assert politicians.context["grid"].cells[("human", KNOWLEDGE)].need_count == 1
    operational = client.get(url, {"target_group": TargetGroup.OPERATIONAL, "year": "2026"})
    assert operational.context["grid"].cells[("human", KNOWLEDGE)].need_count == 0


def test_coverage_exports_every_cell_as_csv_and_xlsx(client, gr, coverage_data):
    login(client, COORDINATOR)
    url = reverse("support:coverage", args=[gr.slug])
    rows = csv_rows(client.get(url, {"format": "csv"}))
    assert len(rows) == 1 + 21
    assert rows[0][:3] == [
        translate("Capital"),
        translate("Collaboration form"),
        translate("Shared needs"),
    ]
    by_cell = {(r[0], r[1]): r for r in rows[1:]}
    financial = by_cell[(translate("Financial capital"), translate("A larger resource base"))]
    ale, molndal = coverage_data[2], coverage_data[3]
    assert financial[2:9] == [
        "2",
        f"{ale.display_name}, {molndal.display_name}",
        "1",
        "1",
        "2",
        "2",
        "",
    ]
    assert financial[9] == coverage_data[0].title
    assert by_cell[(translate("Real capital"), translate("A larger knowledge base"))][
        8
    ] == translate("gap")
    # The relational offer is only planned: not an open "offer without need".
    assert by_cell[(translate("Relational capital"), translate("A larger knowledge base"))][
        8
    ] == translate("only closed offers")
    # No open offer: no seat count (not "0 seats").
    assert by_cell[(translate("Human capital"), translate("More room for action"))][2:9] == [
        "0",
        "",
        "0",
        "0",
        "",
        "0",
        "",
    ]
    sheet = xlsx_rows(client.get(url, {"format": "xlsx"}))
    assert len(sheet) == 1 + 21 and sheet[0][0] == translate("Capital")


@pytest.mark.parametrize("email", [ADMIN_M, ALE_EDITOR])
def test_a_municipality_user_cannot_see_the_coverage_grid_or_uptake(client, gr, email):
    login(client, email)
    for name in ("support:coverage", "support:uptake"):
        assert client.get(reverse(name, args=[gr.slug])).status_code == 403
    assert (
        client.get(reverse("support:coverage", args=[gr.slug]), {"format": "csv"}).status_code
        == 403
    )


def test_uptake_lists_members_that_took_part_in_nothing(client, gr, molndal, ale, gr_offers):
    EnrolmentFactory(
        offer=gr_offers[0], organisation=ale, status=EnrolmentStatus.WAITING
    )  # waiting is not taking part
    login(client, COORDINATOR)
    response = client.get(reverse("support:uptake", args=[gr.slug]))
    assert response.status_code == 200
    counts = {m.slug: n for m, n in response.context["members"]}
    assert counts["molndal"] == 2 and counts["ale"] == 0 and len(counts) == 13
    none = {m.slug for m in response.context["none"]}
    assert "molndal" not in none and "ale" in none and len(none) == 12
    html = response.content.decode()
    tail = html.split(escape(translate("Members that have taken part in nothing")))[1]
    assert ale.display_name in tail and molndal.display_name not in tail


# --- A municipality's support page ---------------------------------------------------------


def test_organisation_page_ranks_offers_with_the_reasons(client, gr, molndal):
    StoredResultsFactory(
        organisation=molndal, year=2031, scores={"political": 60, "financial": 31, "human": 70}
    )
    editor = login(client, EDITOR_M)
    Respondent.objects.create(
        assessment=StoredResultsFactory(organisation=molndal, year=2032, scores={"financial": 31}),
        user=editor,
        role_group=RoleGroup.POLITICIANS,
    )
    NeedFactory(organisation=molndal, capital="financial", collaboration_form=RESOURCES)
    best = OfferFactory(
        provider=gr,
        title="Finansieringsstöd",
        capitals=["financial"],
        collaboration_form=RESOURCES,
        target_groups=[TargetGroup.POLITICIANS],
    )
    other = OfferFactory(provider=gr, title="Politisk utbildning", capitals=["political"])
    OfferFactory(provider=gr, title="Planerat", capitals=["financial"], status=OfferStatus.PLANNED)

    response = client.get(reverse("support:organisation", args=[molndal.slug]))
    assert response.status_code == 200
    ranked = response.context["recommendations"]
    assert [r.offer for r in ranked] == [best, other]
    html = response.content.decode()
    assert html.index(escape(best.title)) < html.index(escape(other.title))
    with translation.override("sv"):
        expected, _info = selectors.offers_recommended(organisation=molndal, user=editor)
    assert [r.reasons for r in expected] == [r.reasons for r in ranked]
    for reason in expected[0].reasons:
        assert escape(reason) in html
    assert escape(translate(", lowest among your capitals")) in html
    assert escape(translate("it is meant for people in your role")) in html


@pytest.mark.parametrize("email", [COORDINATOR, ALE_EDITOR])
def test_outsiders_cannot_open_a_municipalitys_support_page(client, molndal, email):
    login(client, email)
    assert client.get(reverse("support:organisation", args=[molndal.slug])).status_code == 403


def test_an_editor_registers_a_need_on_the_page(client, molndal):
    login(client, EDITOR_M)
    url = reverse("support:need_create", args=[molndal.slug])
    data = {
        "capital": "human",
        "collaboration_form": "",
        "description": "Kurser.",
        "priority": "1",
        "target_group": "",
        "year": "2026",
        "sharing_level": PRIVATE,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert messages_of(client, response) == [translate("The need was registered.")]
    n = Need.objects.get(organisation=molndal)
    assert (n.capital, n.collaboration_form, n.sharing_level) == ("human", "", PRIVATE)
    invalid = client.post(url, {**data, "year": "1800"})
    assert invalid.status_code == 400 and invalid.context["form"].errors["year"]
    assert Need.objects.filter(organisation=molndal).count() == 1


def test_a_viewer_cannot_register_needs(client, molndal):
    login(client, VIEWER_M)
    page = client.get(reverse("support:organisation", args=[molndal.slug]))
    assert page.status_code == 200 and page.context["can_register"] is False
    data = {
        "capital": "human",
        "description": "Kurser.",
        "priority": "1",
        "year": "2026",
        "sharing_level": PRIVATE,
    }
    assert client.post(reverse("support:need_create", args=[molndal.slug]), data).status_code == 403
    # Invalid input is refused as well, before anything is parsed.
    assert client.post(reverse("support:need_create", args=[molndal.slug]), {}).status_code == 403
    assessment = Assessment.objects.filter(organisation=molndal).first()
    from_assessment = reverse("support:needs_from_assessment", args=[molndal.slug])
    assert client.post(from_assessment, {"assessment": assessment.pk}).status_code == 403
    # The page itself takes no POST any more: each action has its own URL.
    assert client.post(page.request["PATH_INFO"], data).status_code == 405
    assert not Need.objects.exists()


def test_an_editor_turns_an_assessments_notes_into_needs_on_the_page(client, molndal):
    login(client, EDITOR_M)
    assessment = Assessment.objects.filter(organisation=molndal, status="published").first()
    url = reverse("support:needs_from_assessment", args=[molndal.slug])
    response = client.post(url, {"assessment": assessment.pk})
    assert response["Location"] == reverse("support:organisation", args=[molndal.slug])
    assert response.status_code == 302
    n = Need.objects.filter(organisation=molndal).count()
    assert messages_of(client, response) == [
        translate("%(n)d needs were created from the assessment's notes.") % {"n": n}
    ]
    client.post(url, {"assessment": assessment.pk})
    assert Need.objects.filter(organisation=molndal).count() == n


def test_turning_notes_into_needs_needs_an_assessment_of_the_organisation(client, molndal, ale):
    login(client, EDITOR_M)
    url = reverse("support:needs_from_assessment", args=[molndal.slug])
    ales = Assessment.objects.filter(organisation=ale).first()
    # Another organisation's assessment is no choice at all: the same answer as nonsense.
    for value in ("abc", "", str(ales.pk)):
        response = client.post(url, {"assessment": value})
        assert response.status_code == 400
        assert response.context["assessment_form"].errors["assessment"]
    assert not Need.objects.exists()


def test_subscribing_to_the_digest_on_the_page(client, molndal):
    viewer = login(client, VIEWER_M)
    url = reverse("support:digest", args=[molndal.slug])
    response = client.post(url, {"active": "1"})
    assert messages_of(client, response) == [translate("Your digest setting was saved.")]
    assert DigestSubscription.objects.get(user=viewer).is_active
    client.post(url, {"active": "0"})
    assert not DigestSubscription.objects.get(user=viewer).is_active
    assert client.post(url, {"active": "maybe"}).status_code == 400


@pytest.mark.parametrize("email", [COORDINATOR, ALE_EDITOR])
def test_outsiders_cannot_subscribe_to_a_municipalitys_digest(client, molndal, email):
    login(client, email)
    response = client.post(reverse("support:digest", args=[molndal.slug]), {"active": "1"})
    assert response.status_code == 403
    assert not DigestSubscription.objects.exists()


# --- Enrol, cancel, rate -----------------------------------------------------------------------


def test_enrol_wait_and_cancel_with_messages(client, gr, molndal):
    o = OfferFactory(provider=gr, seats=1)
    viewer = demo_user(VIEWER_M)
    login(client, ADMIN_M)
    enrol_url = reverse("support:enrol", args=[o.pk, molndal.slug])
    first = client.post(enrol_url, {"participant": viewer.pk})
    assert first.status_code == 302 and first["Location"] == o.get_absolute_url()
    assert messages_of(client, first) == [translate("%(who)s is enrolled.") % {"who": viewer}]
    colleague = UserFactory(organisation=molndal)
    second = client.post(enrol_url, {"participant": colleague.pk})
    assert messages_of(client, second) == [
        translate("The offer is full: %(who)s is on the waiting list.") % {"who": colleague}
    ]
    again = client.post(enrol_url, {"participant": viewer.pk})
    assert messages_of(client, again) == [translate("This person is already enrolled or waiting.")]
    outsider = client.post(enrol_url, {"participant": demo_user(ALE_EDITOR).pk})
    assert messages_of(client, outsider) == [
        translate("Choose a participant from your organisation.")
    ]

    seat = Enrolment.objects.get(offer=o, participant=viewer)
    cancelled = client.post(reverse("support:cancel", args=[seat.pk]))
    assert messages_of(client, cancelled) == [
        translate("The enrolment was cancelled."),
        translate("%(who)s got the seat from the waiting list.") % {"who": colleague},
    ]
    assert Enrolment.objects.get(offer=o, participant=colleague).status == EnrolmentStatus.ENROLLED


def test_a_viewer_enrols_themselves_from_the_offer_page(client, gr, molndal):
    o = OfferFactory(provider=gr)
    viewer = login(client, VIEWER_M)
    page = client.get(o.get_absolute_url())
    ((org, _form, can_others),) = page.context["enrol_forms"]
    assert org == molndal and can_others is False
    client.post(reverse("support:enrol", args=[o.pk, molndal.slug]), {"participant": viewer.pk})
    assert Enrolment.objects.get(offer=o).participant == viewer
    colleague = UserFactory(organisation=molndal)
    response = client.post(
        reverse("support:enrol", args=[o.pk, molndal.slug]), {"participant": colleague.pk}
    )
    assert response.status_code == 403
    assert Enrolment.objects.filter(offer=o).count() == 1


def test_a_planned_offer_refuses_enrolment_with_a_message(client, gr, molndal):
    o = OfferFactory(provider=gr, status=OfferStatus.PLANNED)
    viewer = login(client, VIEWER_M)
    assert client.get(o.get_absolute_url()).context["enrol_forms"] == []
    response = client.post(
        reverse("support:enrol", args=[o.pk, molndal.slug]), {"participant": viewer.pk}
    )
    assert messages_of(client, response) == [translate("The offer is not open for enrolment.")]
    assert not Enrolment.objects.exists()


def test_cancelling_someone_elses_enrolment_is_forbidden(client, gr, molndal):
    e = EnrolmentFactory(
        offer=OfferFactory(provider=gr), organisation=molndal, participant=demo_user(VIEWER_M)
    )
    login(client, ALE_EDITOR)
    assert client.post(reverse("support:cancel", args=[e.pk])).status_code == 403
    assert Enrolment.objects.get(pk=e.pk).status == EnrolmentStatus.ENROLLED


def test_rating_after_the_offer_ended(client, gr, molndal):
    o = OfferFactory(
        provider=gr,
        status=OfferStatus.RUNNING,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2030, 1, 1),
    )
    viewer = login(client, VIEWER_M)
    e = EnrolmentFactory(offer=o, organisation=molndal, participant=viewer)
    rate_url = reverse("support:rate", args=[e.pk])
    assert client.get(o.get_absolute_url()).context["rating_form"] is None
    early = client.post(rate_url, {"score": "4"})
    assert messages_of(client, early) == [translate("You can rate the offer when it has ended.")]

    Offer.objects.filter(pk=o.pk).update(status=OfferStatus.CLOSED)
    assert client.get(o.get_absolute_url()).context["rating_form"] is not None
    assert messages_of(client, client.post(rate_url, {"score": "9"})) == [
        translate("Give a rating from 1 to 5.")
    ]
    assert not Rating.objects.exists()
    done = client.post(rate_url, {"score": "4", "comment": "Nyttigt."})
    assert done.status_code == 302
    assert messages_of(client, done) == [translate("Thank you for your rating.")]
    assert (e.rating.score, e.rating.comment) == (4, "Nyttigt.")


def test_someone_else_cannot_rate(client, gr, molndal):
    e = EnrolmentFactory(
        offer=OfferFactory(provider=gr, status=OfferStatus.CLOSED),
        organisation=molndal,
        participant=demo_user(VIEWER_M),
    )
    login(client, ADMIN_M)
    assert client.post(reverse("support:rate", args=[e.pk]), {"score": "5"}).status_code == 403
    assert not Rating.objects.exists()


def test_managers_see_participants_and_the_effect_on_the_offer_page(client, gr, gr_offers):
    login(client, COORDINATOR)
    o = gr_offers[0]
    Offer.objects.filter(pk=o.pk).update(
        start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 6, 1)
    )
    response = client.get(o.get_absolute_url())
    assert len(response.context["enrolments"]) == 3
    assert [r.capital for r in response.context["effect"]] == ["financial", "political"]
    assert escape(translate("Effect: an indication, not proof")) in response.content.decode()


def test_index_and_ranking_help_are_public(client, gr, gr_offers):
    index = client.get(reverse("support:index"))
    assert index.status_code == 200 and gr in index.context["bodies"]
    ranking = client.get(reverse("support:ranking"))
    assert ranking.status_code == 200
    assert translate("How recommendations are ranked") in ranking.content.decode()
