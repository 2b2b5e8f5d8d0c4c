"""Write funding calls and their rules, import them from a document, send them to members.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the funding policies and is audited.
Rules are validated as a whole before anything is written: a rule of an unknown kind or
with a missing parameter is a ValidationError on "rules" (with the rule's path), and
nothing is saved. Sending a call to members e-mails them when the transaction commits.

Joint applications: the coordinator's editors write the application, its parties and
work packages; each party's budget lines and attachments are written by its own editors
(once it accepted) or the coordinator's. Any change to an application marked ready
takes it back to draft, and it is marked ready (and submitted) only while every rule of
the call passes: the refusal lists each failing rule with its reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.models import AuditAction, SharingLevel
from kraftsamla.core.services import model_save_audited
from kraftsamla.core.uploads import safe_file_name, upload_checked, upload_store
from kraftsamla.funding import selectors, transfer
from kraftsamla.funding.facts import PartyRole
from kraftsamla.funding.models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    BudgetLine,
    Call,
    CallNotice,
    CallRule,
    CallStatus,
    Invitation,
    Party,
    WorkPackage,
)
from kraftsamla.funding.schema import Invalid
from kraftsamla.funding.tasks import send_call_notice, send_party_invitation
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


# --- Joint applications ----------------------------------------------------------------------

APPLICATION_FIELDS = ["title", "summary", "project_start", "project_end"]
LINE_FIELDS = ["activity", "support", "cofunding_money", "hours", "hourly_rate"]
WORK_PACKAGE_FIELDS = [
    "number",
    "title",
    "lead",
    "goal",
    "deliverables",
    "start_month",
    "end_month",
]


def _editable(application: Application) -> None:
    if not application.is_editable:
        raise ValidationError(_("The application has been submitted; it can no longer be changed."))


def _changed(*, actor, application: Application) -> None:
    """An application marked ready goes back to draft when it changes (check it again)."""
    if application.status == ApplicationStatus.READY:
        _status_set(actor=actor, application=application, status=ApplicationStatus.DRAFT)


def _status_set(*, actor, application: Application, status: str, **values) -> Application:
    return model_save_audited(
        actor=actor,
        obj=application,
        data={"status": status, **values},
        fields=["status", *values],
        organisation=application.coordinator,
    )


def _dates_checked(call: Call, data: Mapping[str, Any]) -> None:
    """Refuse project dates outside the call's window, at the field."""
    errors = {}
    start, end = data.get("project_start"), data.get("project_end")
    if start and call.project_start_earliest and start < call.project_start_earliest:
        errors["project_start"] = _("The call's projects start on %(date)s at the earliest.") % {
            "date": call.project_start_earliest.isoformat()
        }
    if end and call.project_end_latest and end > call.project_end_latest:
        errors["project_end"] = _("The call's projects end on %(date)s at the latest.") % {
            "date": call.project_end_latest.isoformat()
        }
    if start and end and end < start:
        errors["project_end"] = _("The project cannot end before it starts.")
    if errors:
        raise ValidationError(errors)


def _projects_set(*, application: Application, projects) -> None:
    if projects is None:
        return
    foreign = [p for p in projects if p.owner_id not in _party_organisation_ids(application)]
    if foreign:
        raise ValidationError({"projects": _("Link only projects of the application's parties.")})
    application.projects.set(projects)


def _party_organisation_ids(application: Application) -> set[int]:
    return set(application.parties.values_list("organisation_id", flat=True))


@transaction.atomic
def application_create(
    *,
    actor,
    call: Call,
    coordinator: Organisation,
    data: Mapping[str, Any],
    projects: Sequence[Any] = (),
    is_demo: bool = False,
) -> Application:
    """Start a joint application for a call, coordinated by `coordinator` (its first party)."""
    access.require(
        actor,
        "funding.applicant.apply",
        coordinator,
        _("Only the organisation's administrators and editors may start its applications."),
    )
    access.require(actor, "funding.call.view", call)
    _dates_checked(call, data)
    application = Application(
        call=call, coordinator=coordinator, created_by=_person(actor), is_demo=is_demo
    )
    application = model_save_audited(
        actor=actor,
        obj=application,
        data=data,
        fields=APPLICATION_FIELDS,
        organisation=coordinator,
    )
    party = Party(
        application=application,
        organisation=coordinator,
        role=PartyRole.COORDINATOR,
        invitation=Invitation.ACCEPTED,
        responded_at=timezone.now(),
    )
    model_save_audited(
        actor=actor,
        obj=party,
        data={},
        fields=["organisation", "role", "invitation"],
        organisation=coordinator,
    )
    _projects_set(application=application, projects=list(projects))
    return application


