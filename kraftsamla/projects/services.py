"""Write ideas and projects and move them through their lifecycle.

Every function is atomic, keyword-only, takes the actor (a user, or
kraftsamla.core.access.SYSTEM for loaders), asks the project policies, is audited
and writes a `ProjectEvent` for the timeline when the status changes. A transition
that the current status does not allow raises a ValidationError and saves nothing.

The lifecycle (`TRANSITIONS`): idea → in preparation (the regional body's idea
preparation) → prioritised / parked / declined → running → completed. An owner may
also start its own idea without a regional preparation (a municipality outside any
body, or a project it funds itself). A completed project that another organisation
replicates becomes "replicated": it keeps its results and lessons, and its status
says that at least one later project links back to it as its origin.

The regional body may hold up a completed (or replicated) project that is shared as a
good example, and take that back; both are steps on the timeline.

Attachments: `attachment_add` checks a file by its content (kraftsamla/core/uploads.py),
its size and the project's number of attachments, and stores it under a name of our
own; `attachment_delete` deletes the row, and its file goes on commit (receivers.py).

Another organisation may ask to join a project (`join_request_create`); the owner's
administrators and editors accept it, choosing the role, or decline it with a reason,
and the asking organisation may withdraw it while it waits. Each step is e-mailed
by a task after the commit (kraftsamla/projects/tasks.py), so a mail server that is
down never breaks the request.

The project template (template_data/) is loaded by `project_template_import` (checked
whole first, then written, audited as the actor; the same version again is skipped). A
project's owner instantiates it once as the project's checklist
(`project_checklist_create`) and keeps the items up to date (`checklist_item_update`,
`checklist_items_update` for several at once, all or nothing).

A regional body may merge similar ideas of several members into one joint project
(`project_merge`): the joint project is a new idea owned by one of the ideas' owners
(the lead municipality, which then runs it, while the body still prepares and
prioritises it as any member's idea), the other owners take part in it, and each
original idea stays, with its timeline, as "merged" and links to the joint project.

A body's portfolio: its administrators and editors change its prioritisation criteria
and weights (`portfolio_criteria_update`, all criteria at once) and score the members'
projects 0–4 on each, with a reason (`portfolio_scores_set`); the decisions themselves
(prioritise, park, decline) are the lifecycle services above.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kraftsamla.accounts.models import EmailStatus, OrganisationRole
from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.limits import NOTE_MAX
from kraftsamla.core.models import AuditAction, SharingLevel
from kraftsamla.core.services import model_save_audited, model_upsert_audited
from kraftsamla.core.uploads import safe_file_name, upload_checked, upload_store
from kraftsamla.organisations.models import EmissionSector, Organisation
from kraftsamla.projects import portfolio, selectors
from kraftsamla.projects.models import (
    JOIN_ROLES,
    JOINABLE,
    SCORE_MAX,
    SCORE_MIN,
    WEIGHT_MAX,
    WEIGHT_MIN,
    WITH_RESULTS,
    Checklist,
    ChecklistItem,
    CriterionAxis,
    EventKind,
    FundingSource,
    JoinRequest,
    JoinRequestStatus,
    Participation,
    ParticipationRole,
    PortfolioCriterion,
    PriorityScore,
    Project,
    ProjectAttachment,
    ProjectEvent,
    ProjectStatus,
    ProjectTemplate,
    StepFacts,
    TemplatePhase,
    TemplateStep,
)
from kraftsamla.projects.tasks import send_join_request_email
from kraftsamla.projects.template_file import (
    TEMPLATE_FILE,
    template_checksum,
    template_file_read,
    template_problems,
)

PROJECT_FIELDS = [
    "title",
    "summary",
    "challenge",
    "capitals",
    "collaboration_form",
    "emission_sectors",
    "business_collaboration",
    "contact_name",
    "contact_email",
    "start_date",
    "end_date",
    "budget",
    "sharing_level",
]
# The fields a replication takes over from its origin (the rest is the new owner's).
REPLICATED_FIELDS = [
    "summary",
    "challenge",
    "capitals",
    "collaboration_form",
    "emission_sectors",
    "business_collaboration",
]

# Action -> (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "prepare": (
        frozenset({ProjectStatus.IDEA, ProjectStatus.PARKED}),
        ProjectStatus.IN_PREPARATION,
    ),
    "prioritise": (
        frozenset({ProjectStatus.IN_PREPARATION, ProjectStatus.PARKED}),
        ProjectStatus.PRIORITISED,
    ),
    "park": (
        frozenset({ProjectStatus.IN_PREPARATION, ProjectStatus.PRIORITISED}),
        ProjectStatus.PARKED,
    ),
    "decline": (
        frozenset({ProjectStatus.IN_PREPARATION, ProjectStatus.PARKED}),
        ProjectStatus.DECLINED,
    ),
    "start": (
        frozenset({ProjectStatus.IDEA, ProjectStatus.IN_PREPARATION, ProjectStatus.PRIORITISED}),
        ProjectStatus.RUNNING,
    ),
    "complete": (frozenset({ProjectStatus.RUNNING}), ProjectStatus.COMPLETED),
}
# Statuses whose results another organisation may replicate (and a good example's).
REPLICABLE = frozenset(WITH_RESULTS)
# Statuses of ideas that may be merged into a joint project: not yet running, not declined.
MERGEABLE = frozenset(
    {
        ProjectStatus.IDEA,
        ProjectStatus.IN_PREPARATION,
        ProjectStatus.PRIORITISED,
        ProjectStatus.PARKED,
    }
)
# Sharing levels from the least open; a joint project is shared as its least open idea.
SHARING_ORDER = [SharingLevel.PRIVATE, SharingLevel.REGION, SharingLevel.PUBLIC]


def _person(actor):
    """Return the actor as a user to record; None for the system actor."""
    return actor if getattr(actor, "pk", None) else None


def transitions_from(status: str) -> list[str]:
    """Return the lifecycle actions allowed from `status`, in lifecycle order."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def _event_add(
    *,
    actor,
    project: Project,
    from_status: str,
    reason: str = "",
    next_step: str = "",
    kind: str = EventKind.STATUS,
) -> ProjectEvent:
    person = _person(actor)
    event = ProjectEvent(
        project=project,
        actor=person,
        # The name only: the timeline of a public project is public, an e-mail address is not.
        actor_label=(person.full_name if person else "system"),
        from_status=from_status,
        to_status=project.status,
        kind=kind,
        reason=reason,
        next_step=next_step,
    )
    event.full_clean()
    event.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=event,
        organisation=project.owner,
        after=snapshot(event, ["kind", "from_status", "to_status", "reason", "next_step"]),
    )
    return event


