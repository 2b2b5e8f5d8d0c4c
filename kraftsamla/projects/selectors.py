"""Read ideas and projects: lists scoped by the project policy, one project's page, similar ideas.

Each list uses a fixed number of queries whatever the number of projects.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.core import access
from kraftsamla.core.caching import cached_value, declare
from kraftsamla.core.similarity import SimilarityIndex
from kraftsamla.organisations.models import COORDINATING_KINDS, Membership, Organisation
from kraftsamla.projects.models import (
    Checklist,
    ChecklistItem,
    Participation,
    Project,
    ProjectEvent,
    ProjectTemplate,
    TemplatePhase,
    TemplateStep,
)

VIEW = "projects.project.view"
# The index of the projects a viewer may see, per data version and sharing scope.
SIMILARITY_INDEX = declare("projects.similarity_index", depends_on=("projects",))
# Words that every idea in the bank shares and that say nothing about its subject.
BANK_STOP_WORDS = ("kommun", "projekt", "idé", "region", "arbete", "municipality", "project")
SIMILAR_LIMIT = 5


def projects_visible(who) -> QuerySet[Project]:
    """Return the projects `who` may see, with their owners."""
    return access.scope(who, VIEW, Project.objects.select_related("owner"))


def project_get(who, pk) -> Project:
    """Return one project `who` may see; Http404 when it is missing or hidden alike."""
    return access.get_visible(who, VIEW, Project.objects.select_related("owner", "origin"), pk=pk)


def project_page(project: Project) -> Project:
    """Load what the project page shows: participants, funding sources, timeline, replications."""
    return (
        Project.objects.select_related("owner", "origin__owner")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("organisation"),
            ),
            "funding_sources",
            Prefetch("events", queryset=ProjectEvent.objects.order_by("created_at", "id")),
        )
        .get(pk=project.pk)
    )


def replications_visible(who, project: Project) -> list[Project]:
    """Return the later projects that replicate `project` and that `who` may see."""
    return list(projects_visible(who).filter(origin=project).order_by("created_at"))


def projects_of_organisation(who, organisation: Organisation) -> QuerySet[Project]:
    """Return the visible projects the organisation owns or takes part in."""
    return (
        projects_visible(who)
        .filter(Q(owner=organisation) | Q(participations__organisation=organisation))
        .distinct()
        .order_by("-created_at", "-id")
    )


def preparation_candidates(project: Project) -> list[Organisation]:
    """Return the organisations that may take part in preparing the idea: the members of
    the coordinating bodies its owner belongs to (and those bodies), the owner left out."""
    body_ids = Membership.objects.in_force().filter(member=project.owner).values("body_id")
    return list(
        Organisation.objects.filter(
            Q(pk__in=body_ids, kind__in=COORDINATING_KINDS)
            | Q(
                pk__in=Membership.objects.in_force()
                .filter(body__in=body_ids, body__kind__in=COORDINATING_KINDS)
                .values("member_id")
            )
        )
        .exclude(pk=project.owner_id)
        .order_by("name")
    )


def projects_of_body(who, body: Organisation, filters: dict | None = None) -> QuerySet[Project]:
    """Return the visible projects of the body's members, narrowed by a filter form's data."""
    projects = projects_visible(who).filter(
        owner__in=Membership.objects.in_force().filter(body=body).values("member_id")
    )
    return projects_filtered(projects, filters or {}).order_by("owner__name", "-created_at")


def projects_filtered(projects: QuerySet[Project], filters: dict) -> QuerySet[Project]:
    """Apply `ProjectFilterForm`'s cleaned data (empty values mean "all")."""
    if filters.get("status"):
        projects = projects.filter(status=filters["status"])
    # A JSON list is searched as text (the same on SQLite and PostgreSQL): values are quoted.
    if filters.get("capital"):
        projects = projects.filter(capitals__icontains=f'"{filters["capital"]}"')
    if filters.get("sector"):
        projects = projects.filter(emission_sectors__icontains=f'"{filters["sector"]}"')
    if filters.get("collaboration_form"):
        projects = projects.filter(collaboration_form=filters["collaboration_form"])
    if filters.get("municipality"):
        projects = projects.filter(owner__slug=filters["municipality"])
    if filters.get("year"):
        year = filters["year"]
        projects = projects.filter(
            Q(start_date__year=year) | Q(start_date__isnull=True, created_at__year=year)
        )
    return projects


@dataclass(frozen=True)
class SimilarProject:
    project: Project
    score: float
    shared_words: list[str]


def _similarity_data(request) -> tuple[SimilarityIndex, dict[int, int]]:
    """The index over the projects the viewer may see, and each one's owner (cached)."""

    def build():
        rows = list(
            projects_visible(request).values_list("pk", "owner_id", "title", "summary", "challenge")
        )
        index = SimilarityIndex.build(
            (
                (pk, f"{title}. {summary} {challenge}")
                for pk, _owner, title, summary, challenge in rows
            ),
            extra_stop_words=BANK_STOP_WORDS,
        )
        return index, {pk: owner_id for pk, owner_id, *_texts in rows}

    return cached_value(request, SIMILARITY_INDEX, build=build)