@transaction.atomic
def application_update(
    *,
    actor,
    application: Application,
    data: Mapping[str, Any],
    coordinator: Organisation | None = None,
    projects: Sequence[Any] | None = None,
) -> Application:
    """Change the application's title, summary, dates, linked projects or coordinator.

    A new coordinator must already be a party: it takes the role coordinator and the
    former coordinator becomes an ordinary party.
    """
    access.require(
        actor,
        "funding.application.edit",
        application,
        _("Only the coordinator's administrators and editors may change the application."),
    )
    _editable(application)
    merged = {name: data.get(name, getattr(application, name)) for name in APPLICATION_FIELDS}
    _dates_checked(application.call, merged)
    if coordinator is not None and coordinator.pk != application.coordinator_id:
        new = application.parties.filter(organisation=coordinator).first()
        if new is None or new.invitation != Invitation.ACCEPTED:
            raise ValidationError(
                {"coordinator": _("The coordinator must be a party that has accepted.")}
            )
        old = application.parties.get(role=PartyRole.COORDINATOR)
        model_save_audited(actor=actor, obj=old, data={"role": PartyRole.PARTY}, fields=["role"])
        model_save_audited(
            actor=actor, obj=new, data={"role": PartyRole.COORDINATOR}, fields=["role"]
        )
        data = {**data, "coordinator": coordinator}
    application = model_save_audited(
        actor=actor,
        obj=application,
        data=data,
        fields=[*APPLICATION_FIELDS, "coordinator"],
        organisation=application.coordinator,
    )
    _projects_set(application=application, projects=projects)
    _changed(actor=actor, application=application)
    return application


@transaction.atomic
def party_add(
    *,
    actor,
    application: Application,
    organisation: Organisation,
    role: str,
    email: str = "",
    invite: bool = True,
) -> Party:
    """Add an organisation as a party and, when the transaction commits, e-mail the
    invitation to `email` (else to the organisation's administrators and editors)."""
    access.require(
        actor,
        "funding.application.edit",
        application,
        _("Only the coordinator's administrators and editors may add parties."),
    )
    _editable(application)
    if role == PartyRole.COORDINATOR:
        raise ValidationError(
            {"role": _("The application has its coordinator; change it in the application.")}
        )
    if application.parties.filter(organisation=organisation).exists():
        raise ValidationError(
            {
                "organisation": _("%(name)s is already a party.")
                % {"name": organisation.display_name}
            }
        )
    party = model_save_audited(
        actor=actor,
        obj=Party(application=application, organisation=organisation),
        data={"role": role, "invited_email": email.strip()},
        fields=["organisation", "role", "invited_email"],
        organisation=application.coordinator,
    )
    if invite:
        transaction.on_commit(lambda: send_party_invitation.enqueue(party.pk))
    _changed(actor=actor, application=application)
    return party


@transaction.atomic
def party_update(*, actor, party: Party, role: str) -> Party:
    """Change a party's role (not to or from coordinator: change the coordinator instead)."""
    application = party.application
    access.require(actor, "funding.application.edit", application)
    _editable(application)
    if PartyRole.COORDINATOR in (role, party.role):
        raise ValidationError({"role": _("Change the coordinator in the application itself.")})
    party = model_save_audited(
        actor=actor,
        obj=party,
        data={"role": role},
        fields=["role"],
        organisation=application.coordinator,
    )
    _changed(actor=actor, application=application)
    return party


@transaction.atomic
def party_remove(*, actor, party: Party) -> None:
    """Remove a party with its budget and attachments (never the coordinator, nor the lead
    of a work package)."""
    application = party.application
    access.require(actor, "funding.application.edit", application)
    _editable(application)
    if party.role == PartyRole.COORDINATOR:
        raise ValidationError(_("The coordinator cannot be removed."))
    if party.led_packages.exists():
        raise ValidationError(_("The party leads a work package: give it another lead first."))
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=party,
        organisation=application.coordinator,
        before=snapshot(party, ["organisation", "role", "invitation"]),
    )
    party.delete()
    _changed(actor=actor, application=application)