def _funding_set(*, actor, project: Project, sources: Iterable[Mapping[str, Any]] | None) -> None:
    """Replace the project's funding sources; they must not add up to more than the budget."""
    if sources is None:
        return
    sources = list(sources)
    rows = []
    for source in sources:
        row = FundingSource(
            project=project,
            funder_name=source.get("funder_name", ""),
            funder=source.get("funder"),
            amount=source.get("amount"),
        )
        try:
            row.full_clean(exclude=["project"])
        except ValidationError as exc:
            raise ValidationError(
                {
                    "funding_sources": [
                        message for messages in exc.message_dict.values() for message in messages
                    ]
                }
            ) from None
        rows.append(row)
    total = sum((row.amount for row in rows), Decimal(0))
    if rows and project.budget is None:
        raise ValidationError({"budget": _("Give the budget before its funding sources.")})
    if project.budget is not None and total > project.budget:
        raise ValidationError(
            {
                "funding_sources": _(
                    "The funding sources add up to %(total)s SEK, more than the budget of "
                    "%(budget)s SEK."
                )
                % {
                    "total": f"{total:,.0f}".replace(",", " "),
                    "budget": f"{project.budget:,.0f}".replace(",", " "),
                }
            }
        )
    before = [snapshot(row) for row in project.funding_sources.all()]
    project.funding_sources.all().delete()
    FundingSource.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="projects.fundingsource",
        object_repr=str(project)[:300],
        organisation=project.owner,
        before={"sources": before},
        after={"sources": [snapshot(row) for row in rows]},
    )


def _participant_add(*, actor, project: Project, organisation: Organisation, role: str) -> None:
    if project.participations.filter(organisation=organisation).exists():
        return
    participation = Participation(project=project, organisation=organisation, role=role)
    participation.full_clean()
    participation.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=participation,
        organisation=project.owner,
        after=snapshot(participation),
    )


@transaction.atomic
def project_create(
    *,
    actor,
    owner: Organisation,
    data: Mapping[str, Any],
    funding_sources: Iterable[Mapping[str, Any]] | None = None,
    origin: Project | None = None,
    is_demo: bool = False,
) -> Project:
    """Write a new idea for `owner` (status idea); the owner leads it."""
    access.require(
        actor,
        "projects.organisation.create",
        owner,
        _("Only the organisation's administrators and editors may add ideas."),
    )
    return _project_new(
        actor=actor,
        owner=owner,
        data=data,
        funding_sources=funding_sources,
        origin=origin,
        is_demo=is_demo,
    )


def _project_new(
    *,
    actor,
    owner: Organisation,
    data: Mapping[str, Any],
    funding_sources: Iterable[Mapping[str, Any]] | None = None,
    origin: Project | None = None,
    is_demo: bool = False,
    reason: str = "",
) -> Project:
    """Write a new idea led by `owner` (the caller has asked the policy)."""
    project = Project(
        owner=owner,
        status=ProjectStatus.IDEA,
        origin=origin,
        created_by=_person(actor),
        is_demo=is_demo,
    )
    project = model_save_audited(
        actor=actor, obj=project, data=data, fields=PROJECT_FIELDS, organisation=owner
    )
    _funding_set(actor=actor, project=project, sources=funding_sources)
    _participant_add(actor=actor, project=project, organisation=owner, role=ParticipationRole.LEAD)
    _event_add(actor=actor, project=project, from_status="", reason=reason)
    return project


@transaction.atomic
def project_update(
    *,
    actor,
    project: Project,
    data: Mapping[str, Any],
    funding_sources: Iterable[Mapping[str, Any]] | None = None,
) -> Project:
    """Change a project's facts (not its status: that is what the lifecycle services do)."""
    access.require(
        actor,
        "projects.project.edit",
        project,
        _("Only the owner's administrators and editors may edit the project."),
    )
    project = model_save_audited(
        actor=actor, obj=project, data=data, fields=PROJECT_FIELDS, organisation=project.owner
    )
    _funding_set(actor=actor, project=project, sources=funding_sources)
    return project


def _transition(
    *,
    actor,
    project: Project,
    action: str,
    reason: str = "",
    next_step: str = "",
    data: Mapping[str, Any] | None = None,
    denied: str,
) -> Project:
    access.require(actor, f"projects.project.{action}", project, denied)
    sources, target = TRANSITIONS[action]
    # Read the status under a lock, so two decisions at once cannot both pass the check.
    current = (
        Project.objects.select_for_update().values_list("status", flat=True).get(pk=project.pk)
    )
    if current not in sources:
        raise ValidationError(
            _("A project that is “%(current)s” cannot become “%(target)s”.")
            % {
                "current": ProjectStatus(current).label,
                "target": ProjectStatus(target).label,
            }
        )
    project.status = current
    model_save_audited(
        actor=actor,
        obj=project,
        data={**(data or {}), "status": target},
        fields=["status", *(data or {})],
        organisation=project.owner,
    )
    _event_add(
        actor=actor, project=project, from_status=current, reason=reason, next_step=next_step
    )
    return project


