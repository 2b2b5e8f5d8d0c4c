"""Twinning programmes: the demo, the lifecycle with its rules (meeting times, travel ceiling,
replication plans, closing), who may do what, and the progress and plan pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import Role
from kraftsamla.twinning import services
from kraftsamla.twinning.models import (
    ClaimStatus,
    LinkRole,
    MeetingKind,
    PlanStatus,
    ProgrammeStatus,
    ReplicationTemplate,
    TwinningProgramme,
)
from kraftsamla.twinning.timeline import programme_end
from tests.factories.accounts import UserFactory
from tests.helpers import org_by_slug, translate

pytestmark = pytest.mark.django_db

D = datetime.date


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def full_answers() -> dict[str, str]:
    return {s["key"]: f"Text om {s['key']}" for s in ReplicationTemplate.objects.latest().sections}


def new_programme(**changes) -> TwinningProgramme:
    values = {
        "actor": SYSTEM,
        "organiser": org_by_slug("goteborgsregionen"),
        "title": {"sv": "Testprogram"},
        "start_date": D(2026, 1, 1),
        "months": 12,
        "travel_ceiling": Decimal(10000),
        "modules": [
            {"title": {"sv": "Start"}, "start_date": D(2026, 1, 1), "end_date": D(2026, 3, 31)},
            {"title": {"sv": "Slut"}, "start_date": D(2026, 4, 1), "end_date": D(2026, 12, 31)},
        ],
        "participants": [
            (org_by_slug("goteborg"), LinkRole.PILOT),
            (org_by_slug("ale"), LinkRole.TWIN),
            (org_by_slug("tjorn"), LinkRole.TWIN),
        ],
    }
    values.update(changes)
    return services.programme_create(**values)


def participant(programme, slug):
    return programme.participants.get(organisation__slug=slug)


def test_demo_programmes_from_the_seeds():
    twin_cities = TwinningProgramme.objects.get(organiser__slug="netzerocities-demo")
    assert twin_cities.months == 20
    assert [str(m.title) for m in twin_cities.modules.all()] == [
        "Komma igång",
        "Samskapa",
        "Kapitalisera",
    ]
    peers = TwinningProgramme.objects.get(
        organiser__slug="viable-cities-klimatneutrala-stader-2030"
    )
    meeting = peers.meetings.get()
    assert meeting.kind == MeetingKind.PEER_MEETING and meeting.place == "Borlänge"
    assert meeting.participants.count() == 3


def test_the_end_is_the_day_before_the_same_date_months_later():
    assert programme_end(D(2023, 9, 1), 20) == D(2025, 4, 30)
    assert programme_end(D(2024, 1, 31), 1) == D(2024, 2, 28)


def test_a_meeting_cannot_end_before_it_starts():
    programme = new_programme()
    start = timezone.make_aware(datetime.datetime(2026, 2, 1, 10))
    with pytest.raises(ValidationError) as error:
        services.meeting_save(
            actor=SYSTEM,
            programme=programme,
            data={
                "kind": MeetingKind.WORKSHOP,
                "title": "Workshop",
                "starts_at": start,
                "ends_at": start - datetime.timedelta(hours=1),
            },
        )
    assert "ends_at" in error.value.message_dict
    assert not programme.meetings.exists()


def test_travel_claims_are_checked_against_the_ceiling():
    programme = new_programme()
    ale = participant(programme, "ale")
    services.travel_claim_add(actor=SYSTEM, participant=ale, amount=Decimal(7000))
    with pytest.raises(ValidationError) as error:
        services.travel_claim_add(actor=SYSTEM, participant=ale, amount=Decimal(3500))
    message = error.value.message_dict["amount"][0]
    assert "10000" in message and "3000" in message
    services.travel_claim_add(actor=SYSTEM, participant=ale, amount=Decimal(3000))
    assert ale.travel_claims.count() == 2


def test_a_programme_closes_only_when_every_plan_is_approved():
    programme = new_programme()
    with pytest.raises(ValidationError) as error:
        services.programme_close(actor=SYSTEM, programme=programme)
    assert "Ale" in error.value.messages[0] and "Tjörn" in error.value.messages[0]
    for slug in ("ale", "tjorn"):
        plan = services.plan_save(
            actor=SYSTEM, participant=participant(programme, slug), answers=full_answers()
        )
        assert plan.status == PlanStatus.DRAFT
        services.plan_approve(actor=SYSTEM, plan=plan)
    # The pilot replicates nothing and needs no plan.
    services.programme_close(actor=SYSTEM, programme=programme)
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED


def test_a_plan_with_empty_sections_is_not_approved_and_a_change_makes_it_a_draft():
    programme = new_programme()
    ale = participant(programme, "ale")
    plan = services.plan_save(actor=SYSTEM, participant=ale, answers={"solution": "Cyklar"})
    with pytest.raises(ValidationError):
        services.plan_approve(actor=SYSTEM, plan=plan)
    plan = services.plan_save(actor=SYSTEM, participant=ale, answers=full_answers())
    services.plan_approve(actor=SYSTEM, plan=plan)
    plan = services.plan_save(actor=SYSTEM, participant=ale, answers=full_answers())
    assert plan.status == PlanStatus.DRAFT and plan.template.version == "1"
    with pytest.raises(ValidationError):
        services.plan_save(
            actor=SYSTEM, participant=participant(programme, "goteborg"), answers=full_answers()
        )


def test_who_may_see_and_do_what():
    programme = new_programme()
    ale = participant(programme, "ale")
    ale_editor = UserFactory(organisation=ale.organisation, role=Role.EDITOR)
    organiser_editor = UserFactory(organisation=programme.organiser, role=Role.EDITOR)
    stranger = UserFactory(organisation=org_by_slug("linkoping"), role=Role.EDITOR)
    url = reverse("twinning:programme", args=[programme.pk])
    assert client_for(ale_editor).get(url).status_code == 200
    assert client_for(organiser_editor).get(url).status_code == 200
    assert client_for(stranger).get(url).status_code == 404
    # The participant writes its plan; the organiser approves it; not the other way round.
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=stranger, participant=ale, answers=full_answers())
    plan = services.plan_save(actor=ale_editor, participant=ale, answers=full_answers())
    with pytest.raises(PermissionDenied):
        services.plan_approve(actor=ale_editor, plan=plan)
    services.plan_approve(actor=organiser_editor, plan=plan)
    with pytest.raises(PermissionDenied):
        services.programme_close(actor=ale_editor, programme=programme)
    # A participant's editors claim travel for their own municipality only.
    tjorn = participant(programme, "tjorn")
    with pytest.raises(PermissionDenied):
        services.travel_claim_add(actor=ale_editor, participant=tjorn, amount=Decimal(5))
    with pytest.raises(PermissionDenied):
        services.travel_claim_add(actor=stranger, participant=ale, amount=Decimal(5))


def test_progress_page_has_timeline_tables_and_missing_plans():
    programme = new_programme()
    organiser_editor = UserFactory(organisation=programme.organiser, role=Role.EDITOR)
    client = client_for(organiser_editor)
    html = client.get(reverse("twinning:programme", args=[programme.pk])).content.decode()
    assert 'class="chart twin-timeline"' in html
    assert translate("Still missing an approved replication plan:") in html
    response = client.post(reverse("twinning:programme_close", args=[programme.pk]))
    assert response.status_code == 400
    assert "Ale" in response.context["close_error"]
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.OPEN


def test_plan_form_saves_the_sections():
    programme = new_programme()
    ale = participant(programme, "ale")
    editor = UserFactory(organisation=ale.organisation, role=Role.EDITOR)
    client = client_for(editor)
    url = reverse("twinning:plan_edit", args=[programme.pk, ale.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["form"].sections) == 8
    response = client.post(url, full_answers())
    assert response.status_code == 302
    ale.refresh_from_db()
    assert ale.replication_plan.answers["risks"] == "Text om risks"
    # Someone else's plan is refused.
    tjorn = participant(programme, "tjorn")
    other = reverse("twinning:plan_edit", args=[programme.pk, tjorn.pk])
    assert client.get(other).status_code == 403


def test_approving_on_the_page():
    programme = new_programme()
    ale = participant(programme, "ale")
    services.plan_save(actor=SYSTEM, participant=ale, answers=full_answers())
    organiser_editor = UserFactory(organisation=programme.organiser, role=Role.EDITOR)
    url = reverse("twinning:plan_approve", args=[programme.pk, ale.pk])
    assert client_for(UserFactory(organisation=ale.organisation, role=Role.EDITOR)).post(
        url
    ).status_code in (403, 404)
    assert client_for(organiser_editor).post(url).status_code == 302
    ale.refresh_from_db()
    assert ale.replication_plan.status == PlanStatus.APPROVED


def test_programme_list_shows_only_followed_programmes():
    programme = new_programme()
    ale_person = UserFactory(organisation=org_by_slug("ale"))
    stranger = UserFactory(organisation=org_by_slug("linkoping"))
    url = reverse("twinning:programmes")
    assert programme in client_for(ale_person).get(url).context["programmes"]
    assert programme not in client_for(stranger).get(url).context["programmes"]


# --- Calendar, reminders, API --------------------------------------------------------------


def test_calendar_export_has_the_meetings_and_module_deadlines():
    icalendar = pytest.importorskip("icalendar")
    programme = TwinningProgramme.objects.get(organiser__slug="netzerocities-demo")
    person = UserFactory(organisation=org_by_slug("umea"))
    response = client_for(person).get(reverse("twinning:programme_ics", args=[programme.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert "Studiebesök i Umeå (demo)" in summaries
    visit = next(e for e in events if str(e["SUMMARY"]) == "Studiebesök i Umeå (demo)")
    assert str(visit["LOCATION"]) == "Umeå"
    assert visit.decoded("DTSTART").tzinfo is not None
    assert (
        sum(1 for s in summaries if s.startswith(translate("Module %(order)s ends: %(title)s")[:5]))
        == 3
    )
    # Someone who does not follow the programme gets nothing.
    stranger = client_for(UserFactory(organisation=org_by_slug("linkoping")))
    assert stranger.get(reverse("twinning:programme_ics", args=[programme.pk])).status_code == 404


def test_reminders_go_out_a_week_and_a_day_before_meetings(mailoutbox):
    from kraftsamla.twinning.tasks import enqueue_reminders

    programme = new_programme()
    UserFactory(organisation=org_by_slug("ale"), email="ale@example.test")
    start = timezone.make_aware(datetime.datetime(2026, 5, 20, 10))
    services.meeting_save(
        actor=SYSTEM,
        programme=programme,
        data={
            "kind": MeetingKind.WORKSHOP,
            "title": "Workshop om cykel",
            "starts_at": start,
            "ends_at": start + datetime.timedelta(hours=2),
        },
    )
    assert enqueue_reminders(D(2026, 5, 12)) == 0
    mailoutbox.clear()
    assert enqueue_reminders(D(2026, 5, 13)) == 1
    to_ale = [m for m in mailoutbox if "ale@example.test" in m.to]
    assert to_ale and "Workshop om cykel" in to_ale[0].subject
    # A module's end is reminded two weeks before (the demo module "Start" ends 2026-03-31).
    assert enqueue_reminders(D(2026, 3, 17)) == 1


def test_api_programme_respects_who_follows_it_and_who_reads_plans():
    from tests.helpers import token_client

    programme = new_programme()
    ale = participant(programme, "ale")
    services.plan_save(actor=SYSTEM, participant=ale, answers=full_answers())
    url = reverse("api:twinning-programme", args=[programme.pk])
    ale_editor = token_client(UserFactory(organisation=ale.organisation, role=Role.EDITOR))
    data = ale_editor.get(url).json()
    assert [m["order"] for m in data["modules"]] == [1, 2]
    by_slug = {p["municipality"]: p for p in data["participants"]}
    assert by_slug["ale"]["plan"]["risks"] == "Text om risks"
    assert by_slug["ale"]["plan_status"] == "draft"
    # Tjörn's people follow the programme but do not read Ale's plan.
    tjorn = token_client(UserFactory(organisation=org_by_slug("tjorn")))
    seen = {p["municipality"]: p for p in tjorn.get(url).json()["participants"]}
    assert seen["ale"]["plan_status"] == "draft" and seen["ale"]["plan"] is None
    stranger = token_client(UserFactory(organisation=org_by_slug("linkoping")))
    assert stranger.get(url).status_code == 404
    assert programme.pk not in [
        p["id"] for p in stranger.get(reverse("api:twinning-programmes")).json()
    ]


def test_meetings_and_travel_claims_on_the_progress_page():
    programme = new_programme()
    organiser_editor = UserFactory(organisation=programme.organiser, role=Role.EDITOR)
    client = client_for(organiser_editor)
    ale = participant(programme, "ale")
    meeting_url = reverse("twinning:meeting_create", args=[programme.pk])
    data = {
        "kind": MeetingKind.SITE_VISIT,
        "title": "Studiebesök",
        "starts_at": "2026-04-02T10:00",
        "ends_at": "2026-04-02T09:00",
        "place": "Ale",
        "participants": [ale.pk],
    }
    response = client.post(meeting_url, data)
    assert response.status_code == 400
    assert "ends_at" in response.context["meeting_form"].errors
    assert not programme.meetings.exists()
    response = client.post(meeting_url, {**data, "ends_at": "2026-04-02T15:00"})
    assert response.status_code == 302
    meeting = programme.meetings.get()
    assert list(meeting.participants.all()) == [ale]

    claim_url = reverse("twinning:claim_create", args=[programme.pk])
    assert client.post(claim_url, {"participant": ale.pk, "amount": "9 000"}).status_code == 302
    response = client.post(claim_url, {"participant": ale.pk, "amount": "1 500"})
    assert response.status_code == 400
    assert "amount" in response.context["claim_form"].errors
    assert ale.travel_claims.count() == 1
    # A participant's editor may not add meetings, nor claim for another municipality.
    ale_editor = client_for(UserFactory(organisation=ale.organisation, role=Role.EDITOR))
    assert ale_editor.post(meeting_url, data).status_code == 403
    tjorn = participant(programme, "tjorn")
    response = ale_editor.post(claim_url, {"participant": tjorn.pk, "amount": "5"})
    assert response.status_code == 400 and "participant" in response.context["claim_form"].errors
    stranger = client_for(UserFactory(organisation=org_by_slug("linkoping"), role=Role.EDITOR))
    assert stranger.post(claim_url, {"participant": ale.pk, "amount": "5"}).status_code == 404


def test_marking_a_module_done():
    programme = new_programme()
    organiser_editor = UserFactory(organisation=programme.organiser, role=Role.EDITOR)
    url = reverse("twinning:module_done", args=[programme.pk, 1])
    ale_editor = UserFactory(organisation=org_by_slug("ale"), role=Role.EDITOR)
    assert client_for(ale_editor).post(url).status_code == 403
    assert client_for(organiser_editor).post(url).status_code == 302
    assert programme.modules.get(order=1).done
    client_for(organiser_editor).post(url, {"done": "0"})
    assert not programme.modules.get(order=1).done


def test_progress_page_queries_do_not_grow_with_meetings():
    from tests.helpers import count_queries

    programme = new_programme()
    client = client_for(UserFactory(organisation=programme.organiser, role=Role.EDITOR))
    url = reverse("twinning:programme", args=[programme.pk])

    def add_meetings(count: int) -> None:
        for day in range(count):
            start = timezone.make_aware(datetime.datetime(2026, 6, 1 + day, 10))
            services.meeting_save(
                actor=SYSTEM,
                programme=programme,
                data={
                    "kind": MeetingKind.DIGITAL,
                    "title": f"Möte {day}",
                    "starts_at": start,
                    "ends_at": start + datetime.timedelta(hours=1),
                },
                participants=list(programme.participants.all()),
            )

    add_meetings(1)
    client.get(url)  # the first request also loads the session
    few, _response = count_queries(lambda: client.get(url))
    add_meetings(5)
    many, response = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    assert many == few


def test_a_new_template_version_is_loaded_and_a_bad_one_refused(tmp_path):
    import io
    import json

    from django.core.management import call_command

    good = tmp_path / "v2.json"
    good.write_text(
        json.dumps({"version": "2", "sections": [{"key": "solution", "title": {"sv": "Lösning"}}]})
    )
    call_command("load_replication_template", str(good), stdout=io.StringIO())
    assert ReplicationTemplate.objects.filter(version="2").exists()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"version": "3", "sections": [{"key": "a"}, {"key": "a"}]}))
    with pytest.raises(ValidationError):
        services.replication_template_load(actor=SYSTEM, path=bad)
    assert not ReplicationTemplate.objects.filter(version="3").exists()


def test_starting_a_programme_on_the_page():
    gr = org_by_slug("goteborgsregionen")
    editor = UserFactory(organisation=gr, role=Role.EDITOR)
    client = client_for(editor)
    url = reverse("twinning:programme_create")
    assert client.get(reverse("twinning:programmes")).context["can_create"]
    data = {
        "title_sv": "Lärrunda i väst",
        "organiser": "goteborgsregionen",
        "start_date": "2026-09-01",
        "months": "12",
        "travel_ceiling": "5 000",
        "modules": "Komma igång\nSamskapa\nKapitalisera",
        "lead_role": LinkRole.PIONEER,
        "leads": ["goteborg"],
        "twins": ["ale", "goteborg"],
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "twins" in response.context["form"].errors
    assert not TwinningProgramme.objects.filter(title__sv="Lärrunda i väst").exists()
    response = client.post(url, {**data, "twins": ["ale", "tjorn"]})
    assert response.status_code == 302
    programme = TwinningProgramme.objects.get(title__sv="Lärrunda i väst")
    modules = list(programme.modules.all())
    assert modules[0].start_date == D(2026, 9, 1) and modules[-1].end_date == D(2027, 8, 31)
    assert all(
        a.end_date + datetime.timedelta(days=1) == b.start_date
        for a, b in zip(modules, modules[1:], strict=False)
    )
    assert programme.travel_ceiling == Decimal(5000)
    roles = {p.organisation.slug: p.role for p in programme.participants.all()}
    assert roles == {"goteborg": LinkRole.PIONEER, "ale": LinkRole.TWIN, "tjorn": LinkRole.TWIN}
    # A person without an editor's role anywhere may not start one.
    viewer = client_for(UserFactory(organisation=gr, role=Role.VIEWER))
    assert viewer.get(url).status_code == 403


# --- Editing a programme on its pages ------------------------------------------------------


def test_a_participant_submits_a_claim_and_the_organiser_decides():
    programme = new_programme()
    ale = participant(programme, "ale")
    ale_editor = client_for(UserFactory(organisation=ale.organisation, role=Role.EDITOR))
    organiser = client_for(UserFactory(organisation=programme.organiser, role=Role.EDITOR))
    page = reverse("twinning:programme", args=[programme.pk])
    claim_url = reverse("twinning:claim_create", args=[programme.pk])
    assert translate("Submit a travel claim") in ale_editor.get(page).content.decode()
    response = ale_editor.post(claim_url, {"participant": ale.pk, "amount": "6 000"})
    assert response.status_code == 302
    claim = ale.travel_claims.get()
    assert claim.status == ClaimStatus.SUBMITTED
    # A submitted claim counts towards the ceiling: 6 000 + 5 000 is above 10 000.
    response = ale_editor.post(claim_url, {"participant": ale.pk, "amount": "5 000"})
    assert response.status_code == 400 and "amount" in response.context["claim_form"].errors
    decide_url = reverse("twinning:claim_decide", args=[programme.pk, claim.pk])
    # The participant cannot approve its own claim; the organiser can.
    assert ale_editor.post(decide_url, {"decision": "approve"}).status_code == 403
    assert organiser.post(decide_url, {"decision": "maybe"}).status_code == 400
    assert organiser.post(decide_url, {"decision": "reject"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.decided_at
    # Deciding twice is refused; a rejected claim leaves room under the ceiling.
    response = organiser.post(decide_url, {"decision": "approve"})
    assert response.status_code == 400
    assert translate("This claim has already been decided.") in response.content.decode()
    assert ale_editor.post(claim_url, {"participant": ale.pk, "amount": "9 000"}).status_code == 302
    second = ale.travel_claims.get(status=ClaimStatus.SUBMITTED)
    services.travel_claim_decide(actor=SYSTEM, claim=second, approve=True)
    assert "9" in organiser.get(page).content.decode()
    with pytest.raises(PermissionDenied):
        services.travel_claim_decide(
            actor=UserFactory(organisation=ale.organisation, role=Role.EDITOR),
            claim=second,
            approve=False,
        )


def test_editing_a_meeting_with_decisions_and_follow_up_apart():
    programme = new_programme()
    ale = participant(programme, "ale")
    meeting = services.meeting_save(
        actor=SYSTEM,
        programme=programme,
        data={
            "kind": MeetingKind.WORKSHOP,
            "title": "Workshop",
            "starts_at": timezone.make_aware(datetime.datetime(2026, 2, 1, 9)),
            "ends_at": timezone.make_aware(datetime.datetime(2026, 2, 1, 12)),
        },
    )
    url = reverse("twinning:meeting_edit", args=[programme.pk, meeting.pk])
    organiser = client_for(UserFactory(organisation=programme.organiser, role=Role.EDITOR))
    assert organiser.get(url).status_code == 200
    data = {
        "kind": MeetingKind.SITE_VISIT,
        "title": "Studiebesök i Ale",
        "starts_at": "2026-02-03T10:00",
        "ends_at": "2026-02-03T08:00",
        "place": "Ale",
        "agenda": "Rundtur",
        "decisions": "Ale tar efter cykelplanen.",
        "follow_up": "Ale skickar utkast före 1 mars.",
        "participants": [ale.pk],
    }
    response = organiser.post(url, data)
    assert response.status_code == 400 and "ends_at" in response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.title == "Workshop"
    assert organiser.post(url, {**data, "ends_at": "2026-02-03T15:00"}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.place, meeting.decisions, meeting.follow_up) == (
        "Ale",
        "Ale tar efter cykelplanen.",
        "Ale skickar utkast före 1 mars.",
    )
    assert list(meeting.participants.all()) == [ale]
    page = organiser.get(reverse("twinning:programme", args=[programme.pk])).content.decode()
    assert "Ale skickar utkast före 1 mars." in page
    ale_editor = client_for(UserFactory(organisation=ale.organisation, role=Role.EDITOR))
    assert ale_editor.get(url).status_code == 403


def test_editing_a_module_moves_it_in_the_order():
    programme = new_programme()
    url = reverse("twinning:module_edit", args=[programme.pk, 2])
    organiser = client_for(UserFactory(organisation=programme.organiser, role=Role.EDITOR))
    data = {
        "title_sv": "Slutet",
        "title_en": "The end",
        "goal_sv": "En plan per tvilling",
        "goal_en": "",
        "start_date": "2026-05-01",
        "end_date": "2026-04-01",
        "order": "1",
    }
    response = organiser.post(url, data)
    assert response.status_code == 400 and "end_date" in response.context["form"].errors
    response = organiser.post(url, {**data, "end_date": "2026-12-31", "order": "3"})
    assert response.status_code == 400 and "order" in response.context["form"].errors
    assert organiser.post(url, {**data, "end_date": "2026-12-31"}).status_code == 302
    first, second = programme.modules.order_by("order")
    assert str(first.title) == "Slutet" and first.goal.get("sv") == "En plan per tvilling"
    assert first.start_date == D(2026, 5, 1)
    assert str(second.title) == "Start"
    ale_editor = client_for(
        UserFactory(organisation=participant(programme, "ale").organisation, role=Role.EDITOR)
    )
    assert ale_editor.post(url, data).status_code == 403


def test_adding_and_ending_participants():
    programme = new_programme()
    organiser = client_for(UserFactory(organisation=programme.organiser, role=Role.EDITOR))
    add_url = reverse("twinning:participant_add", args=[programme.pk])
    response = organiser.post(add_url, {"organisation": "ale", "role": LinkRole.PEER})
    assert response.status_code == 400
    assert "organisation" in response.context["participant_form"].errors
    assert organiser.post(add_url, {"organisation": "kungalv", "role": "boss"}).status_code == 400
    assert (
        organiser.post(add_url, {"organisation": "kungalv", "role": LinkRole.PEER}).status_code
        == 302
    )
    kungalv = participant(programme, "kungalv")
    assert kungalv.role == LinkRole.PEER and kungalv.needs_plan
    edit_url = reverse("twinning:participant_edit", args=[programme.pk, kungalv.pk])
    response = organiser.post(edit_url, {"role": LinkRole.PEER, "left_on": "2025-01-01"})
    assert response.status_code == 400 and "left_on" in response.context["form"].errors
    response = organiser.post(edit_url, {"role": LinkRole.TWIN, "left_on": "2026-06-30"})
    assert response.status_code == 302
    kungalv.refresh_from_db()
    assert kungalv.role == LinkRole.TWIN and kungalv.left_on == D(2026, 6, 30)
    # A municipality that has left needs no replication plan to close the programme.
    assert kungalv not in services.plans_missing(programme)
    ale_editor = client_for(
        UserFactory(organisation=participant(programme, "ale").organisation, role=Role.EDITOR)
    )
    assert ale_editor.post(add_url, {"organisation": "molndal", "role": "peer"}).status_code == 403
    assert ale_editor.get(edit_url).status_code == 403