@transaction.atomic
def party_respond(*, actor, party: Party, accept: bool) -> Party:
    """Accept or decline an invitation on behalf of the party's organisation."""
    access.require(
        actor,
        "funding.party.respond",
        party,
        _("Only the party's administrators and editors may answer the invitation."),
    )
    _editable(party.application)
    if party.role == PartyRole.COORDINATOR:
        raise ValidationError(_("The coordinator does not answer its own invitation."))
    party = model_save_audited(
        actor=actor,
        obj=party,
        data={
            "invitation": Invitation.ACCEPTED if accept else Invitation.DECLINED,
            "responded_at": timezone.now(),
        },
        fields=["invitation", "responded_at"],
        organisation=party.organisation,
    )
    _changed(actor=actor, application=party.application)
    return party


def _lead_checked(application: Application, lead: Party | None, parties) -> None:
    if lead is not None and lead.application_id != application.pk:
        raise ValidationError({"lead": _("The lead must be a party of the application.")})
    if any(party.application_id != application.pk for party in parties):
        raise ValidationError({"parties": _("Choose parties of the application.")})


@transaction.atomic
def work_package_save(
    *,
    actor,
    application: Application,
    data: Mapping[str, Any],
    parties: Sequence[Party] = (),
    work_package: WorkPackage | None = None,
) -> WorkPackage:
    """Create (or change) a work package with its lead and parties."""
    access.require(
        actor,
        "funding.application.edit",
        application,
        _("Only the coordinator's administrators and editors may write work packages."),
    )
    _editable(application)
    _lead_checked(application, data.get("lead"), parties)
    if work_package is None:
        work_package = WorkPackage(application=application)
        if "number" not in data:
            data = {**data, "number": application.work_packages.count() + 1}
    try:
        work_package = model_save_audited(
            actor=actor,
            obj=work_package,
            data=data,
            fields=WORK_PACKAGE_FIELDS,
            organisation=application.coordinator,
        )
    except ValidationError as exc:
        # The uniqueness of the number is reported at its field.
        if hasattr(exc, "error_dict") and NON_FIELD_ERRORS in exc.error_dict:
            raise ValidationError({"number": exc.error_dict[NON_FIELD_ERRORS]}) from None
        raise
    work_package.parties.set(parties)
    _changed(actor=actor, application=application)
    return work_package


def _party_edit(actor, party: Party) -> None:
    access.require(
        actor,
        "funding.party.edit",
        party,
        _(
            "Only the party's own editors (once it has accepted) and the coordinator's "
            "may change the party's budget and attachments."
        ),
    )
    _editable(party.application)


@transaction.atomic
def budget_line_save(
    *,
    actor,
    party: Party,
    data: Mapping[str, Any],
    line: BudgetLine | None = None,
) -> BudgetLine:
    """Add a line to a party's budget, or change one of its lines."""
    _party_edit(actor, party)
    if line is not None and line.party_id != party.pk:
        raise ValidationError(_("The line belongs to another party."))
    line = model_save_audited(
        actor=actor,
        obj=line or BudgetLine(party=party),
        data=data,
        fields=LINE_FIELDS,
        organisation=party.organisation,
    )
    _changed(actor=actor, application=party.application)
    return line


@transaction.atomic
def budget_line_delete(*, actor, line: BudgetLine) -> None:
    party = line.party
    _party_edit(actor, party)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=line,
        organisation=party.organisation,
        before=snapshot(line, LINE_FIELDS),
    )
    line.delete()
    _changed(actor=actor, application=party.application)


def _application_attachment_snapshot(attachment: ApplicationAttachment) -> dict[str, Any]:
    return {
        "name": attachment.name,
        "type": attachment.type,
        "signed_by": attachment.signed_by,
        "signer_role": attachment.signer_role,
        "kind": attachment.kind,
        "size": attachment.size,
        "stored_as": attachment.file.name,
    }