def _required(**texts: str) -> None:
    missing = {
        name: _("This field is required.") for name, text in texts.items() if not text.strip()
    }
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def project_prepare(
    *,
    actor,
    project: Project,
    reason: str,
    next_step: str,
    participants: Iterable[Organisation] = (),
) -> Project:
    """Take an idea into the regional body's preparation: why, who takes part, what next."""
    access.require(
        actor, "projects.project.prepare", project, _("Only the regional body may decide this.")
    )
    _required(reason=reason, next_step=next_step)
    project = _transition(
        actor=actor,
        project=project,
        action="prepare",
        reason=reason,
        next_step=next_step,
        denied=_("Only the regional body may decide this."),
    )
    for organisation in participants:
        if organisation.pk != project.owner_id:
            _participant_add(
                actor=actor,
                project=project,
                organisation=organisation,
                role=ParticipationRole.PARTICIPANT,
            )
    return project


def _decision(*, actor, project: Project, action: str, reason: str) -> Project:
    access.require(
        actor,
        f"projects.project.{action}",
        project,
        _("Only the regional body may decide this."),
    )
    _required(reason=reason)
    return _transition(
        actor=actor,
        project=project,
        action=action,
        reason=reason,
        denied=_("Only the regional body may decide this."),
    )


@transaction.atomic
def project_prioritise(*, actor, project: Project, reason: str) -> Project:
    """Prioritise a prepared (or parked) idea, with the reason."""
    return _decision(actor=actor, project=project, action="prioritise", reason=reason)


@transaction.atomic
def project_park(*, actor, project: Project, reason: str) -> Project:
    """Park a prepared or prioritised idea for later, with the reason."""
    return _decision(actor=actor, project=project, action="park", reason=reason)


@transaction.atomic
def project_decline(*, actor, project: Project, reason: str) -> Project:
    """Decline a prepared or parked idea, with the reason."""
    return _decision(actor=actor, project=project, action="decline", reason=reason)


@transaction.atomic
def project_start(*, actor, project: Project, reason: str = "") -> Project:
    """Start the project (it is running)."""
    return _transition(
        actor=actor,
        project=project,
        action="start",
        reason=reason,
        denied=_("Only the owner's administrators and editors may start the project."),
    )


@transaction.atomic
def project_complete(
    *, actor, project: Project, results: str, lessons: str, reusable: str
) -> Project:
    """Complete a running project with its results, lessons and what others can reuse."""
    access.require(
        actor,
        "projects.project.complete",
        project,
        _("Only the owner's administrators and editors may complete the project."),
    )
    _required(results=results, lessons=lessons, reusable=reusable)
    return _transition(
        actor=actor,
        project=project,
        action="complete",
        data={"results": results, "lessons": lessons, "reusable": reusable},
        denied=_("Only the owner's administrators and editors may complete the project."),
    )


@transaction.atomic
def project_replicate(
    *,
    actor,
    origin: Project,
    owner: Organisation,
    data: Mapping[str, Any] | None = None,
    is_demo: bool = False,
) -> Project:
    """Start a new idea for `owner` that replicates a completed project of another
    organisation; the origin becomes (or stays) "replicated"."""
    access.require(actor, "projects.project.replicate", origin)
    if owner.pk == origin.owner_id:
        raise ValidationError(_("A project is replicated by another organisation."))
    if origin.status not in REPLICABLE:
        raise ValidationError(_("Only a completed project can be replicated."))
    values = {name: getattr(origin, name) for name in REPLICATED_FIELDS}
    values.update({"title": origin.title, **(data or {})})
    replica = project_create(actor=actor, owner=owner, data=values, origin=origin, is_demo=is_demo)
    if origin.status == ProjectStatus.COMPLETED:
        from_status = origin.status
        model_save_audited(
            actor=actor,
            obj=origin,
            data={"status": ProjectStatus.REPLICATED},
            fields=["status"],
            organisation=origin.owner,
        )
        _event_add(
            actor=actor,
            project=origin,
            from_status=from_status,
            reason=_("Replicated by %(organisation)s.") % {"organisation": owner.name},
        )
    return replica


@transaction.atomic
def participation_add(*, actor, project: Project, organisation: Organisation, role: str) -> Project:
    """Add an organisation to the project with a role (the owner's editors decide)."""
    access.require(
        actor,
        "projects.project.edit",
        project,
        _("Only the owner's administrators and editors may edit the project."),
    )
    if role not in ParticipationRole.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    _participant_add(actor=actor, project=project, organisation=organisation, role=role)
    return project


# --- Requests to join a project ------------------------------------------------------------

JOIN_REQUEST_FIELDS = ["project", "organisation", "message", "status", "role", "reason"]


def _join_notice(join_request: JoinRequest, notice: str, link: str) -> None:
    """Queue the e-mail about `join_request` once the transaction has committed.

    Demo requests e-mail nobody. `robust`: a queue that cannot be reached is logged and
    never turns the saved request into an error page.
    """
    if join_request.is_demo:
        return
    pk = join_request.pk
    link = link or getattr(settings, "SITE_URL", "") + join_request.project.get_absolute_url()
    transaction.on_commit(lambda: send_join_request_email.enqueue(pk, notice, link), robust=True)