def projects_similar(
    request, text: str, *, owner: Organisation, exclude: tuple[int, ...] = ()
) -> list[SimilarProject]:
    """Return the visible ideas and projects of other organisations most similar to `text`."""
    index, owners = _similarity_data(request)
    # The index holds only what this viewer may see; `within` says so once more, so a
    # cache entry can never widen what is shown.
    visible = {pk for pk, owner_id in owners.items() if owner_id != owner.pk}
    matches = index.similar(text, limit=SIMILAR_LIMIT, exclude=exclude, within=visible)
    if not matches:
        return []
    found = projects_visible(request).in_bulk([match.key for match in matches])
    return [
        SimilarProject(found[match.key], match.score, match.shared_words)
        for match in matches
        if match.key in found
    ]


# --- The project template and checklists -------------------------------------------------


def templates_published() -> QuerySet[ProjectTemplate]:
    return ProjectTemplate.objects.filter(is_published=True)


def template_current() -> ProjectTemplate | None:
    """Return the newest published template version (None before one is loaded)."""
    return templates_published().order_by("-created_at", "-id").first()


def template_get(version: str | None = None) -> ProjectTemplate:
    """Return a published version (the current one without `version`) with its steps in
    `steps_in_order`, in two queries; Http404 when there is none."""
    templates = templates_published().prefetch_related(
        Prefetch("steps", queryset=TemplateStep.objects.order_by("order"), to_attr="steps_in_order")
    )
    if version is not None:
        templates = templates.filter(version=version)
    template = templates.order_by("-created_at", "-id").first()
    if template is None:
        raise Http404
    return template


@dataclass(frozen=True)
class PhaseSteps:
    """The steps (or checklist items) of one phase, in order."""

    phase: str
    label: str
    rows: list


def by_phase(rows, phase_of=lambda row: row.phase) -> list[PhaseSteps]:
    """Group steps or items (or anything `phase_of` reads a phase from) by phase, in the
    phases' order."""
    groups: dict[str, list] = {phase: [] for phase in TemplatePhase.values}
    for row in rows:
        groups.setdefault(phase_of(row), []).append(row)
    labels = dict(TemplatePhase.choices)
    return [
        PhaseSteps(phase, str(labels.get(phase, phase)), found)
        for phase, found in groups.items()
        if found
    ]


@dataclass(frozen=True)
class RoleInPhase:
    """What one role does in one phase: the steps it leads and those it takes part in."""

    leads: list[TemplateStep]
    takes_part: list[TemplateStep]


def template_matrix(template: ProjectTemplate) -> list[tuple[str, str, list[RoleInPhase]]]:
    """Return "who takes part in what": per role (key, name), per phase its steps."""
    phases = TemplatePhase.values
    rows = []
    for key, name, _description in template.role_list():
        cells = []
        for phase in phases:
            steps = [step for step in template.steps_in_order if step.phase == phase]
            cells.append(
                RoleInPhase(
                    leads=[step for step in steps if step.role == key],
                    takes_part=[step for step in steps if key in (step.involves or [])],
                )
            )
        rows.append((key, name, cells))
    return rows


def checklist_of(project: Project) -> Checklist | None:
    """Return the project's checklist with its template and its items (with their steps and
    people) in `items_in_order`, in two queries; None when the project has none."""
    checklist = (
        Checklist.objects.select_related("template")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ChecklistItem.objects.select_related(
                    "step", "responsible_user", "done_by"
                ).order_by("order"),
                to_attr="items_in_order",
            )
        )
        .filter(project=project)
        .first()
    )
    if checklist is not None:
        checklist.project = project
    return checklist


@dataclass(frozen=True)
class ChecklistSummary:
    total: int
    done: int
    overdue: int


def checklist_summary(project: Project) -> ChecklistSummary | None:
    """Return how many items the project's checklist has, are done and are overdue (one
    query); None when it has no checklist."""
    # The aliases differ from the field names: an aggregate may not shadow a field.
    counts = ChecklistItem.objects.filter(checklist__project=project).aggregate(
        items=Count("id"),
        items_done=Count("id", filter=Q(done=True)),
        items_overdue=Count("id", filter=Q(done=False, due__lt=timezone.localdate())),
    )
    if not counts["items"]:
        return None
    return ChecklistSummary(
        total=counts["items"], done=counts["items_done"], overdue=counts["items_overdue"]
    )


def checklist_people(project: Project) -> list[tuple]:
    """Return (user, "name – organisation") of the people who may be made responsible:
    active people with a name in an organisation taking part in the project (one query)."""
    roles = (
        OrganisationRole.objects.filter(
            organisation__project_participations__project=project, user__is_active=True
        )
        .exclude(user__full_name="")
        .select_related("user", "organisation")
        .order_by("user__full_name", "organisation__name")
    )
    people: dict[int, tuple] = {}
    for role in roles:
        people.setdefault(
            role.user_id, (role.user, f"{role.user.full_name} – {role.organisation.name}")
        )
    return list(people.values())
