"""Write funding calls and their rules, import them from a document, send them to members.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the funding policies and is audited.
Rules are validated as a whole before anything is written: a rule of an unknown kind or
with a missing parameter is a ValidationError on "rules" (with the rule's path), and
nothing is saved. Sending a call to members e-mails them when the transaction commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction, SharingLevel
from kraftsamla.core.services import model_save_audited
from kraftsamla.funding import selectors, transfer
from kraftsamla.funding.models import Call, CallNotice, CallRule, CallStatus
from kraftsamla.funding.schema import Invalid
from kraftsamla.funding.tasks import send_call_notice
from kraftsamla.organisations.models import Organisation

CALL_FIELDS = [*transfer.CALL_FIELDS, "sharing_level"]


def _person(actor):
    """Return the actor as a user to record; None for the system actor."""
    return actor if getattr(actor, "pk", None) else None


def _problems(field: str, exc: Invalid) -> ValidationError:
    return ValidationError({field: [str(problem) for problem in exc.problems]})


def _rules_set(*, actor, call: Call, rules: Sequence[Mapping[str, Any]] | None) -> None:
    """Replace the call's rules with `rules` (validated in full before anything is written)."""
    if rules is None:
        return
    try:
        cleaned = transfer.rules_clean(list(rules))
    except Invalid as exc:
        raise _problems("rules", exc) from None
    before = [snapshot(rule, ["kind", "parameters", "order"]) for rule in call.rules.all()]
    call.rules.all().delete()
    rows = [
        CallRule(
            call=call,
            kind=rule["kind"],
            parameters=rule["parameters"],
            source=rule["source"],
            interpretation=rule["interpretation"],
            order=index,
        )
        for index, rule in enumerate(cleaned)
    ]
    for row in rows:
        row.full_clean(exclude=["call"])
    CallRule.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="funding.callrule",
        object_repr=str(call)[:300],
        organisation=call.owner,
        before={"rules": before},
        after={"rules": [snapshot(row, ["kind", "parameters", "order"]) for row in rows]},
    )


def _owner_checked(owner: Organisation | None) -> None:
    if owner is not None and not owner.is_coordinating:
        raise ValidationError({"owner": _("Only a regional body or programme publishes calls.")})


@transaction.atomic
def call_create(
    *,
    actor,
    owner: Organisation | None,
    data: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]] = (),
    is_demo: bool = False,
) -> Call:
    """Publish a call as the body `owner` (None: the platform, for staff) with its rules."""
    access.require(
        actor,
        "funding.body.publish",
        owner,
        _("Only the body's administrators and editors may publish its calls."),
    )
    _owner_checked(owner)
    call = Call(owner=owner, created_by=_person(actor), is_demo=is_demo)
    call = model_save_audited(
        actor=actor, obj=call, data=data, fields=CALL_FIELDS, organisation=owner
    )
    _rules_set(actor=actor, call=call, rules=rules)
    return call


@transaction.atomic
def call_update(
    *,
    actor,
    call: Call,
    data: Mapping[str, Any],
    rules: Sequence[Mapping[str, Any]] | None = None,
) -> Call:
    """Change a call's facts and, when `rules` is given, replace its rules."""
    access.require(
        actor,
        "funding.call.edit",
        call,
        _("Only the body's administrators and editors may edit its calls."),
    )
    call = model_save_audited(
        actor=actor, obj=call, data=data, fields=CALL_FIELDS, organisation=call.owner
    )
    _rules_set(actor=actor, call=call, rules=rules)
    return call


@transaction.atomic
def call_import(
    *,
    actor,
    owner: Organisation | None,
    document: bytes | str | Mapping,
    sharing_level: str = SharingLevel.PUBLIC,
) -> Call:
    """Create a call from a JSON document (see transfer.py); every problem is reported on
    "document" with its path and nothing is saved."""
    access.require(
        actor,
        "funding.body.publish",
        owner,
        _("Only the body's administrators and editors may publish its calls."),
    )
    try:
        data, rules = transfer.document_read(document)
    except Invalid as exc:
        raise _problems("document", exc) from None
    try:
        return call_create(
            actor=actor,
            owner=owner,
            data={**data, "sharing_level": sharing_level},
            rules=rules,
        )
    except ValidationError as exc:
        # The model's own checks, named by the document's paths.
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {
                "document": [
                    f"{name if name == 'rules' else f'call.{name}'}: {message}"
                    for name, messages in exc.message_dict.items()
                    for message in messages
                ]
            }
        ) from None


@transaction.atomic
def call_send(
    *,
    actor,
    call: Call,
    body: Organisation,
    note: str = "",
    email: bool = True,
    is_demo: bool = False,
) -> CallNotice:
    """Send a call to the body's members with a note: it shows on their start page and,
    when the transaction commits, is e-mailed to their people."""
    access.require(
        actor,
        "funding.body.send",
        body,
        _("Only the body's administrators and editors may send calls to its members."),
    )
    access.require(actor, "funding.call.view", call)
    if call.status() == CallStatus.CLOSED:
        raise ValidationError(_("The call is closed; there is nothing to apply for."))
    members_see_it = call.sharing_level == SharingLevel.PUBLIC or (
        call.sharing_level == SharingLevel.REGION and call.owner_id == body.pk
    )
    if not members_see_it:
        raise ValidationError(
            _("The members cannot see this call: share it with them or publicly first.")
        )
    notice = CallNotice(
        call=call,
        body=body,
        note=note.strip(),
        sent_by=_person(actor),
        member_count=selectors.member_count(body),
        is_demo=is_demo,
    )
    notice.full_clean()
    notice.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=notice,
        organisation=body,
        after=snapshot(notice, ["call", "body", "note", "member_count"]),
    )
    if email:
        transaction.on_commit(lambda: send_call_notice.enqueue(notice.pk))
    return notice