@transaction.atomic
def join_request_create(
    *,
    actor,
    project: Project,
    organisation: Organisation,
    message: str = "",
    link: str = "",
    is_demo: bool = False,
) -> JoinRequest:
    """Ask, for `organisation`, to join `project`, and e-mail the owner's administrators.

    A project the actor may not see answers Http404, exactly as a missing one does.
    `link` is the project page's absolute address for the e-mail.
    """
    if not access.allows(actor, "projects.project.view", project):
        raise Http404
    access.require(
        actor,
        "projects.project.request_join",
        project,
        _("Only administrators and editors of another organisation may ask to join."),
    )
    access.require(
        actor,
        "projects.organisation.request_join",
        organisation,
        _("Only the organisation's administrators and editors may ask on its behalf."),
    )
    # Lock the project, so that two requests (or a request and an answer) never cross.
    status = Project.objects.select_for_update().values_list("status", flat=True).get(pk=project.pk)
    if organisation.pk == project.owner_id:
        raise ValidationError({"organisation": _("The organisation owns the project.")})
    if status not in JOINABLE:
        raise ValidationError(
            _("A project that is “%(status)s” takes no new participants.")
            % {"status": ProjectStatus(status).label}
        )
    if project.participations.filter(organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("The organisation already takes part in the project.")}
        )
    waiting = _(
        "The organisation has already asked to join the project; the answer is still to come."
    )
    if JoinRequest.objects.filter(
        project=project, organisation=organisation, status=JoinRequestStatus.PENDING
    ).exists():
        raise ValidationError({"organisation": waiting})
    join_request = JoinRequest(
        project=project,
        organisation=organisation,
        requested_by=_person(actor),
        message=message.strip(),
        is_demo=is_demo,
    )
    join_request.full_clean()
    try:
        with transaction.atomic():
            join_request.save()
    except IntegrityError as exc:
        # Another request for the same organisation was saved in the meantime.
        raise ValidationError({"organisation": waiting}) from exc
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=join_request,
        organisation=project.owner,
        after=snapshot(join_request, JOIN_REQUEST_FIELDS),
    )
    _join_notice(join_request, "created", link)
    return join_request


def _join_request_pending(join_request: JoinRequest) -> JoinRequest:
    """Read the request again under a lock; refuse it unless it still waits for an answer."""
    current = (
        JoinRequest.objects.select_for_update()
        .select_related("project__owner", "organisation")
        .get(pk=join_request.pk)
    )
    if not current.is_pending:
        raise ValidationError(
            _("The request is already “%(status)s”.")
            % {"status": JoinRequestStatus(current.status).label}
        )
    return current


def _join_request_close(
    *,
    actor,
    join_request: JoinRequest,
    status: str,
    role: str = "",
    reason: str = "",
    notice: bool = True,
) -> JoinRequest:
    fields = ["status", "role", "reason"]
    before = snapshot(join_request, fields)
    join_request.status = status
    join_request.role = role
    join_request.reason = reason
    join_request.decided_by = _person(actor)
    join_request.decided_at = timezone.now()
    if notice:
        # The e-mail fields now follow the answer's e-mail, which is yet to be sent.
        join_request.email_status = EmailStatus.PENDING
        join_request.email_attempts = 0
        join_request.email_error = ""
    join_request.full_clean()
    join_request.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=join_request,
        organisation=join_request.project.owner,
        before=before,
        after=snapshot(join_request, fields),
    )
    return join_request


@transaction.atomic
def join_request_accept(
    *, actor, join_request: JoinRequest, role: str, link: str = ""
) -> JoinRequest:
    """Accept a waiting request: the organisation takes part with `role` (participant or
    partner), and the person who asked is e-mailed."""
    access.require(
        actor,
        "projects.joinrequest.decide",
        join_request,
        _("Only the owner's administrators and editors may answer a request to join."),
    )
    if role not in JOIN_ROLES:
        raise ValidationError({"role": _("Choose participant or partner.")})
    join_request = _join_request_pending(join_request)
    project = join_request.project
    if project.participations.filter(organisation=join_request.organisation).exists():
        raise ValidationError(_("The organisation already takes part in the project."))
    _join_request_close(
        actor=actor, join_request=join_request, status=JoinRequestStatus.ACCEPTED, role=role
    )
    participation_add(
        actor=actor, project=project, organisation=join_request.organisation, role=role
    )
    _join_notice(join_request, "accepted", link)
    return join_request


@transaction.atomic
def join_request_decline(
    *, actor, join_request: JoinRequest, reason: str, link: str = ""
) -> JoinRequest:
    """Decline a waiting request with the reason, which the person who asked is e-mailed."""
    access.require(
        actor,
        "projects.joinrequest.decide",
        join_request,
        _("Only the owner's administrators and editors may answer a request to join."),
    )
    _required(reason=reason)
    join_request = _join_request_pending(join_request)
    _join_request_close(
        actor=actor,
        join_request=join_request,
        status=JoinRequestStatus.DECLINED,
        reason=reason.strip(),
    )
    _join_notice(join_request, "declined", link)
    return join_request


@transaction.atomic
def join_request_withdraw(*, actor, join_request: JoinRequest) -> JoinRequest:
    """Take back a request that still waits for an answer (nobody is e-mailed)."""
    access.require(
        actor,
        "projects.joinrequest.withdraw",
        join_request,
        _("Only the asking organisation's administrators and editors may withdraw the request."),
    )
    join_request = _join_request_pending(join_request)
    return _join_request_close(
        actor=actor, join_request=join_request, status=JoinRequestStatus.WITHDRAWN, notice=False
    )


# --- Good examples -----------------------------------------------------------------------

GOOD_EXAMPLE_DENIED = gettext_noop("Only the regional body may choose good examples.")


