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

A regional body may merge similar ideas of several members into one joint project
(`project_merge`): the joint project is a new idea owned by one of the ideas' owners
(the lead municipality, which then runs it, while the body still prepares and
prioritises it as any member's idea), the other owners take part in it, and each
original idea stays, with its timeline, as "merged" and links to the joint project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core import access
from kraftsamla.core.audit import audit_record, snapshot
from kraftsamla.core.limits import NOTE_MAX
from kraftsamla.core.models import AuditAction, SharingLevel
from kraftsamla.core.services import model_save_audited
from kraftsamla.organisations.models import EmissionSector, Organisation
from kraftsamla.projects.models import (
    FundingSource,
    Participation,
    ParticipationRole,
    Project,
    ProjectEvent,
    ProjectStatus,
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
# Statuses whose results another organisation may replicate.
REPLICABLE = frozenset({ProjectStatus.COMPLETED, ProjectStatus.REPLICATED})
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
    *, actor, project: Project, from_status: str, reason: str = "", next_step: str = ""
) -> ProjectEvent:
    person = _person(actor)
    event = ProjectEvent(
        project=project,
        actor=person,
        # The name only: the timeline of a public project is public, an e-mail address is not.
        actor_label=(person.full_name if person else "system"),
        from_status=from_status,
        to_status=project.status,
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
        after=snapshot(event, ["from_status", "to_status", "reason", "next_step"]),
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
