"""Follow-up, the yearly round: opening a round gives every responsible unit a task list,
reminders by e-mail before the deadline, submitting (refused after the round closed),
review (approve / send back with a comment), publishing into the annual report and the
public page, a body's round across its members, exports and permissions."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from kraftsamla.core.access import allows
from kraftsamla.core.models import Role, SharingLevel
from kraftsamla.followup import selectors, services, tasks
from kraftsamla.followup.models import (
    Action,
    CommitmentKind,
    FollowupRound,
    IndicatorValue,
    ProgressStatus,
    ReportStatus,
    RoundReport,
    RoundStatus,
    UnitKind,
)
from tests.factories.accounts import UserFactory
from tests.helpers import ADMIN_M, COORDINATOR, EDITOR_M, VIEWER_M, demo_user, translate

pytestmark = pytest.mark.django_db

YEAR = 2025


def _deadline(days: int = 20) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def setup(molndal):
    """Mölndal: two departments, a public commitment with an action each and an indicator."""
    admin = demo_user(ADMIN_M)
    traffic = services.unit_create(
        actor=admin,
        organisation=molndal,
        data={"name": "Trafik", "kind": UnitKind.DEPARTMENT},
    )
    parks = services.unit_create(
        actor=admin, organisation=molndal, data={"name": "Park", "kind": UnitKind.DEPARTMENT}
    )
    traffic_editor = UserFactory(organisation=molndal, role=Role.EDITOR, email="trafik@x.se")
    services.unit_person_add(actor=admin, unit=traffic, user=traffic_editor)
    parks_editor = UserFactory(organisation=molndal, role=Role.EDITOR, email="park@x.se")
    services.unit_person_add(actor=admin, unit=parks, user=parks_editor)
    indicator = services.indicator_create(
        actor=admin,
        owner=molndal,
        data={"name": {"sv": "Andel elbilar"}, "unit": "%", "direction": "higher"},
    )
    commitment = services.commitment_create(
        actor=admin,
        organisation=molndal,
        data={
            "kind": CommitmentKind.STRATEGY_GOAL,
            "title": {"sv": "Hållbart resande"},
            "responsible_unit": traffic,
            "sharing_level": SharingLevel.PUBLIC,
        },
        indicators=[indicator],
    )
    bus_lane = services.action_create(
        actor=admin, commitment=commitment, data={"title": "Busskörfält", "unit": traffic}
    )
    trees = services.action_create(
        actor=admin, commitment=commitment, data={"title": "Fler träd", "unit": parks}
    )
    return {
        "org": molndal,
        "admin": admin,
        "traffic": traffic,
        "parks": parks,
        "traffic_editor": traffic_editor,
        "parks_editor": parks_editor,
        "indicator": indicator,
        "commitment": commitment,
        "bus_lane": bus_lane,
        "trees": trees,
    }


def _open(setup, **data) -> FollowupRound:
    return services.round_open(
        actor=setup["admin"],
        organisation=setup["org"],
        data={"name": "Uppföljning 2025", "year": YEAR, "deadline": _deadline(), **data},
    )


def _report(round_, unit) -> RoundReport:
    return round_.reports.get(unit=unit)


def _entry_data(report, **by_title):
    """Map entries to figures: actions by title → (status, progress); indicators → value."""
    data = {}
    for entry in report.entries.select_related("action"):
        if entry.action_id:
            status, progress = by_title.get(entry.action.title, (entry.status, entry.progress))
            data[entry.pk] = {"status": status, "progress": progress, "comment": "Klart i maj"}
        else:
            data[entry.pk] = {"value": by_title.get("value")}
    return data


# --- Opening: task lists per unit ----------------------------------------------------------


def test_opening_a_round_gives_each_unit_its_task_list(setup):
    round_ = _open(setup)
    traffic = _report(round_, setup["traffic"])
    parks = _report(round_, setup["parks"])
    assert round_.reports.count() == 2
    # Traffic: its action and the indicator of the commitment it is responsible for.
    assert {(e.action_id, e.indicator_id) for e in traffic.entries.all()} == {
        (setup["bus_lane"].pk, None),
        (None, setup["indicator"].pk),
    }
    assert [e.action_id for e in parks.entries.all()] == [setup["trees"].pk]
    assert traffic.status == ReportStatus.TO_REPORT


def test_a_round_in_the_past_or_twice_a_year_is_refused(setup):
    with pytest.raises(ValidationError) as error:
        _open(setup, deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert "deadline" in error.value.message_dict
    _open(setup)
    with pytest.raises(ValidationError):
        _open(setup, name="Igen")
    assert FollowupRound.objects.filter(organisation=setup["org"]).count() == 1


def test_only_the_administrators_open_a_round(setup, editor_m, admin_m):
    draft = FollowupRound(organisation=setup["org"])
    assert allows(admin_m, "followup.round.manage", draft)
    assert not allows(editor_m, "followup.round.manage", draft)
    with pytest.raises(PermissionDenied):
        services.round_open(
            actor=editor_m,
            organisation=setup["org"],
            data={"name": "X", "year": YEAR, "deadline": _deadline()},
        )


def test_opening_through_the_page(setup):
    client = Client()
    client.force_login(setup["admin"])
    url = reverse("followup:rounds", kwargs={"slug": "molndal"})
    bad = client.post(
        url, {"name": "Uppföljning 2025", "year": YEAR, "deadline": "2001-01-01", "remind_days": 7}
    )
    assert bad.status_code == 400
    assert translate("The deadline must not be in the past.") in bad.content.decode()
    response = client.post(
        url,
        {
            "name": "Uppföljning 2025",
            "year": YEAR,
            "deadline": _deadline().isoformat(),
            "remind_days": 7,
        },
    )
    round_ = FollowupRound.objects.get(organisation=setup["org"])
    assert response.status_code == 302
    page = client.get(reverse("followup:round", kwargs={"pk": round_.pk})).content.decode()
    assert "Trafik" in page and "Park" in page
    # A viewer sees the rounds but no form to open one.
    viewer = Client()
    viewer.force_login(demo_user(VIEWER_M))
    listing = viewer.get(url).content.decode()
    assert "Uppföljning 2025" in listing
    assert translate("Open the round") not in listing


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_go_to_the_units_that_have_not_submitted(setup):
    round_ = _open(setup)
    services.report_submit(
        actor=setup["parks_editor"],
        report=_report(round_, setup["parks"]),
        entries=_entry_data(_report(round_, setup["parks"])),
    )
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the immediate task backend
        services.round_remind(actor=setup["admin"], round_=round_)
    assert [m.to for m in mail.outbox] == [["trafik@x.se"]]
    assert "Uppföljning 2025" in mail.outbox[0].subject
    assert reverse("followup:report", kwargs={"pk": _report(round_, setup["traffic"]).pk}) in (
        mail.outbox[0].body
    )
    assert _report(round_, setup["traffic"]).reminded_at is not None
    with pytest.raises(PermissionDenied):
        services.round_remind(actor=setup["traffic_editor"], round_=round_)


def test_a_report_without_people_reminds_the_editors(setup, molndal):
    setup["traffic"].people.clear()
    round_ = _open(setup)
    mail.outbox.clear()
    assert tasks.send_round_reminders.call(round_.pk) >= 1
    recipients = {m.to[0] for m in mail.outbox}
    assert EDITOR_M in recipients and "park@x.se" in recipients


def test_no_reminder_for_a_closed_round(setup):
    round_ = _open(setup)
    services.round_close(actor=setup["admin"], round_=round_)
    mail.outbox.clear()
    assert tasks.send_round_reminders.call(round_.pk) == 0
    with pytest.raises(ValidationError):
        services.round_remind(actor=setup["admin"], round_=round_)


def test_the_reminder_waits_for_its_day_and_the_worker_sends_it(setup, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    # django-tasks rebuilds its backends when the setting changes.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        round_ = _open(setup, remind_days=5)
    queued = [
        task
        for task in DBTaskResult.objects.filter(task_path__endswith="send_round_reminders")
        if task.args_kwargs["args"] == [round_.pk]
    ][0]
    assert timezone.localtime(queued.run_after).date() == round_.deadline - datetime.timedelta(
        days=5
    )
    # On its day the real worker sends it.
    DBTaskResult.objects.filter(pk=queued.pk).update(run_after=timezone.now())
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    mail.outbox.clear()
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    assert {m.to[0] for m in mail.outbox} == {"trafik@x.se", "park@x.se"}


# --- Submitting --------------------------------------------------------------------------------


def test_the_unit_submits_its_report(setup):
    round_ = _open(setup)
    report = _report(round_, setup["traffic"])
    services.report_submit(
        actor=setup["traffic_editor"],
        report=report,
        entries=_entry_data(report, **{"Busskörfält": ("done", None), "value": 12.5}),
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # Nothing reaches the action before the review.
    assert Action.objects.get(pk=setup["bus_lane"].pk).status == ProgressStatus.NOT_STARTED
    with pytest.raises(ValidationError):
        services.report_submit(actor=setup["traffic_editor"], report=report, entries={})


def test_another_unit_may_not_submit(setup, viewer_m, admin_m):
    round_ = _open(setup)
    report = _report(round_, setup["traffic"])
    assert allows(setup["traffic_editor"], "followup.report.submit", report)
    assert allows(admin_m, "followup.report.submit", report)
    assert not allows(setup["parks_editor"], "followup.report.submit", report)
    assert not allows(viewer_m, "followup.report.submit", report)
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=setup["parks_editor"], report=report, entries={})
    client = Client()
    client.force_login(setup["parks_editor"])
    url = reverse("followup:report", kwargs={"pk": report.pk})
    assert client.post(url, {}).status_code == 403
    page = client.get(url)
    assert page.status_code == 200  # an editor of the organisation sees it, without a form
    assert translate("Submit the report") not in page.content.decode()


def test_a_report_after_the_round_closed_is_refused(setup):
    round_ = _open(setup)
    report = _report(round_, setup["traffic"])
    FollowupRound.objects.filter(pk=round_.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    round_.refresh_from_db()
    report = _report(round_, setup["traffic"])
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            actor=setup["traffic_editor"], report=report, entries=_entry_data(report)
        )
    assert "Uppföljning 2025" in error.value.messages[0]
    client = Client()
    client.force_login(setup["traffic_editor"])
    entry = report.entries.get(action__isnull=False)
    response = client.post(
        reverse("followup:report", kwargs={"pk": report.pk}),
        {f"e{entry.pk}_status": "done"},
    )
    assert response.status_code in (400, 403)
    report.refresh_from_db()
    assert report.status == ReportStatus.TO_REPORT
    # The page says so in Swedish instead of showing a form.
    page = client.get(reverse("followup:report", kwargs={"pk": report.pk})).content.decode()
    assert "stängd" in page


def test_a_closed_round_refuses_with_a_translated_error(setup):
    round_ = _open(setup)
    services.round_close(actor=setup["admin"], round_=round_)
    report = _report(round_, setup["traffic"])
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=setup["traffic_editor"], report=report, entries={})
    assert error.value.messages == [
        translate("The round “%(name)s” is closed: reports are no longer accepted.")
        % {"name": "Uppföljning 2025"}
    ]


def test_submitting_through_the_page(setup):
    round_ = _open(setup)
    report = _report(round_, setup["traffic"])
    action_entry = report.entries.get(action__isnull=False)
    value_entry = report.entries.get(indicator__isnull=False)
    client = Client()
    client.force_login(setup["traffic_editor"])
    url = reverse("followup:report", kwargs={"pk": report.pk})
    page = client.get(url).content.decode()
    assert "Busskörfält" in page and "Andel elbilar" in page
    bad = client.post(
        url,
        {
            f"e{action_entry.pk}_status": "started",
            f"e{action_entry.pk}_progress": "140",
            f"e{value_entry.pk}_value": "12,5",
        },
    )
    assert bad.status_code == 400
    assert f'id="id_e{action_entry.pk}_progress-errors"' in bad.content.decode()
    ok = client.post(
        url,
        {
            f"e{action_entry.pk}_status": "started",
            f"e{action_entry.pk}_progress": "40",
            f"e{action_entry.pk}_comment": "Upphandlat",
            f"e{value_entry.pk}_value": "12,5",
        },
    )
    assert ok.status_code == 302
    value_entry.refresh_from_db()
    assert value_entry.value == 12.5


# --- Review and publishing --------------------------------------------------------------------


def _submit_all(setup, round_):
    for unit, person, figures in (
        (setup["traffic"], setup["traffic_editor"], {"Busskörfält": ("done", None), "value": 9}),
        (setup["parks"], setup["parks_editor"], {"Fler träd": ("started", 30)}),
    ):
        report = _report(round_, unit)
        services.report_submit(actor=person, report=report, entries=_entry_data(report, **figures))


def test_review_sends_back_with_a_comment_and_approves(setup):
    round_ = _open(setup)
    _submit_all(setup, round_)
    parks = _report(round_, setup["parks"])
    with pytest.raises(ValidationError) as error:
        services.report_review(actor=setup["admin"], report=parks, approve=False)
    assert "comment" in error.value.message_dict
    services.report_review(
        actor=setup["admin"], report=parks, approve=False, comment="Ange antal träd."
    )
    parks.refresh_from_db()
    assert parks.status == ReportStatus.RETURNED
    # Sent back: the unit submits again, then it is approved and written to the action.
    services.report_submit(
        actor=setup["parks_editor"],
        report=parks,
        entries=_entry_data(parks, **{"Fler träd": ("started", 35)}),
    )
    services.report_review(actor=setup["admin"], report=parks, approve=True)
    trees = Action.objects.get(pk=setup["trees"].pk)
    assert (trees.status, trees.progress) == (ProgressStatus.STARTED, 35)


def test_only_the_round_administrators_review(setup, editor_m):
    round_ = _open(setup)
    _submit_all(setup, round_)
    report = _report(round_, setup["traffic"])
    assert allows(setup["admin"], "followup.report.review", report)
    assert not allows(setup["traffic_editor"], "followup.report.review", report)
    with pytest.raises(PermissionDenied):
        services.report_review(actor=setup["traffic_editor"], report=report, approve=True)
    client = Client()
    client.force_login(editor_m)
    url = reverse("followup:report-review", kwargs={"pk": report.pk})
    assert client.post(url, {"decision": "approve"}).status_code == 403


def test_review_through_the_page(setup):
    round_ = _open(setup)
    _submit_all(setup, round_)
    report = _report(round_, setup["traffic"])
    client = Client()
    client.force_login(setup["admin"])
    page = client.get(reverse("followup:report", kwargs={"pk": report.pk})).content.decode()
    assert translate("Save the review") in page
    url = reverse("followup:report-review", kwargs={"pk": report.pk})
    bad = client.post(url, {"decision": "return", "comment": ""})
    assert bad.status_code == 400
    assert translate("Say what to fix when you send a report back.") in bad.content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    value = IndicatorValue.objects.get(indicator=setup["indicator"], year=YEAR)
    assert value.value == 9


def test_publishing_needs_every_report_approved(setup, anonymous):
    round_ = _open(setup)
    _submit_all(setup, round_)
    services.report_review(
        actor=setup["admin"], report=_report(round_, setup["traffic"]), approve=True
    )
    with pytest.raises(ValidationError) as error:
        services.round_publish(actor=setup["admin"], round_=round_)
    assert "1" in error.value.messages[0]
    assert selectors.published_round(setup["org"], YEAR) is None
    services.report_review(
        actor=setup["admin"], report=_report(round_, setup["parks"]), approve=True
    )
    with pytest.raises(PermissionDenied):
        services.round_publish(actor=setup["traffic_editor"], round_=round_)
    services.round_publish(actor=setup["admin"], round_=round_)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    # Published rounds are public: an anonymous visitor sees the round and its reports.
    assert allows(anonymous, "followup.round.view", round_) is False
    client = Client()
    assert client.get(reverse("followup:round", kwargs={"pk": round_.pk})).status_code == 200


def test_the_annual_report_shows_the_published_round_and_what_changed(setup):
    round_ = _open(setup)
    _submit_all(setup, round_)
    for report in round_.reports.all():
        services.report_review(actor=setup["admin"], report=report, approve=True)
    services.round_publish(actor=setup["admin"], round_=round_)
    client = Client()
    client.force_login(setup["admin"])
    page = client.get(
        reverse("followup:annual-report", kwargs={"slug": "molndal", "year": YEAR})
    ).content.decode()
    assert "Uppföljning 2025" in page
    assert "Busskörfält" in page
    assert translate("Done") in page and translate("Not started") in page


def test_the_public_page_shows_published_commitments(setup):
    client = Client()
    url = reverse("organisations:detail", kwargs={"slug": "molndal"})
    assert "Hållbart resande" not in client.get(url).content.decode()
    round_ = _open(setup)
    _submit_all(setup, round_)
    for report in round_.reports.all():
        services.report_review(actor=setup["admin"], report=report, approve=True)
    # Publishing bumps the follow-up data version when it commits: the cached page changes.
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.round_publish(actor=setup["admin"], round_=round_)
    page = client.get(url).content.decode()
    assert "Hållbart resande" in page
    assert "Uppföljning 2025" in page
    # A private commitment stays off the public page.
    with TestCase.captureOnCommitCallbacks(execute=True):
        setup["commitment"].sharing_level = SharingLevel.PRIVATE
        setup["commitment"].save()
        from kraftsamla.core.versions import bump

        bump("followup")
    assert "Hållbart resande" not in client.get(url).content.decode()


def test_the_round_exports_as_csv(setup):
    round_ = _open(setup)
    client = Client()
    client.force_login(setup["admin"])
    response = client.get(reverse("followup:round", kwargs={"pk": round_.pk}), {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert any("Busskörfält" in row for row in rows)
    assert any("Fler träd" in row for row in rows)
    xlsx = client.get(reverse("followup:round", kwargs={"pk": round_.pk}), {"format": "xlsx"})
    assert xlsx.status_code == 200


def test_an_open_round_is_hidden_from_other_organisations(setup):
    round_ = _open(setup)
    other = Client()
    other.force_login(demo_user("strateg.ale@demo.kraftsamla.se"))
    assert other.get(reverse("followup:round", kwargs={"pk": round_.pk})).status_code == 404
    report = _report(round_, setup["traffic"])
    assert other.get(reverse("followup:report", kwargs={"pk": report.pk})).status_code == 404
    assert Client().get(reverse("followup:round", kwargs={"pk": round_.pk})).status_code == 404


# --- A body's round ------------------------------------------------------------------------


def test_a_body_opens_a_round_for_all_its_members(setup, gr):
    coordinator = demo_user(COORDINATOR)
    setup["commitment"].sharing_level = SharingLevel.REGION
    setup["commitment"].save()
    secret = services.commitment_create(
        actor=setup["admin"],
        organisation=setup["org"],
        data={
            "kind": CommitmentKind.STRATEGY_GOAL,
            "title": {"sv": "Internt mål"},
            "sharing_level": SharingLevel.PRIVATE,
        },
    )
    services.action_create(
        actor=setup["admin"], commitment=secret, data={"title": "Hemlig", "unit": setup["parks"]}
    )
    round_ = services.round_open(
        actor=coordinator,
        organisation=gr,
        data={"name": "GR uppföljning 2025", "year": YEAR, "deadline": _deadline()},
    )
    titles = set(
        round_.reports.filter(organisation=setup["org"]).values_list(
            "entries__action__title", flat=True
        )
    )
    # What Mölndal shares with the body is asked for; its private commitment is not.
    assert {"Busskörfält", "Fler träd"} <= titles
    assert "Hemlig" not in titles
    report = round_.reports.get(organisation=setup["org"], unit=setup["traffic"])
    # The body's administrators review; the member's own people submit.
    assert allows(coordinator, "followup.report.review", report)
    assert not allows(coordinator, "followup.report.submit", report)
    assert allows(setup["traffic_editor"], "followup.report.submit", report)
    assert not allows(setup["traffic_editor"], "followup.report.review", report)
    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("followup:round", kwargs={"pk": round_.pk}))
    assert page.status_code == 200
    assert "Mölndal" in page.content.decode()


# --- API --------------------------------------------------------------------------------------


def test_the_api_lists_rounds_and_their_reports(setup):
    from tests.helpers import token_client

    round_ = _open(setup)
    client = token_client(setup["traffic_editor"])
    listing = client.get(reverse("api:followup-rounds", kwargs={"slug": "molndal"})).json()
    assert [(r["name"], r["report_count"], r["status"]) for r in listing] == [
        ("Uppföljning 2025", 2, "open")
    ]
    detail = client.get(reverse("api:followup-round", kwargs={"pk": round_.pk})).json()
    titles = {e["action_title"] for r in detail["reports"] for e in r["entries"]}
    assert {"Busskörfält", "Fler träd"} <= titles
    # Another municipality's people: the open round is not theirs.
    other = token_client(demo_user("strateg.ale@demo.kraftsamla.se"))
    assert other.get(reverse("api:followup-round", kwargs={"pk": round_.pk})).status_code == 404
    assert other.get(reverse("api:followup-rounds", kwargs={"slug": "molndal"})).json() == []


def test_the_annual_report_api_has_the_published_round_and_what_it_changed(setup):
    round_ = _open(setup)
    _submit_all(setup, round_)
    for report in round_.reports.all():
        services.report_review(actor=setup["admin"], report=report, approve=True)
    services.round_publish(actor=setup["admin"], round_=round_)
    url = reverse("api:followup-annual-report", kwargs={"slug": "molndal", "year": YEAR})
    data = Client().get(url).json()  # a public commitment: anyone reads the report
    assert data["published_round"]["name"] == "Uppföljning 2025"
    changed = {(c["status"], c["progress"]) for c in data["round_changes"]}
    assert ("done", None) in changed and ("started", 30) in changed
    [commitment] = data["commitments"]
    assert commitment["commitment"]["title"]["sv"] == "Hållbart resande"
    assert {a["title"] for a in commitment["actions"]} == {"Busskörfält", "Fler träd"}