def _locked(project: Project) -> Project:
    """Read the project's status, sharing and good-example mark under a lock onto `project`,
    so two decisions at once cannot both pass their checks."""
    status, sharing_level, since = (
        Project.objects.select_for_update()
        .values_list("status", "sharing_level", "good_example_since")
        .get(pk=project.pk)
    )
    project.status, project.sharing_level, project.good_example_since = status, sharing_level, since
    return project


def _good_example_set(*, actor, project: Project, reason: str, marked: bool) -> Project:
    since = timezone.now() if marked else None
    model_save_audited(
        actor=actor,
        obj=project,
        data={"good_example_since": since, "good_example_reason": reason if marked else ""},
        fields=["good_example_since", "good_example_reason"],
        organisation=project.owner,
    )
    _event_add(
        actor=actor,
        project=project,
        from_status=project.status,
        reason=reason,
        kind=EventKind.GOOD_EXAMPLE if marked else EventKind.GOOD_EXAMPLE_REMOVED,
    )
    return project


@transaction.atomic
def project_mark_good_example(*, actor, project: Project, reason: str) -> Project:
    """Hold up a completed (or replicated) project that its owner shares as a good example,
    saying why; the step goes on the project's timeline."""
    access.require(actor, "projects.project.mark_good_example", project, _(GOOD_EXAMPLE_DENIED))
    _required(reason=reason)
    project = _locked(project)
    if project.status not in REPLICABLE:
        raise ValidationError(_("Only a completed project can be a good example."))
    if project.sharing_level == SharingLevel.PRIVATE:
        raise ValidationError(
            _("A private project cannot be a good example: its owner would have to share it.")
        )
    if project.is_good_example:
        raise ValidationError(_("The project is already a good example."))
    return _good_example_set(actor=actor, project=project, reason=reason, marked=True)


@transaction.atomic
def project_unmark_good_example(*, actor, project: Project, reason: str = "") -> Project:
    """Take back that the project is a good example (why is optional); on the timeline too."""
    access.require(actor, "projects.project.unmark_good_example", project, _(GOOD_EXAMPLE_DENIED))
    project = _locked(project)
    if not project.is_good_example:
        raise ValidationError(_("The project is not a good example."))
    return _good_example_set(actor=actor, project=project, reason=reason, marked=False)


# --- Attachments -------------------------------------------------------------------------


def _attachment_snapshot(attachment: ProjectAttachment) -> dict[str, Any]:
    return {
        "name": attachment.name,
        "kind": attachment.kind,
        "size": attachment.size,
        "stored_as": attachment.file.name,
    }


@transaction.atomic
def attachment_add(*, actor, project: Project, file: File, name: str = "") -> ProjectAttachment:
    """Attach a file to the project after checking its size, its type (by content, and its
    name's extension must agree) and the project's number of attachments.

    The file is stored under a name of our own (`attachment_path`); the sender's name
    (`name`, else the file's), made safe, is kept for display. When saving the row
    fails after the file was stored, the file is deleted again before the error goes on.
    (Django has no hook for the rollback of an enclosing transaction: callers write
    nothing after this in their own transaction that could still fail; the page's
    `form_submission_once` only marks its token.)
    """
    access.require(
        actor,
        "projects.project.attach",
        project,
        _("Only the owner's administrators and editors may attach files."),
    )
    name = name or file.name or ""
    file_type = upload_checked(file, name, limit=settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES)
    # Under a lock on the project, so two uploads at once cannot both pass the count.
    Project.objects.select_for_update().filter(pk=project.pk).exists()
    most = settings.KRAFTSAMLA_ATTACHMENTS_PER_PROJECT
    if ProjectAttachment.objects.filter(project=project).count() >= most:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("A project can have at most %(count)s attachments. Delete one first.")
                    % {"count": most},
                    code="too_many",
                )
            }
        )
    attachment = ProjectAttachment(
        project=project,
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
            organisation=project.owner,
            object_repr=f"{project}: {attachment.name}",
            after=_attachment_snapshot(attachment),
        )

    upload_store(attachment, file, save)
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment: ProjectAttachment) -> None:
    """Delete an attachment; its stored file is deleted when the deletion is committed."""
    project = attachment.project
    access.require(
        actor,
        "projects.project.attach",
        project,
        _("Only the owner's administrators and editors may delete attachments."),
    )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=attachment,
        organisation=project.owner,
        object_repr=f"{project}: {attachment.name}",
        before=_attachment_snapshot(attachment),
    )
    attachment.delete()


# --- The project template ------------------------------------------------------------------


@transaction.atomic
def project_template_import(*, actor, data: Mapping[str, Any]) -> tuple[ProjectTemplate, bool]:
    """Create a template version from the JSON structure in template_data/.

    Return (template, created). The whole structure is checked first: a ValidationError
    lists every problem with where it is, and nothing is written. A version already
    loaded with the same content is returned as it is (created False); with other
    content it is refused, since checklists may already use it.
    """
    access.require(
        actor,
        "projects.template.change",
        None,
        _("Only platform staff may change the project template."),
    )
    problems = template_problems(data)
    if problems:
        raise ValidationError(problems)
    checksum = template_checksum(data)
    existing = ProjectTemplate.objects.filter(version=data["version"]).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise ValidationError(
                _(
                    "Version %(version)s is already loaded with other content: give the "
                    "changed file a new version."
                )
                % {"version": existing.version}
            )
        return existing, False
    template = ProjectTemplate(
        version=data["version"],
        title=data["title"],
        introduction=data.get("introduction") or {},
        source=data["source"],
        roles=data["roles"],
        is_published=data.get("published", True),
        checksum=checksum,
    )
    template.full_clean()
    template.save()
    steps = [
        TemplateStep(
            template=template,
            key=step["key"],
            phase=step["phase"],
            order=order,
            role=step["role"],
            involves=list(step.get("involves", [])),
            title=step["title"],
            guidance=step["guidance"],
        )
        for order, step in enumerate(data["steps"], start=1)
    ]
    for step in steps:
        step.full_clean(exclude=["template"], validate_unique=False)
    TemplateStep.objects.bulk_create(steps)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=template,
        after={
            "version": template.version,
            "published": template.is_published,
            "roles": len(template.roles),
            "steps": len(steps),
        },
    )
    return template, True


