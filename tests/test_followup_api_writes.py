"""The follow-up API's writes for a municipality's scripts: indicator values, the reports of
a round (read, submit, review), commitments and their actions.

Each goes through the same service as the page, so the same people may write: allowed and
denied callers, bad input answered at the field (400), nothing written on a refusal, an
audit row for each write, and the OpenAPI document stating it all.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kraftsamla.core.models import AuditAction, AuditEvent, Role, SharingLevel
from kraftsamla.followup import services
from kraftsamla.followup.models import (
    Action,
    Commitment,
    FollowupRound,
    IndicatorValue,
    ProgressStatus,
    ReportEntry,
    ReportStatus,
)
from tests.factories.accounts import UserFactory
from tests.factories.followup import (
    action_create,
    commitment_create,
    indicator_create,
    round_open,
    unit_create,
    value_set,
)
from tests.helpers import (
    ADMIN_M,
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    VIEWER_M,
    count_queries,
    demo_user,
    token_client,
    translate,
)

pytestmark = pytest.mark.django_db

YEAR = 2025
JSON = "application/json"


def post(client: Client, url: str, data):
    return client.post(url, data, content_type=JSON)


def fields(response) -> dict[str, list[str]]:
    return response.json()["error"]["fields"]


def followup_audits() -> int:
    """Audit rows of follow-up writes (a test's new API token is audited too)."""
    return AuditEvent.objects.filter(object_type__startswith="followup.").count()


def audit_count(object_type: str, **filters) -> int:
    return AuditEvent.objects.filter(object_type=object_type, **filters).count()


@pytest.fixture
def setup(molndal, ale):
    """Mölndal: two departments with an editor each, a public commitment with an action per
    department and an indicator; Ale: a unit and a commitment of its own."""
    traffic_editor = UserFactory(organisation=molndal, role=Role.EDITOR)
    parks_editor = UserFactory(organisation=molndal, role=Role.EDITOR)
    traffic = unit_create(molndal, "Trafik", people=[traffic_editor])
    parks = unit_create(molndal, "Park", people=[parks_editor])
    indicator = indicator_create(owner=molndal)
    commitment = commitment_create(molndal, unit=traffic, indicators=[indicator])
    return {
        "org": molndal,
        "admin": demo_user(ADMIN_M),
        "editor": demo_user(EDITOR_M),
        "viewer": demo_user(VIEWER_M),
        "stranger": demo_user(ALE_EDITOR),
        "traffic": traffic,
        "parks": parks,
        "traffic_editor": traffic_editor,
        "parks_editor": parks_editor,
        "indicator": indicator,
        "commitment": commitment,
        "bus_lane": action_create(commitment, "Busskörfält", unit=traffic),
        "trees": action_create(commitment, "Fler träd", unit=parks),
        "ale_unit": unit_create(ale, "Miljö"),
        "ale_commitment": commitment_create(ale, "Ales mål", sharing_level=SharingLevel.PRIVATE),
    }


# --- Indicator values ------------------------------------------------------------------------


def _value_url(indicator, slug: str = "molndal") -> str:
    return reverse("api:followup-indicator-values", kwargs={"slug": slug, "pk": indicator.pk})


def test_an_editor_reports_a_value_and_corrects_it(setup):
    indicator, editor = setup["indicator"], setup["editor"]
    client = token_client(editor)
    created = post(
        client,
        _value_url(indicator),
        {"year": YEAR, "value": 12.5, "source": "Egen mätning", "sharing_level": "public"},
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["organisation"], body["indicator"], body["year"], body["gender"]) == (
        "molndal",
        indicator.pk,
        YEAR,
        "T",
    )
    assert (body["value"], body["source"], body["sharing_level"]) == (
        12.5,
        "Egen mätning",
        "public",
    )
    stored = IndicatorValue.objects.get(indicator=indicator, organisation=setup["org"])
    assert stored.value == 12.5 and stored.pk == body["id"]
    event = AuditEvent.objects.get(object_type="followup.indicatorvalue", object_id=str(stored.pk))
    assert (event.actor, event.action) == (editor, AuditAction.CREATE)
    # The same year again replaces the value (keeping what was not given) and is audited.
    again = post(client, _value_url(indicator), {"year": YEAR, "value": 13})
    assert again.status_code == 201
    assert (again.json()["value"], again.json()["source"]) == (13.0, "Egen mätning")
    assert IndicatorValue.objects.filter(indicator=indicator).count() == 1
    assert audit_count("followup.indicatorvalue", action=AuditAction.UPDATE, actor=editor) == 1
    # The read endpoint shows it.
    rows = client.get(reverse("api:followup-organisation-indicators", kwargs={"slug": "molndal"}))
    row = next(r for r in rows.json() if r["indicator"]["id"] == indicator.pk)
    assert row["values"] == [{"year": YEAR, "value": 13.0}]


def test_a_value_by_gender(setup):
    response = post(
        token_client(setup["admin"]),
        _value_url(setup["indicator"]),
        {"year": YEAR, "value": 40, "gender": "K"},
    )
    assert response.status_code == 201 and response.json()["gender"] == "K"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": "next", "value": 1}, "year"),
        ({"value": 1}, "year"),
        ({"year": YEAR, "value": "tolv"}, "value"),
        ({"year": YEAR, "value": "NaN"}, "value"),
        ({"year": YEAR}, "value"),
        ({"year": YEAR, "value": 1, "gender": "X"}, "gender"),
        ({"year": YEAR, "value": 1, "sharing_level": "everyone"}, "sharing_level"),
    ],
)
def test_bad_values_are_answered_at_the_field(setup, data, field):
    before = IndicatorValue.objects.count()
    response = post(token_client(setup["editor"]), _value_url(setup["indicator"]), data)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert field in fields(response)
    assert IndicatorValue.objects.count() == before