@transaction.atomic
def application_attachment_add(
    *,
    actor,
    party: Party,
    file: File,
    type: str,
    signed_by: str = "",
    signer_role: str = "",
    name: str = "",
) -> ApplicationAttachment:
    """Attach a file to a party's part of the application after checking its size and its
    type by content (as a project's attachments are); a support letter says who signed it
    and in what role. A stored file whose row fails is deleted again."""
    _party_edit(actor, party)
    name = name or file.name or ""
    file_type = upload_checked(file, name, limit=settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES)
    attachment = ApplicationAttachment(
        party=party,
        type=type,
        signed_by=signed_by.strip(),
        signer_role=signer_role,
        name=safe_file_name(name, file_type, fallback=_("attachment")),
        kind=file_type.key,
        content_type=file_type.content_type,
        size=file.size,
        uploaded_by=_person(actor),
    )
    attachment.full_clean(exclude=["file"])

    def save() -> None:
        attachment.full_clean()
        attachment.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=attachment,
            organisation=party.organisation,
            object_repr=f"{party.application}: {attachment.name}",
            after=_application_attachment_snapshot(attachment),
        )

    # Before the file is stored: nothing that could fail comes after it (see upload_store).
    _changed(actor=actor, application=party.application)
    upload_store(attachment, file, save)
    return attachment


@transaction.atomic
def application_attachment_delete(*, actor, attachment: ApplicationAttachment) -> None:
    """Delete an attachment; its stored file goes when the deletion is committed."""
    party = attachment.party
    _party_edit(actor, party)
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=attachment,
        organisation=party.organisation,
        object_repr=f"{party.application}: {attachment.name}",
        before=_application_attachment_snapshot(attachment),
    )
    attachment.delete()
    _changed(actor=actor, application=party.application)


def _rules_passed(application: Application, on=None) -> None:
    """Raise a ValidationError listing every rule that does not pass (with its reason)."""
    page = selectors.application_page(application)
    outcomes = selectors.application_evaluate(page, submission_date=on)
    problems = [f"{outcome.label}: {outcome.reason}" for outcome in outcomes if not outcome.passed]
    if problems:
        raise ValidationError(
            [_("The application is not ready: not every rule of the call passes.")] + problems
        )


@transaction.atomic
def application_mark_ready(
    *, actor, application: Application, on: datetime.date | None = None
) -> Application:
    """Mark the application ready to submit: only when every rule of the call passes for a
    submission on `on` (today by default)."""
    access.require(
        actor,
        "funding.application.edit",
        application,
        _("Only the coordinator's administrators and editors may mark it ready."),
    )
    if application.status != ApplicationStatus.DRAFT:
        raise ValidationError(_("Only a draft can be marked ready to submit."))
    _rules_passed(application, on)
    return _status_set(actor=actor, application=application, status=ApplicationStatus.READY)


@transaction.atomic
def application_reopen(*, actor, application: Application) -> Application:
    """Take an application that was marked ready back to draft."""
    access.require(actor, "funding.application.edit", application)
    if application.status != ApplicationStatus.READY:
        raise ValidationError(_("Only an application marked ready can go back to draft."))
    return _status_set(actor=actor, application=application, status=ApplicationStatus.DRAFT)


@transaction.atomic
def application_submit(
    *, actor, application: Application, on: datetime.date | None = None
) -> Application:
    """Record that the application was submitted to the funder (on `on`, today by default);
    the rules are checked again for that day."""
    access.require(
        actor,
        "funding.application.edit",
        application,
        _("Only the coordinator's administrators and editors may submit it."),
    )
    if application.status != ApplicationStatus.READY:
        raise ValidationError(_("Mark the application ready to submit first."))
    on = on or timezone.localdate()
    _rules_passed(application, on)
    return _status_set(
        actor=actor,
        application=application,
        status=ApplicationStatus.SUBMITTED,
        submitted_on=on,
    )


@transaction.atomic
def application_decide(
    *,
    actor,
    application: Application,
    granted: bool,
    decision: str = "",
    on: datetime.date | None = None,
) -> Application:
    """Record the funder's decision on a submitted application."""
    access.require(
        actor,
        "funding.application.edit",
        application,
        _("Only the coordinator's administrators and editors may record the decision."),
    )
    if application.status != ApplicationStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted application gets a decision."))
    return _status_set(
        actor=actor,
        application=application,
        status=ApplicationStatus.GRANTED if granted else ApplicationStatus.REJECTED,
        decision=decision.strip(),
        decided_on=on or timezone.localdate(),
    )