def project_template_load_file(
    *, actor, path: Path = TEMPLATE_FILE
) -> tuple[ProjectTemplate, bool]:
    """Read a template file and import it (see `project_template_import`); a ValidationError
    names the file and every problem in it."""
    data = template_file_read(path)
    try:
        return project_template_import(actor=actor, data=data)
    except ValidationError as exc:
        raise ValidationError([f"{path.name}: {message}" for message in exc.messages]) from None


# --- A project's checklist -----------------------------------------------------------------


def _plan_required(actor, project: Project) -> None:
    access.require(
        actor,
        "projects.project.plan",
        project,
        _("Only the owner's administrators and editors may plan the project."),
    )


@transaction.atomic
def project_checklist_create(
    *, actor, project: Project, template: ProjectTemplate | None = None
) -> Checklist:
    """Make the project's checklist from a published template (the current one by
    default): one item per step. A project has one checklist; a second is refused."""
    _plan_required(actor, project)
    template = template or selectors.template_current()
    if template is None:
        raise ValidationError(_("No project template is loaded."))
    if not template.is_published:
        raise ValidationError(_("This version of the template is not published."))
    # Lock the project, so two requests at once cannot both make a checklist; the
    # one-to-one column refuses a second one in any case.
    Project.objects.select_for_update().filter(pk=project.pk).exists()
    if Checklist.objects.filter(project=project).exists():
        raise ValidationError(_("The project already has a checklist; change its items instead."))
    checklist = Checklist(project=project, template=template, created_by=_person(actor))
    checklist.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            checklist.save()
    except IntegrityError:
        # Another request made it in the meantime (where the database locks no rows).
        raise ValidationError(
            _("The project already has a checklist; change its items instead.")
        ) from None
    items = [
        ChecklistItem(
            checklist=checklist,
            step=step,
            **{name: getattr(step, name) for name in StepFacts.FIELDS},
        )
        for step in template.steps.order_by("order")
    ]
    ChecklistItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=checklist,
        organisation=project.owner,
        after={"template": template.version, "items": len(items)},
    )
    return checklist


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


# The default of `checklist_item_update`'s values: leave the value as it is.
UNCHANGED: Any = _Unchanged()
ITEM_VALUES = frozenset({"responsible", "responsible_user", "due", "done", "note"})


def _takes_part(user, project: Project) -> bool:
    return OrganisationRole.objects.filter(
        user=user, organisation__project_participations__project=project
    ).exists()


def _due_error(item: ChecklistItem, project: Project, due: datetime.date) -> str | None:
    """Why `due` does not fit the project's dates (None when it does).

    A follow-up step comes after the project by its nature, so only the start bounds it.
    """
    if project.start_date and due < project.start_date:
        return _("The due date must not be before the project starts (%(date)s).") % {
            "date": project.start_date.isoformat()
        }
    if project.end_date and due > project.end_date and item.phase != TemplatePhase.FOLLOW_UP:
        return _("The due date must not be after the project ends (%(date)s).") % {
            "date": project.end_date.isoformat()
        }
    return None


@transaction.atomic
def checklist_item_update(
    *,
    actor,
    item: ChecklistItem,
    responsible: str = UNCHANGED,
    responsible_user=UNCHANGED,
    due: datetime.date | None = UNCHANGED,
    done: bool = UNCHANGED,
    note: str = UNCHANGED,
) -> ChecklistItem:
    """Change one checklist item: who is responsible (a name, or a person of an
    organisation taking part, who is then shown), the due date (within the project's
    dates), whether it is done (recording when and by whom) and a note. Values left out
    stay as they are."""
    project = item.checklist.project
    _plan_required(actor, project)
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if responsible_user is not UNCHANGED:
        if responsible_user is not None and not _takes_part(responsible_user, project):
            errors["responsible_user"] = _(
                "Choose a person of an organisation that takes part in the project."
            )
        data["responsible_user"] = responsible_user
    if responsible is not UNCHANGED:
        data["responsible_name"] = (responsible or "").strip()
    if due is not UNCHANGED:
        message = _due_error(item, project, due) if due is not None else None
        if message:
            errors["due"] = message
        data["due"] = due
    if done is not UNCHANGED and bool(done) != item.done:
        data["done"] = bool(done)
        data["done_at"] = timezone.now() if done else None
        data["done_by"] = _person(actor) if done else None
    if note is not UNCHANGED:
        data["note"] = (note or "").strip()
    if errors:
        raise ValidationError(errors)
    changed = {name: value for name, value in data.items() if getattr(item, name) != value}
    if not changed:
        return item
    return model_save_audited(
        actor=actor,
        obj=item,
        data=changed,
        fields=list(changed),
        organisation=project.owner,
        clean_exclude=["checklist", "step"],
    )


class ChecklistItemErrors(ValidationError):
    """Several checklist items refused at once: `by_item` maps an item's id to its errors."""

    def __init__(self, by_item: Mapping[int, ValidationError]) -> None:
        super().__init__([message for error in by_item.values() for message in error.messages])
        self.by_item = dict(by_item)