def test_a_value_for_a_year_that_has_not_begun_is_refused_in_swedish(setup):
    next_year = timezone.localdate().year + 1
    response = post(
        token_client(setup["editor"]),
        _value_url(setup["indicator"]),
        {"year": next_year, "value": 1},
    )
    assert response.status_code == 400
    assert fields(response) == {
        "year": [translate("A value cannot be reported for a year that has not begun.")]
    }
    assert not IndicatorValue.objects.filter(indicator=setup["indicator"]).exists()
    assert audit_count("followup.indicatorvalue", actor=setup["editor"]) == 0


def test_only_the_organisations_editors_write_values(setup, molndal):
    """A viewer, and an editor of another municipality, get the same 403 whether or not
    the indicator has private data; nothing is written."""
    private = indicator_create(owner=molndal, name="Privat mått")
    value_set(molndal, private, YEAR, 5.0, sharing_level=SharingLevel.PRIVATE)
    without = indicator_create(owner=molndal, name="Tomt mått")
    before = (IndicatorValue.objects.count(), followup_audits())
    stranger = token_client(setup["stranger"])
    answers = [
        post(stranger, _value_url(indicator), {"year": YEAR, "value": 99})
        for indicator in (private, without)
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["error"]["message"] == translate(
        "Only the organisation's administrators and editors report its values."
    )
    # Bad input from someone without the right is still a 403 (nothing learnt from it).
    assert post(stranger, _value_url(private), {"year": "x"}).status_code == 403
    viewer = post(token_client(setup["viewer"]), _value_url(private), {"year": YEAR, "value": 1})
    assert viewer.status_code == 403
    assert Client().post(_value_url(private), {}, content_type=JSON).status_code == 401
    assert (IndicatorValue.objects.count(), followup_audits()) == before
    assert IndicatorValue.objects.get(indicator=private).value == 5.0


def test_values_of_unknown_organisations_and_indicators_are_404(setup):
    editor = token_client(setup["editor"])
    data = {"year": YEAR, "value": 1}
    assert post(editor, _value_url(setup["indicator"], "finns-inte"), data).status_code == 404
    url = reverse("api:followup-indicator-values", kwargs={"slug": "molndal", "pk": 999999})
    missing = post(editor, url, data)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


# --- Reports of a round ----------------------------------------------------------------------


def _report(round_, unit):
    return round_.reports.get(unit=unit)


def _lines(report):
    """(action entry, indicator entry or None) of a report."""
    entries = list(report.entries.all())
    action = next(e for e in entries if e.action_id)
    indicator = next((e for e in entries if e.indicator_id), None)
    return action, indicator


def _url(name: str, report) -> str:
    return reverse(f"api:followup-{name}", kwargs={"pk": report.pk})


def test_the_round_links_its_reports_and_a_report_lists_its_lines(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, value_line = _lines(report)
    client = token_client(setup["traffic_editor"])
    detail = client.get(reverse("api:followup-round", kwargs={"pk": round_.pk})).json()
    urls = {r["id"]: r["url"] for r in detail["reports"]}
    assert urls[report.pk] == "http://testserver" + _url("report", report)
    response = client.get(urls[report.pk])
    assert response.status_code == 200
    body = response.json()
    assert (body["round"]["id"], body["unit"], body["status"]) == (round_.pk, "Trafik", "to_report")
    assert (body["accepts_reports"], body["can_submit"], body["can_review"]) == (True, True, False)
    lines = {line["id"]: line for line in body["entries"]}
    assert lines[action_line.pk]["action_title"] == "Busskörfält"
    assert lines[action_line.pk]["status"] == ProgressStatus.NOT_STARTED
    assert lines[value_line.pk]["indicator"] == setup["indicator"].pk
    assert lines[value_line.pk]["indicator_name"]["sv"] == "Andel elbilar"
    # The organisation's administrator may submit for the unit, and review once submitted.
    admin = token_client(setup["admin"]).get(_url("report", report)).json()
    assert (admin["can_submit"], admin["can_review"]) == (True, False)


def test_a_report_is_read_with_a_fixed_number_of_queries(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    client = token_client(setup["traffic_editor"])
    client.get(_url("report", report))  # warm the token's session caches
    few, _response = count_queries(lambda: client.get(_url("report", report)))
    for number in range(5):
        action_create(setup["commitment"], f"Extra {number}", unit=setup["traffic"])
    FollowupRound.objects.filter(pk=round_.pk).delete()
    more_round = round_open(setup["org"], YEAR)
    more_report = _report(more_round, setup["traffic"])
    assert more_report.entries.count() == 7
    many, response = count_queries(lambda: client.get(_url("report", more_report)))
    assert response.status_code == 200
    assert many == few


def test_a_report_is_hidden_from_other_organisations(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    stranger = token_client(setup["stranger"])
    for name in ("report", "report-submit", "report-review"):
        method = stranger.get if name == "report" else lambda url: post(stranger, url, {})
        response = method(_url(name, report))
        assert response.status_code == 404, name
    assert Client().get(_url("report", report)).status_code in (401, 404)


def test_the_unit_submits_its_report(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, value_line = _lines(report)
    person = setup["traffic_editor"]
    response = post(
        token_client(person),
        _url("report-submit", report),
        {
            "entries": [
                {
                    "id": action_line.pk,
                    "status": "started",
                    "progress": 40,
                    "comment": " Upphandlat ",
                },
                {"id": value_line.pk, "value": 12.5},
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["can_submit"]) == ("submitted", False)
    action_line.refresh_from_db()
    value_line.refresh_from_db()
    assert (action_line.status, action_line.progress, action_line.comment) == (
        "started",
        40,
        "Upphandlat",
    )
    assert value_line.value == 12.5
    event = AuditEvent.objects.get(object_type="followup.roundreport", object_id=str(report.pk))
    assert (event.actor, event.after) == (person, {"status": "submitted"})
    # Nothing reaches the action before the review.
    assert Action.objects.get(pk=setup["bus_lane"].pk).status == ProgressStatus.NOT_STARTED
    # Submitted once: again is refused with the service's message.
    again = post(token_client(person), _url("report-submit", report), {"entries": []})
    assert again.status_code == 400
    assert again.json()["error"]["message"] == translate("The report is already submitted.")


def _unchanged(report):
    """Snapshot of what a refusal must leave as it was."""
    return (
        report.__class__.objects.get(pk=report.pk).status,
        sorted(
            ReportEntry.objects.filter(report=report).values_list("status", "progress", "value")
        ),
        followup_audits(),
    )


def test_another_unit_may_not_submit_and_nothing_is_saved(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, _value = _lines(report)
    before = _unchanged(report)
    data = {"entries": [{"id": action_line.pk, "status": "done"}]}
    for person in (setup["parks_editor"], setup["viewer"]):
        response = post(token_client(person), _url("report-submit", report), data)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == translate(
            "Only the unit's people and the organisation's administrators submit this report."
        )
    assert _unchanged(report) == before


def test_a_line_of_another_units_report_is_refused_and_nothing_is_saved(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, _value = _lines(report)
    trees_line, _none = _lines(_report(round_, setup["parks"]))
    before = _unchanged(report)
    parks_before = _unchanged(trees_line.report)
    response = post(
        token_client(setup["traffic_editor"]),
        _url("report-submit", report),
        {
            "entries": [
                {"id": action_line.pk, "status": "done"},
                {"id": trees_line.pk, "status": "done", "progress": 100},
            ]
        },
    )
    assert response.status_code == 400
    assert fields(response) == {
        "entries": [
            translate(
                "The report has no line %(ids)s: a unit reports only its own actions and "
                "indicators."
            )
            % {"ids": trees_line.pk}
        ]
    }
    assert _unchanged(report) == before
    assert _unchanged(trees_line.report) == parks_before


@pytest.mark.parametrize(
    ("line", "figures", "field"),
    [
        ("action", {"progress": 140}, "progress"),
        ("action", {"status": "finished"}, "status"),
        ("action", {"value": 3}, "value"),
        ("indicator", {"status": "done"}, "status"),
        ("indicator", {"value": "många"}, "value"),
    ],
)
def test_bad_figures_are_answered_at_the_line_and_nothing_is_saved(setup, line, figures, field):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, value_line = _lines(report)
    bad = action_line if line == "action" else value_line
    good = value_line if line == "action" else action_line
    good_figures = {"value": 7} if good is value_line else {"status": "done", "progress": 100}
    before = _unchanged(report)
    response = post(
        token_client(setup["traffic_editor"]),
        _url("report-submit", report),
        {"entries": [{"id": good.pk, **good_figures}, {"id": bad.pk, **figures}]},
    )
    assert response.status_code == 400
    assert list(fields(response)) == [f"entries[1].{field}"]
    assert _unchanged(report) == before


def test_the_same_line_twice_is_refused(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, _value = _lines(report)
    line = {"id": action_line.pk, "status": "done"}
    response = post(
        token_client(setup["traffic_editor"]),
        _url("report-submit", report),
        {"entries": [line, line]},
    )
    assert response.status_code == 400
    assert fields(response) == {"entries": [translate("Give each line once.")]}


def test_a_report_after_the_round_closed_is_refused_with_the_message(setup):
    round_ = round_open(setup["org"], YEAR)
    FollowupRound.objects.filter(pk=round_.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    report = _report(round_, setup["traffic"])
    action_line, _value = _lines(report)
    before = _unchanged(report)
    response = post(
        token_client(setup["traffic_editor"]),
        _url("report-submit", report),
        {"entries": [{"id": action_line.pk, "status": "done"}]},
    )
    assert response.status_code == 400
    round_.refresh_from_db()
    assert response.json()["error"]["message"] == translate(
        "The round “%(name)s” closed on %(date)s: reports are no longer accepted. "
        "Ask the round's administrator."
    ) % {"name": "Uppföljning 2025", "date": round_.deadline.isoformat()}
    assert fields(response) == {"non_field_errors": [response.json()["error"]["message"]]}
    assert _unchanged(report) == before
    assert (
        token_client(setup["traffic_editor"]).get(_url("report", report)).json()["can_submit"]
        is False
    )


def _submitted(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    action_line, value_line = _lines(report)
    post(
        token_client(setup["traffic_editor"]),
        _url("report-submit", report),
        {"entries": [{"id": action_line.pk, "status": "done"}, {"id": value_line.pk, "value": 9}]},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    return report


def test_the_round_administrator_sends_back_and_approves(setup):
    report = _submitted(setup)
    admin = token_client(setup["admin"])
    assert admin.get(_url("report", report)).json()["can_review"] is True
    back = post(admin, _url("report-review", report), {"approve": False, "comment": "Ange källa."})
    assert back.status_code == 200
    assert (back.json()["status"], back.json()["review_comment"]) == ("returned", "Ange källa.")
    # The unit submits again; then it is approved and written into the action and value.
    post(token_client(setup["traffic_editor"]), _url("report-submit", report), {"entries": []})
    approved = post(admin, _url("report-review", report), {"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Action.objects.get(pk=setup["bus_lane"].pk).status == ProgressStatus.DONE
    assert IndicatorValue.objects.get(indicator=setup["indicator"], year=YEAR).value == 9
    reviews = AuditEvent.objects.filter(
        object_type="followup.roundreport", object_id=str(report.pk), actor=setup["admin"]
    )
    assert [e.after["status"] for e in reviews.order_by("pk")] == ["returned", "approved"]


def test_sending_back_needs_a_comment(setup):
    report = _submitted(setup)
    before = _unchanged(report)
    response = post(token_client(setup["admin"]), _url("report-review", report), {"approve": False})
    assert response.status_code == 400
    assert fields(response) == {
        "comment": [translate("Say what to fix when you send a report back.")]
    }
    assert post(token_client(setup["admin"]), _url("report-review", report), {}).status_code == 400
    assert _unchanged(report) == before


def test_only_the_round_administrators_review(setup):
    report = _submitted(setup)
    before = _unchanged(report)
    for person in (setup["traffic_editor"], setup["editor"], setup["viewer"]):
        response = post(token_client(person), _url("report-review", report), {"approve": True})
        assert response.status_code == 403
        assert response.json()["error"]["message"] == translate(
            "Only the round's administrators review reports."
        )
    assert _unchanged(report) == before


def test_a_report_not_submitted_is_not_reviewed(setup):
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    response = post(token_client(setup["admin"]), _url("report-review", report), {"approve": True})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == translate("Only a submitted report is reviewed.")
    report.refresh_from_db()
    assert report.status == ReportStatus.TO_REPORT


def test_in_a_bodys_round_the_body_reviews_and_the_member_submits(setup, gr):
    coordinator = demo_user(COORDINATOR)
    round_ = round_open(gr, YEAR, name="GR uppföljning 2025")
    report = round_.reports.get(organisation=setup["org"], unit=setup["traffic"])
    action_line, _value = _lines(report)
    figures = {"entries": [{"id": action_line.pk, "status": "done"}]}
    # The body's administrator sees the member's report but does not fill it in.
    body_view = token_client(coordinator).get(_url("report", report)).json()
    assert (body_view["can_submit"], body_view["can_review"]) == (False, False)
    assert (
        post(token_client(coordinator), _url("report-submit", report), figures).status_code == 403
    )
    assert (
        post(
            token_client(setup["traffic_editor"]), _url("report-submit", report), figures
        ).status_code
        == 200
    )
    # The member's own administrator may not review the body's round.
    before = _unchanged(report)
    refused = post(token_client(setup["admin"]), _url("report-review", report), {"approve": True})
    assert refused.status_code == 403
    assert _unchanged(report) == before
    approved = post(token_client(coordinator), _url("report-review", report), {"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_the_service_refuses_lines_of_other_reports(setup):
    """The rule lives in report_submit, so the page and the API refuse alike."""
    round_ = round_open(setup["org"], YEAR)
    report = _report(round_, setup["traffic"])
    trees_line, _none = _lines(_report(round_, setup["parks"]))
    with pytest.raises(ValidationError) as error:
        services.report_submit(
            actor=setup["admin"], report=report, entries={trees_line.pk: {"status": "done"}}
        )
    assert list(error.value.message_dict) == ["entries"]
    report.refresh_from_db()
    assert report.status == ReportStatus.TO_REPORT


# --- Commitments and actions -----------------------------------------------------------------


COMMITMENTS = reverse("api:followup-commitments", kwargs={"slug": "molndal"})


def test_an_editor_records_a_commitment(setup):
    editor = setup["editor"]
    response = post(
        token_client(editor),
        COMMITMENTS,
        {
            "kind": "strategy_goal",
            "title": {"sv": "Fossilfri fordonsflotta", "en": "Fossil-free fleet"},
            "description": {"sv": "Alla kommunens bilar."},
            "adopted_by": "Kommunstyrelsen",
            "adopted_on": "2025-03-01",
            "period_start": "2025-01-01",
            "period_end": "2030-12-31",
            "responsible_unit": setup["traffic"].pk,
            "capitals": ["political"],
            "emission_sectors": ["transport"],
            "indicators": [setup["indicator"].pk],
            "sharing_level": "public",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    commitment = Commitment.objects.get(pk=body["id"])
    assert list(commitment.indicators.all()) == [setup["indicator"]]
    assert commitment.responsible_unit == setup["traffic"]
    # The same representation as the list gives.
    listed = token_client(editor).get(COMMITMENTS).json()
    assert next(c for c in listed if c["id"] == commitment.pk) == body
    assert body["title"] == {"sv": "Fossilfri fordonsflotta", "en": "Fossil-free fleet"}
    event = AuditEvent.objects.get(object_type="followup.commitment", object_id=str(commitment.pk))
    assert (event.actor, event.action) == (editor, AuditAction.CREATE)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"title": {"sv": ""}}, "title.sv"),
        ({"title": {"en": "Only English"}}, "title.sv"),
        ({"kind": "climate_promise"}, "kind"),
        ({"capitals": ["gold"]}, "capitals[0]"),
        ({"adopted_on": "igår"}, "adopted_on"),
        ({"indicators": [999999]}, "indicators"),
        ({"period_start": "2030-01-01", "period_end": "2025-01-01"}, "non_field_errors"),
    ],
)
def test_bad_commitments_are_answered_at_the_field(setup, change, field):
    data = {"kind": "strategy_goal", "title": {"sv": "Mål"}, **change}
    before = (Commitment.objects.count(), followup_audits())
    response = post(token_client(setup["editor"]), COMMITMENTS, data)
    assert response.status_code == 400
    assert field in fields(response), fields(response)
    assert (Commitment.objects.count(), followup_audits()) == before


def test_a_unit_of_another_municipality_is_refused(setup):
    data = {
        "kind": "strategy_goal",
        "title": {"sv": "Mål"},
        "responsible_unit": setup["ale_unit"].pk,
    }
    response = post(token_client(setup["editor"]), COMMITMENTS, data)
    assert response.status_code == 400
    assert fields(response) == {
        "responsible_unit": [translate("Choose a unit of the organisation itself.")]
    }


def test_only_the_organisations_editors_record_commitments(setup):
    before = (Commitment.objects.count(), followup_audits())
    data = {"kind": "strategy_goal", "title": {"sv": "Mål"}}
    for person in (setup["viewer"], setup["stranger"]):
        response = post(token_client(person), COMMITMENTS, data)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == translate(
            "Only the organisation's administrators and editors record its commitments."
        )
    assert Client().post(COMMITMENTS, data, content_type=JSON).status_code == 401
    unknown = reverse("api:followup-commitments", kwargs={"slug": "finns-inte"})
    assert post(token_client(setup["editor"]), unknown, data).status_code == 404
    assert (Commitment.objects.count(), followup_audits()) == before
    # Reading stays public.
    assert Client().get(COMMITMENTS).status_code == 200


def _actions_url(commitment) -> str:
    return reverse("api:followup-commitment-actions", kwargs={"pk": commitment.pk})


def test_an_editor_adds_an_action_and_a_sub_action(setup):
    editor, commitment = setup["editor"], setup["commitment"]
    client = token_client(editor)
    response = post(
        client,
        _actions_url(commitment),
        {
            "title": "Laddstolpar",
            "unit": setup["traffic"].pk,
            "starts_on": "2025-01-01",
            "ends_on": "2026-06-30",
            "cost": "250000.50",
            "funding": "Klimatklivet",
            "weight": 2,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    action = Action.objects.get(pk=body["id"])
    assert (action.commitment, action.unit, action.weight) == (commitment, setup["traffic"], 2)
    detail = client.get(reverse("api:followup-commitment", kwargs={"pk": commitment.pk})).json()
    assert next(a for a in detail["actions"] if a["id"] == action.pk) == body
    event = AuditEvent.objects.get(object_type="followup.action", object_id=str(action.pk))
    assert (event.actor, event.action) == (editor, AuditAction.CREATE)
    sub = post(client, _actions_url(commitment), {"title": "Ansökan", "parent": action.pk})
    assert sub.status_code == 201 and sub.json()["parent"] == action.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"cost": -1}, "cost"),
        ({"weight": 0}, "weight"),
        ({"starts_on": "2026-01-01", "ends_on": "2025-01-01"}, "non_field_errors"),
        ({"projects": [999999]}, "projects"),
    ],
)
def test_bad_actions_are_answered_at_the_field(setup, change, field):
    before = (Action.objects.count(), followup_audits())
    response = post(
        token_client(setup["editor"]), _actions_url(setup["commitment"]), {"title": "X", **change}
    )
    assert response.status_code == 400
    assert field in fields(response), fields(response)
    assert (Action.objects.count(), followup_audits()) == before


def test_a_parent_or_unit_from_elsewhere_is_refused(setup, molndal):
    other = commitment_create(molndal, "Annat mål")
    foreign_action = action_create(other, "Annan åtgärd")
    client = token_client(setup["editor"])
    url = _actions_url(setup["commitment"])
    parent = post(client, url, {"title": "X", "parent": foreign_action.pk})
    assert parent.status_code == 400
    assert fields(parent) == {"parent": [translate("A sub-action belongs to the same commitment.")]}
    unit = post(client, url, {"title": "X", "unit": setup["ale_unit"].pk})
    assert fields(unit) == {"unit": [translate("Choose a unit of the organisation itself.")]}


def test_only_the_organisations_editors_add_actions(setup):
    before = (Action.objects.count(), followup_audits())
    data = {"title": "X"}
    url = _actions_url(setup["commitment"])  # public
    for person in (setup["viewer"], setup["stranger"]):
        response = post(token_client(person), url, data)
        assert response.status_code == 403
        assert response.json()["error"]["message"] == translate(
            "Only the organisation's administrators and editors add actions."
        )
    # Ale's private commitment: Mölndal's editor may not learn it exists.
    hidden = post(token_client(setup["editor"]), _actions_url(setup["ale_commitment"]), data)
    assert hidden.status_code == 404
    missing = reverse("api:followup-commitment-actions", kwargs={"pk": 999999})
    assert hidden.json() == post(token_client(setup["editor"]), missing, data).json()
    assert Client().post(url, data, content_type=JSON).status_code == 401
    assert (Action.objects.count(), followup_audits()) == before


# --- The OpenAPI document --------------------------------------------------------------------


WRITES = {
    ("post", "/api/v1/followup/organisations/{slug}/indicators/{id}/values/"): "201",
    ("post", "/api/v1/followup/organisations/{slug}/commitments/"): "201",
    ("post", "/api/v1/followup/commitments/{id}/actions/"): "201",
    ("post", "/api/v1/followup/reports/{id}/submit/"): "200",
    ("post", "/api/v1/followup/reports/{id}/review/"): "200",
}


def test_the_openapi_document_states_the_writes(client):
    schema = client.get("/api/v1/openapi.json").json()
    error = {"$ref": "#/components/schemas/Error"}
    for (method, path), success in WRITES.items():
        operation = schema["paths"][path][method]
        assert operation["requestBody"]["content"]["application/json"]["schema"], path
        responses = operation["responses"]
        assert success in responses, path
        for code in ("400", "401", "403", "404"):
            assert responses[code]["content"]["application/json"]["schema"] == error, (path, code)
        assert {} not in operation["security"], path  # a login is needed
    report = schema["paths"]["/api/v1/followup/reports/{id}/"]["get"]["responses"]
    assert {"200", "404"} <= set(report)
    # Reading commitments stays open to anyone; writing needs a login.
    commitments = schema["paths"]["/api/v1/followup/organisations/{slug}/commitments/"]
    assert {} in commitments["get"]["security"]
