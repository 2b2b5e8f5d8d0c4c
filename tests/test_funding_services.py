"""Funding calls: the policies (allowed and denied), the services, the JSON round trip,
and sending a call to a body's members."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from kraftsamla.core import access
from kraftsamla.core.access import SYSTEM
from kraftsamla.core.models import AuditEvent, Role
from kraftsamla.funding import selectors, services, transfer
from kraftsamla.funding.demo import VIABLE_CITIES, VIABLE_CITIES_RULES
from kraftsamla.funding.models import Call, CallNotice, CallRule
from tests.factories.accounts import UserFactory
from tests.factories.funding import CallFactory, days
from tests.factories.organisations import OrganisationFactory, RegionalBodyFactory
from tests.helpers import (
    ALE_EDITOR,
    COORDINATOR,
    EDITOR_M,
    PARTNER,
    PRIVATE,
    PUBLIC,
    REGION,
    STAFF,
    VIEWER_M,
    demo_user,
    org_by_slug,
    translate,
)

pytestmark = pytest.mark.django_db


def viable_call() -> Call:
    return Call.objects.get(owner__slug=VIABLE_CITIES, is_demo=True)


@pytest.fixture
def gr_viewer(gr):
    return UserFactory(organisation=gr, role=Role.VIEWER)


@pytest.fixture
def linkoping_person(linkoping):
    return UserFactory(organisation=linkoping, role=Role.EDITOR)


# --- Seeing a call ---------------------------------------------------------------------------


def test_a_public_call_is_seen_by_everyone(anonymous):
    call = CallFactory(owner=None)
    assert access.allows(anonymous, "funding.call.view", call)
    assert access.allows(demo_user(EDITOR_M), "funding.call.view", call)


@pytest.mark.parametrize(
    "who, allowed",
    [
        (COORDINATOR, True),  # the body's own people
        (EDITOR_M, True),  # a member's people
        (VIEWER_M, True),
        (ALE_EDITOR, True),
        (STAFF, True),
        (PARTNER, False),  # a partner of the body is not a member
        ("linkoping", False),  # not a member of Göteborgsregionen
        (None, False),  # anonymous
    ],
)
def test_a_members_only_call_is_seen_by_the_body_and_its_members(
    who, allowed, gr, anonymous, linkoping_person
):
    call = CallFactory(owner=gr, sharing_level=REGION)
    person = {None: anonymous, "linkoping": linkoping_person}.get(who) or demo_user(who)
    assert access.allows(person, "funding.call.view", call) is allowed
    in_list = selectors.calls_visible(person).filter(pk=call.pk).exists()
    assert in_list is allowed


def test_a_private_call_is_seen_only_by_the_body(gr, gr_viewer):
    call = CallFactory(owner=gr, sharing_level=PRIVATE)
    assert access.allows(gr_viewer, "funding.call.view", call)
    assert not access.allows(demo_user(EDITOR_M), "funding.call.view", call)
    assert not selectors.calls_visible(demo_user(EDITOR_M)).filter(pk=call.pk).exists()


def test_a_former_member_no_longer_sees_a_members_only_call(molndal):
    body = RegionalBodyFactory()
    from tests.factories.organisations import MembershipFactory

    MembershipFactory(member=molndal, body=body, start_date=days(-400), end_date=days(-1))
    call = CallFactory(owner=body, sharing_level=REGION)
    assert not access.allows(demo_user(EDITOR_M), "funding.call.view", call)


# --- Publishing and editing ------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, body, allowed",
    [
        (COORDINATOR, "goteborgsregionen", True),
        (STAFF, "goteborgsregionen", True),
        (STAFF, None, True),  # staff publish for the platform
        (COORDINATOR, None, False),
        (EDITOR_M, "molndal", False),  # a municipality is no publishing body
        (EDITOR_M, "goteborgsregionen", False),
        ("gr_viewer", "goteborgsregionen", False),
    ],
)
def test_who_may_publish_calls(who, body, allowed, gr_viewer):
    person = gr_viewer if who == "gr_viewer" else demo_user(who)
    owner = org_by_slug(body) if body else None
    assert access.allows(person, "funding.body.publish", owner) is allowed


def test_a_coordinator_publishes_a_call_with_rules_and_it_is_audited(gr):
    coordinator = demo_user(COORDINATOR)
    call = services.call_create(
        actor=coordinator,
        owner=gr,
        data={
            "funder": "Testfinansiären",
            "title": {"sv": "Ny utlysning", "en": ""},
            "opens_on": days(1),
            "closes_on": days(40),
            "max_support": Decimal("1000000.50"),
        },
        rules=[{"kind": "min_parties", "parameters": {"minimum": 3}}],
    )
    assert call.owner == gr and call.created_by == coordinator
    assert call.sharing_level == PUBLIC
    assert list(call.rules.values_list("kind", "parameters", "order")) == [
        ("min_parties", {"minimum": 3}, 0)
    ]
    types = set(AuditEvent.objects.filter(actor=coordinator).values_list("object_type", flat=True))
    assert {"funding.call", "funding.callrule"} <= types


def test_a_member_municipality_may_not_publish(gr):
    before = Call.objects.count()
    with pytest.raises(PermissionDenied):
        services.call_create(
            actor=demo_user(EDITOR_M),
            owner=gr,
            data={"funder": "X", "title": "X", "opens_on": days(0), "closes_on": days(1)},
        )
    assert Call.objects.count() == before


def test_staff_cannot_give_a_call_to_a_municipality(molndal):
    with pytest.raises(ValidationError) as raised:
        CallFactory(owner=molndal)
    assert "owner" in raised.value.message_dict


def test_a_platform_call_is_public():
    with pytest.raises(ValidationError) as raised:
        CallFactory(owner=None, sharing_level=REGION)
    assert "sharing_level" in raised.value.message_dict


@pytest.mark.parametrize(
    "data, field",
    [
        ({"closes_on": days(-20)}, "closes_on"),
        ({"max_support": Decimal(-1)}, "max_support"),
        ({"max_support_share": Decimal(101)}, "max_support_share"),
        ({"capitals": ["money"]}, "capitals"),
        ({"applicant_kinds": ["city"]}, "applicant_kinds"),
        (
            {"project_start_earliest": days(10), "project_end_latest": days(5)},
            "project_end_latest",
        ),
    ],
)
def test_bad_call_facts_are_field_errors_and_nothing_is_saved(data, field):
    before = Call.objects.count()
    with pytest.raises(ValidationError) as raised:
        CallFactory(**data)
    assert field in raised.value.message_dict
    assert Call.objects.count() == before


def test_an_unknown_rule_kind_or_a_missing_parameter_saves_nothing():
    before, rules_before = Call.objects.count(), CallRule.objects.count()
    with pytest.raises(ValidationError) as raised:
        CallFactory(
            rules=[
                {"kind": "min_parties", "parameters": {"minimum": 4}},
                {"kind": "max_cats", "parameters": {}},
                {"kind": "max_support", "parameters": {}},
            ]
        )
    messages = raised.value.message_dict["rules"]
    assert any(
        message.startswith("rules[1].kind: okänd regeltyp ”max_cats”") for message in messages
    )
    assert "rules[2].parameters.amount: obligatoriskt" in messages
    assert (Call.objects.count(), CallRule.objects.count()) == (before, rules_before)


@pytest.mark.parametrize(
    "who, allowed",
    [(COORDINATOR, True), (STAFF, True), ("gr_viewer", False), (EDITOR_M, False), (None, False)],
)
def test_who_may_edit_a_bodys_call(who, allowed, gr, gr_viewer, anonymous):
    call = CallFactory(owner=gr)
    person = {None: anonymous, "gr_viewer": gr_viewer}.get(who) or demo_user(who)
    assert access.allows(person, "funding.call.edit", call) is allowed


def test_updating_replaces_the_rules(gr):
    call = CallFactory(owner=gr, rules=[{"kind": "min_parties", "parameters": {"minimum": 2}}])
    services.call_update(
        actor=demo_user(COORDINATOR),
        call=call,
        data={"funder": "Ny finansiär"},
        rules=[
            {"kind": "max_support_share", "parameters": {"percent": 50}},
            {"kind": "own_budget", "parameters": {}},
        ],
    )
    call.refresh_from_db()
    assert call.funder == "Ny finansiär"
    # Defaults are written out, so a stored rule says everything it checks.
    assert list(call.rules.values_list("kind", "parameters")) == [
        ("max_support_share", {"percent": 50}),
        ("own_budget", {"role": "twin_city"}),
    ]


def test_an_update_without_rules_keeps_them(gr):
    call = CallFactory(owner=gr, rules=[{"kind": "min_parties", "parameters": {"minimum": 2}}])
    services.call_update(actor=SYSTEM, call=call, data={"programme": "P"})
    assert call.rules.count() == 1


# --- The JSON document -----------------------------------------------------------------------


def test_the_viable_cities_call_round_trips_through_its_json_document(gr):
    original = selectors.call_page(viable_call())
    document = json.dumps(transfer.call_document(original), ensure_ascii=False)
    copy = services.call_import(actor=demo_user(COORDINATOR), owner=gr, document=document.encode())
    copy = selectors.call_page(copy)
    assert transfer.call_document(copy) == transfer.call_document(original)
    assert copy.owner == gr and not copy.is_demo
    assert copy.rules.count() == len(VIABLE_CITIES_RULES) == 10
    interpretation = copy.rules.get(kind="max_support").interpretation
    assert "Bekräfta tolkningen med finansiären" in interpretation.sv


def test_an_invented_example_stays_invented_through_the_document(gr):
    invented = Call.objects.filter(is_invented_example=True).first()
    document = transfer.call_document(selectors.call_page(invented))
    copy = services.call_import(actor=demo_user(COORDINATOR), owner=gr, document=document)
    assert copy.is_invented_example


def _document(**changes) -> dict:
    document = transfer.call_document(selectors.call_page(viable_call()))
    for path, value in changes.items():
        target = document
        *parents, last = path.split("/")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return document


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"rules/2/kind": "max_cats"}, "rules[2].kind: okänd regeltyp ”max_cats”"),
        ({"rules/0/parameters/minimum": None}, "rules[0].parameters.minimum: obligatoriskt"),
        ({"rules/0/parameters/maximum": 3}, "rules[0].parameters.maximum: okänt fält"),
        ({"call/closes_on": None}, "call.closes_on: obligatoriskt"),
        ({"call/closes_on": "5 juni"}, "call.closes_on: ska vara ett datum skrivet ÅÅÅÅ-MM-DD"),
        ({"call/closes_on": "2024-01-01"}, "call.closes_on: får inte ligga före opens_on"),
        ({"call/max_support": -5}, "call.max_support: ska vara minst 0"),
        ({"version": 2}, "version: ska vara högst 1"),
        ({"format": "other"}, "format: ska vara en av: kraftsamla.funding.call"),
        ({"call/link": "inte en länk"}, "call.link: "),
    ],
)
def test_a_bad_document_names_the_problem_with_its_path_and_saves_nothing(changes, problem, gr):
    before = Call.objects.count()
    with pytest.raises(ValidationError) as raised:
        services.call_import(actor=demo_user(COORDINATOR), owner=gr, document=_document(**changes))
    messages = raised.value.message_dict["document"]
    assert any(message.startswith(problem) for message in messages), messages
    assert Call.objects.count() == before


def test_a_file_that_is_not_json_is_one_clear_problem(gr):
    with pytest.raises(ValidationError) as raised:
        services.call_import(actor=demo_user(COORDINATOR), owner=gr, document=b"{not json")
    assert raised.value.message_dict["document"][0].startswith("Filen är inte giltig JSON")


def test_importing_is_publishing(gr):
    with pytest.raises(PermissionDenied):
        services.call_import(actor=demo_user(EDITOR_M), owner=gr, document=_document())


# --- Sending a call to members -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who, allowed", [(COORDINATOR, True), (STAFF, True), ("gr_viewer", False), (EDITOR_M, False)]
)
def test_who_may_send_calls_to_members(who, allowed, gr, gr_viewer):
    person = gr_viewer if who == "gr_viewer" else demo_user(who)
    assert access.allows(person, "funding.body.send", gr) is allowed


def test_sending_a_call_reaches_the_members_start_page_and_inbox(
    gr, django_capture_on_commit_callbacks, linkoping_person
):
    call = CallFactory(owner=None, title={"sv": "Pengar för laddplatser", "en": "Money"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.call_send(
            actor=demo_user(COORDINATOR), call=call, body=gr, note="Passar Mölndal!"
        )
    assert notice.member_count == 13
    event = AuditEvent.objects.get(object_type="funding.callnotice", object_id=str(notice.pk))
    assert event.after["note"] == "Passar Mölndal!"
    recipients = {message.to[0] for message in mail.outbox}
    assert {EDITOR_M, VIEWER_M, ALE_EDITOR} <= recipients
    assert COORDINATOR not in recipients and linkoping_person.email not in recipients
    notice.refresh_from_db()
    assert notice.emails_sent == len(mail.outbox)
    message = next(m for m in mail.outbox if m.to == [EDITOR_M])
    assert "Pengar för laddplatser" in message.subject and "Passar Mölndal!" in message.body
    assert call in [n.call for n in selectors.notices_for_person(demo_user(EDITOR_M))]
    assert call not in [n.call for n in selectors.notices_for_person(linkoping_person)]


def test_the_e_mail_says_an_invented_call_is_invented(gr, django_capture_on_commit_callbacks):
    call = CallFactory(owner=None, is_invented_example=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.call_send(actor=demo_user(COORDINATOR), call=call, body=gr)
    assert translate("invented example, not a real call") in mail.outbox[0].body


def test_a_viewer_of_the_body_may_not_send(gr, gr_viewer):
    before = CallNotice.objects.count()
    with pytest.raises(PermissionDenied):
        services.call_send(actor=gr_viewer, call=CallFactory(), body=gr)
    assert CallNotice.objects.count() == before


@pytest.mark.parametrize("kind", ["closed", "private", "another_bodys_members_only"])
def test_a_call_the_members_cannot_use_is_not_sent(kind, gr):
    other = RegionalBodyFactory(members=[OrganisationFactory()])
    call = {
        "closed": lambda: CallFactory(opens_on=days(-30), closes_on=days(-1)),
        "private": lambda: CallFactory(owner=gr, sharing_level=PRIVATE),
        "another_bodys_members_only": lambda: CallFactory(owner=other, sharing_level=REGION),
    }[kind]()
    with pytest.raises((ValidationError, PermissionDenied)):
        services.call_send(actor=SYSTEM, call=call, body=gr)
    assert not CallNotice.objects.filter(call=call).exists()


def test_the_members_own_call_may_be_sent_to_them(gr):
    call = CallFactory(owner=gr, sharing_level=REGION)
    notice = services.call_send(actor=demo_user(COORDINATOR), call=call, body=gr, email=False)
    assert notice.pk


@pytest.mark.parametrize("who, allowed", [(EDITOR_M, True), (COORDINATOR, True), (None, False)])
def test_who_sees_a_notice(who, allowed, gr, anonymous, linkoping_person):
    notice = CallNotice.objects.filter(body=gr).first()
    person = demo_user(who) if who else anonymous
    assert access.allows(person, "funding.notice.view", notice) is allowed
    assert not access.allows(linkoping_person, "funding.notice.view", notice)


def test_the_demo_sent_one_call_to_goteborgsregionens_members():
    notice = CallNotice.objects.get(is_demo=True)
    assert notice.body.slug == "goteborgsregionen" and notice.call.is_invented_example