@transaction.atomic
def checklist_items_update(
    *,
    actor,
    checklist: Checklist,
    changes: Sequence[tuple[ChecklistItem, Mapping[str, Any]]],
) -> list[ChecklistItem]:
    """Change several items of one checklist (values as for `checklist_item_update`).

    All are saved or none: when any item is refused, ChecklistItemErrors names each
    refused item's errors and nothing is saved.
    """
    _plan_required(actor, checklist.project)
    errors: dict[int, ValidationError] = {}
    saved = []
    for item, values in changes:
        if item.checklist_id != checklist.pk:
            raise ValidationError(_("The item belongs to another checklist."))
        unknown = set(values) - ITEM_VALUES
        if unknown:
            raise TypeError(f"checklist_item_update does not take {sorted(unknown)}")
        try:
            saved.append(checklist_item_update(actor=actor, item=item, **values))
        except ValidationError as exc:
            errors[item.pk] = exc
    if errors:
        raise ChecklistItemErrors(errors)
    return saved


def _in_choice_order(lists: Iterable[list[str]], choices: Iterable[str]) -> list[str]:
    """The union of the lists, in the order of the choices."""
    found = {value for values in lists for value in values}
    return [value for value in choices if value in found]


@transaction.atomic
def project_merge(
    *,
    actor,
    projects: Iterable[Project],
    title: str,
    owner: Organisation,
    summary: str = "",
    challenge: str = "",
) -> Project:
    """Merge similar ideas of several organisations into one new joint project.

    The joint project is a new idea owned by `owner`, one of the ideas' owners (the lead);
    the other owners take part in it. It takes the ideas' capitals and emission sectors,
    their collaboration form when they agree on one, and the sharing level of the least
    open idea. Each idea stays, with the status "merged" and a link to the joint project;
    every timeline records the merge. Only the administrators and editors of a body that
    coordinates every idea's owner may merge (`projects.project.merge`, asked of each idea).
    """
    chosen = list({project.pk: project for project in projects}.values())
    if len(chosen) < 2:
        raise ValidationError({"projects": _("Choose at least two ideas to merge.")})
    denied = _(
        "Only the administrators and editors of a regional body that coordinates the owners "
        "of all the ideas may merge them."
    )
    for project in chosen:
        # An idea the person may not see is refused like one they may not decide on.
        if not access.allows(actor, "projects.project.view", project):
            raise PermissionDenied(denied)
        access.require(actor, "projects.project.merge", project, denied)
    # Read the statuses under a lock, so two merges at once cannot take the same idea.
    current = {
        pk: (status, merged_into_id)
        for pk, status, merged_into_id in Project.objects.select_for_update()
        .filter(pk__in=[project.pk for project in chosen])
        .values_list("pk", "status", "merged_into_id")
    }
    problems = []
    for project in chosen:
        status, merged_into_id = current[project.pk]
        project.status = status
        if status == ProjectStatus.MERGED or merged_into_id is not None:
            problems.append(
                _("“%(title)s” is already merged into a joint project.") % {"title": project.title}
            )
        elif status not in MERGEABLE:
            problems.append(
                _("“%(title)s” is “%(status)s”: only ideas that have not started can be merged.")
                % {"title": project.title, "status": ProjectStatus(status).label}
            )
    if problems:
        raise ValidationError({"projects": problems})
    owner_ids = {project.owner_id for project in chosen}
    if len(owner_ids) < 2:
        raise ValidationError(
            {
                "projects": _(
                    "Choose ideas of at least two organisations: a joint project brings "
                    "several organisations together."
                )
            }
        )
    if owner.pk not in owner_ids:
        raise ValidationError({"owner": _("Choose the owner among the owners of the ideas.")})
    _required(title=title)
    data = {
        "title": title,
        "summary": summary,
        "challenge": challenge,
        "capitals": _in_choice_order((project.capitals for project in chosen), CapitalKey.values),
        "emission_sectors": _in_choice_order(
            (project.emission_sectors for project in chosen), EmissionSector.values
        ),
        "collaboration_form": (
            chosen[0].collaboration_form
            if len({project.collaboration_form for project in chosen}) == 1
            else ""
        ),
        "sharing_level": min(
            (project.sharing_level for project in chosen), key=SHARING_ORDER.index
        ),
    }
    merged_list = "; ".join(f"{project.title} ({project.owner.name})" for project in chosen)
    if len(merged_list) > NOTE_MAX - 100:
        # The timeline note has room for a long list; each idea's own page links to it.
        merged_list = merged_list[: NOTE_MAX - 101] + "…"
    joint = _project_new(
        actor=actor,
        owner=owner,
        data=data,
        is_demo=any(project.is_demo for project in chosen),
        reason=_("Joint project of the merged ideas: %(ideas)s.") % {"ideas": merged_list},
    )
    others = {project.owner_id: project.owner for project in chosen if project.owner_id != owner.pk}
    for organisation in sorted(others.values(), key=lambda organisation: organisation.name):
        _participant_add(
            actor=actor,
            project=joint,
            organisation=organisation,
            role=ParticipationRole.PARTICIPANT,
        )
    reason = _("Merged into the joint project “%(title)s”, led by %(owner)s.") % {
        "title": joint.title,
        "owner": owner.name,
    }
    for project in chosen:
        from_status = project.status
        model_save_audited(
            actor=actor,
            obj=project,
            data={"status": ProjectStatus.MERGED, "merged_into": joint},
            fields=["status", "merged_into"],
            organisation=project.owner,
        )
        _event_add(actor=actor, project=project, from_status=from_status, reason=reason)
    return joint


# --- A body's portfolio: criteria, weights and scores ---------------------------------------


def _whole_number(value, low: int, high: int, message: str) -> int:
    """Return `value` as a whole number within low..high, else raise ValidationError(message)."""
    if isinstance(value, bool):
        raise ValidationError(message)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(message) from None
    if number != value and str(number) != str(value).strip():
        raise ValidationError(message)
    if not low <= number <= high:
        raise ValidationError(message)
    return number


@transaction.atomic
def portfolio_criteria_update(
    *, actor, body: Organisation, criteria: Sequence[Mapping[str, Any]]
) -> list[PortfolioCriterion]:
    """Store the body's prioritisation criteria: for each of the criteria (by key, in the
    order given) its name, what a high score means, its weight (0–10) and its chart axis.

    All or nothing: errors are keyed `<field>_<key>` (e.g. `weight_cost`); at least one
    weight must be above 0. The scores already given stay (the ranking follows the weights).
    """
    access.require(
        actor,
        "projects.portfolio.criteria",
        body,
        _("Only the body's administrators and editors may change its criteria."),
    )
    errors: dict[str, str] = {}
    cleaned = []
    keys = [str(row.get("key", "")) for row in criteria]
    if sorted(keys) != sorted(portfolio.DEFAULT_KEYS):
        raise ValidationError(_("Give every criterion once."))
    weight_message = _("A weight is a whole number from 0 to 10.")
    for order, row in enumerate(criteria):
        key = keys[order]
        name = str(row.get("name") or "").strip()
        description = str(row.get("description") or "").strip()
        axis = str(row.get("axis") or "")
        if not name:
            errors[f"name_{key}"] = _("This field is required.")
        if not description:
            errors[f"description_{key}"] = _("This field is required.")
        if axis not in CriterionAxis.values:
            errors[f"axis_{key}"] = _("Choose an axis from the list.")
        try:
            weight = _whole_number(row.get("weight"), WEIGHT_MIN, WEIGHT_MAX, weight_message)
        except ValidationError as error:
            errors[f"weight_{key}"] = error.messages[0]
            weight = None
        cleaned.append((key, name, description, weight, axis, order))
    if not errors and not any(weight for _key, _n, _d, weight, _a, _o in cleaned):
        errors[f"weight_{keys[0]}"] = _("At least one criterion needs a weight above 0.")
    if errors:
        raise ValidationError(errors)
    return [
        model_upsert_audited(
            actor=actor,
            model=PortfolioCriterion,
            lookup={"body": body, "key": key},
            values={
                "name": name,
                "description": description,
                "weight": weight,
                "axis": axis,
                "order": order,
            },
            organisation=body,
            object_repr=f"{body.name}: {name}",
        )
        for key, name, description, weight, axis, order in cleaned
    ]


@transaction.atomic
def portfolio_scores_set(
    *,
    actor,
    body: Organisation,
    project: Project,
    scores: Mapping[str, tuple[Any, str]],
) -> dict[str, PriorityScore]:
    """Score a project of the body's portfolio: {criterion key: (score 0–4, reason)}.

    A score needs a reason; a criterion given with no score and no reason has its score
    removed (it counts as not scored). Criteria not named are left as they are. All or
    nothing: errors are keyed `score_<key>` and `reason_<key>`. The project must be in the
    body's portfolio as the actor sees it (a member's, shared, visible), else Http404.
    """
    access.require(
        actor,
        "projects.portfolio.score",
        body,
        _("Only the body's administrators and editors may score its projects."),
    )
    # A project outside the portfolio (another body's member's, private, hidden) is missing.
    project = selectors.portfolio_project_get(actor, body, project.pk)
    keys = {criterion.key for criterion in selectors.portfolio_criteria(body)}
    errors: dict[str, str] = {}
    wanted: dict[str, tuple[int | None, str]] = {}
    score_message = _("A score is a whole number from 0 to 4.")
    for key, (score, reason) in scores.items():
        if key not in keys:
            raise ValidationError(_("Score the body's criteria only."))
        reason = (reason or "").strip()
        if score in (None, ""):
            if reason:
                errors[f"score_{key}"] = _("Give a score with the reason, or clear both.")
            wanted[key] = (None, "")
            continue
        try:
            number = _whole_number(score, SCORE_MIN, SCORE_MAX, score_message)
        except ValidationError as error:
            errors[f"score_{key}"] = error.messages[0]
            continue
        if not reason:
            errors[f"reason_{key}"] = _("Give the reason for the score.")
        elif len(reason) > NOTE_MAX:
            errors[f"reason_{key}"] = _("Write at most %(limit)s characters.") % {"limit": NOTE_MAX}
        wanted[key] = (number, reason)
    if errors:
        raise ValidationError(errors)
    existing = {
        row.criterion: row
        for row in PriorityScore.objects.select_for_update().filter(body=body, project=project)
    }
    saved: dict[str, PriorityScore] = {}
    for key, (number, reason) in wanted.items():
        if number is None:
            row = existing.get(key)
            if row is not None:
                audit_record(
                    actor=actor,
                    action=AuditAction.DELETE,
                    obj=row,
                    organisation=body,
                    before=snapshot(row, ["criterion", "score", "reason"]),
                )
                row.delete()
            continue
        current = existing.get(key)
        if current is not None and (current.score, current.reason) == (number, reason):
            saved[key] = current
            continue
        saved[key] = model_upsert_audited(
            actor=actor,
            model=PriorityScore,
            lookup={"body": body, "project": project, "criterion": key},
            values={
                "score": number,
                "reason": reason,
                "scored_by": _person(actor),
                "scored_at": timezone.now(),
            },
            organisation=body,
            object_repr=f"{project.title}: {key}",
        )
    return saved
