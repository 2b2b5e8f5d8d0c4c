"""Read ideas and projects: lists scoped by the project policy, one project's page, similar
ideas, good examples and attachments, requests to join, the projects suggested to a
municipality, and a body's clusters of similar ideas.

Each list uses a fixed number of queries whatever the number of projects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from itertools import combinations

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.accounts.models import OrganisationRole
from kraftsamla.capacity import selectors as capacity_selectors
from kraftsamla.capacity.models import Assessment, CapitalKey, Status
from kraftsamla.core import access
from kraftsamla.core.caching import (
    cached_object_or_previous,
    cached_value,
    declare,
)
from kraftsamla.core.charts import format_number
from kraftsamla.core.models import EDIT_ROLES, SharingLevel
from kraftsamla.core.similarity import SimilarityIndex
from kraftsamla.core.versions import narrower_scope
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    POPULATION_BOUNDS,
    Membership,
    Organisation,
    OrganisationKind,
    PopulationClass,
)
from kraftsamla.projects import portfolio
from kraftsamla.projects.models import (
    JOINABLE,
    Checklist,
    ChecklistItem,
    JoinRequest,
    JoinRequestStatus,
    Participation,
    PortfolioCriterion,
    PriorityScore,
    Project,
    ProjectAttachment,
    ProjectEvent,
    ProjectStatus,
    ProjectTemplate,
    TemplatePhase,
    TemplateStep,
)

VIEW = "projects.project.view"
# The ideas and projects themselves: every projects write but a body's portfolio scores and
# criteria, which neither change a text nor who may see it (so scoring a portfolio never
# makes the next "similar" request rebuild the whole index).
BANK = narrower_scope(
    "projects:bank",
    excluding=("projects.priorityscore", "projects.portfoliocriterion"),
)
# The index of the projects a viewer may see, per data version and sharing scope.
SIMILARITY_INDEX = declare("projects.similarity_index", depends_on=(BANK,))
# Words that every idea in the bank shares and that say nothing about its subject.
BANK_STOP_WORDS = ("kommun", "projekt", "idé", "region", "arbete", "municipality", "project")
SIMILAR_LIMIT = 5
# How many more similar ideas are asked of the index than shown (see `projects_similar`).
SIMILAR_SPARE = 5
# A body's clusters, per data version (projects, memberships) and sharing scope.
PROJECT_CLUSTERS = declare("projects.clusters", depends_on=(BANK, "organisations"))
# The least average similarity of a cluster's ideas (see SimilarityIndex.clusters): the
# reuse hubs of three municipalities written in three ways score about 0.3 to 0.7 with
# each other, ideas that share only a vague word well under 0.2.
CLUSTER_MIN_SCORE = 0.3
# The clusters a page shows at most (the most municipalities first).
CLUSTER_LIMIT = 100
# The newest ideas that are clustered at most: every pair of ideas that share a word is
# compared, so the work grows with the square of their number (bench/bench_similarity.py).
CLUSTER_MAX_IDEAS = 2000
# Statuses of ideas that are still ideas, not yet running: what is clustered by default.
EARLY_STATUSES = (ProjectStatus.IDEA, ProjectStatus.IN_PREPARATION, ProjectStatus.PRIORITISED)

# The project page, for sections of apps above this one (core/sections.py).
PROJECT_PAGE = "projects.project"


def projects_visible(who) -> QuerySet[Project]:
    """Return the projects `who` may see, with their owners."""
    return access.scope(who, VIEW, Project.objects.select_related("owner"))


def project_get(who, pk) -> Project:
    """Return one project `who` may see; Http404 when it is missing or hidden alike."""
    return access.get_visible(who, VIEW, Project.objects.select_related("owner", "origin"), pk=pk)


def project_page(project: Project) -> Project:
    """Load what the project page shows: participants, funding sources, timeline, attachments."""
    return (
        Project.objects.select_related("owner", "origin__owner", "merged_into__owner")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("organisation"),
            ),
            "funding_sources",
            Prefetch("events", queryset=ProjectEvent.objects.order_by("created_at", "id")),
            Prefetch(
                "attachments", queryset=ProjectAttachment.objects.order_by("uploaded_at", "id")
            ),
        )
        .get(pk=project.pk)
    )


def attachment_get(project: Project, pk) -> ProjectAttachment:
    """Return one attachment of a project already known to be visible; Http404 otherwise."""
    try:
        return ProjectAttachment.objects.select_related("project__owner").get(
            project=project, pk=pk
        )
    except (ProjectAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def good_examples(who, filters: dict | None = None) -> QuerySet[Project]:
    """Return the good examples `who` may see, newest first, narrowed by a filter form's data.

    Only shared projects: the public ones for everyone, and those shared with the
    region for the people of the bodies they are shared with. A good example that its
    owner has since made private is left out, also for the owner's own people.
    """
    projects = (
        projects_visible(who)
        .filter(good_example_since__isnull=False)
        .exclude(sharing_level=SharingLevel.PRIVATE)
    )
    return projects_filtered(projects, filters or {}).order_by("-good_example_since", "-id")


def replications_visible(who, project: Project) -> list[Project]:
    """Return the later projects that replicate `project` and that `who` may see."""
    return list(projects_visible(who).filter(origin=project).order_by("created_at"))


def merged_from_visible(who, project: Project) -> list[Project]:
    """Return the ideas merged into the joint `project` that `who` may see."""
    return list(
        projects_visible(who).filter(merged_into=project).order_by("owner__name", "created_at")
    )


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
    if filters.get("population_class"):
        low, high = POPULATION_BOUNDS[filters["population_class"]]
        projects = projects.filter(owner__population__gte=low)
        if high is not None:
            projects = projects.filter(owner__population__lt=high)
    if filters.get("good_example") is not None:
        projects = projects.filter(good_example_since__isnull=not filters["good_example"])
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

    # After a write the previous index is served while the new one is built in the
    # background; `projects_similar` checks every hit against the viewer's scope again.
    return cached_object_or_previous(request, SIMILARITY_INDEX, build=build)


def projects_similar(
    request,
    text: str,
    *,
    owner: Organisation | None = None,
    exclude: Collection[int] = (),
    exclude_owners: Collection[int] = (),
    limit: int = SIMILAR_LIMIT,
) -> list[SimilarProject]:
    """Return the visible ideas and projects most similar to `text`, best first, leaving out
    those of `owner` and of `exclude_owners` (the asker's own organisations)."""
    # Scoped first (no query yet): the cached index may answer without asking the rule,
    # and the answer must still come from what the viewer may see.
    shown = projects_visible(request)
    index, owners = _similarity_data(request)
    left_out = set(exclude_owners) | ({owner.pk} if owner is not None else set())
    # The index holds only what this viewer may see; `within` says so once more, so a
    # cache entry can never widen what is shown.
    visible = {pk for pk, owner_id in owners.items() if owner_id not in left_out}
    # A few more than asked for: an index served while its successor is built may name a
    # project that has since been hidden, which the check below drops.
    matches = index.similar(text, limit=limit + SIMILAR_SPARE, exclude=exclude, within=visible)
    if not matches:
        return []
    found = shown.in_bulk([match.key for match in matches])
    return [
        SimilarProject(found[match.key], match.score, match.shared_words)
        for match in matches
        if match.key in found
    ][:limit]


# --- Requests to join --------------------------------------------------------------------

JOIN_VIEW = "projects.joinrequest.view"


def join_requests_of_project(who, project: Project) -> QuerySet[JoinRequest]:
    """Return the requests to join `project` that `who` may see, waiting ones first.

    The owner's people see every request; an asking organisation's people see its own.
    """
    return (
        access.scope(
            who,
            JOIN_VIEW,
            JoinRequest.objects.select_related("organisation", "requested_by", "decided_by"),
        )
        .filter(project=project)
        .annotate(
            waiting=Case(
                When(status=JoinRequestStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-created_at", "-id")
    )


def join_request_get(who, project: Project, pk) -> JoinRequest:
    """Return one request to join `project` that `who` may see; Http404 when missing or hidden."""
    return access.get_visible(
        who,
        JOIN_VIEW,
        JoinRequest.objects.select_related("project__owner", "organisation"),
        pk=pk,
        project=project,
    )


def _edited_organisation_ids(who) -> list[int]:
    return access.access_of(who).organisation_ids(EDIT_ROLES)


def join_organisations(who, project: Project, *, waiting: bool = False) -> list[Organisation]:
    """Return the organisations `who` administers or edits that could ask to join `project`:
    not its owner, not taking part. Those already waiting for an answer are left out
    too, unless `waiting` (the form then takes them, and the service explains)."""
    ids = [pk for pk in _edited_organisation_ids(who) if pk != project.owner_id]
    if not ids:
        return []
    organisations = Organisation.objects.filter(pk__in=ids).exclude(
        pk__in=Participation.objects.filter(project=project).values("organisation_id")
    )
    if not waiting:
        organisations = organisations.exclude(
            pk__in=JoinRequest.objects.filter(
                project=project, status=JoinRequestStatus.PENDING
            ).values("organisation_id")
        )
    return list(organisations.order_by("name"))


def projects_to_ask_to_join(who, projects: list[Project]) -> set[int]:
    """Return the ids of `projects` that `who` could ask to join for one of their
    organisations (one query at most, whatever the number of projects)."""
    candidates = [
        project
        for project in projects
        if project.status in JOINABLE
        and access.allows(who, "projects.project.request_join", project)
    ]
    ids = _edited_organisation_ids(who)
    if not candidates or not ids:
        return set()
    taking_part: dict[int, set[int]] = {}
    for project_id, organisation_id in Participation.objects.filter(
        project__in=candidates, organisation_id__in=ids
    ).values_list("project_id", "organisation_id"):
        taking_part.setdefault(project_id, set()).add(organisation_id)
    return {
        project.pk
        for project in candidates
        if set(ids) - {project.owner_id} - taking_part.get(project.pk, set())
    }


# --- Projects to join or replicate, suggested to a municipality -------------------------

# The capitals with the lowest scores that the suggestions try to strengthen.
WEAK_CAPITAL_COUNT = 3
SUGGESTION_LIMIT = 6
# The newest candidates read before ranking (the ranking is done in Python).
SUGGESTION_CANDIDATES = 200
# Running projects may be joined; completed ones replicated.
SUGGESTED_STATUSES = (ProjectStatus.RUNNING, ProjectStatus.COMPLETED, ProjectStatus.REPLICATED)
# Points per kind of likeness of the owner (a weak capital gives 100 − its score).
LIKENESS_POINTS = {"size": 15, "region": 10, "body": 10}


@dataclass(frozen=True)
class Suggestion:
    project: Project
    action: str  # "join" (running) or "replicate" (completed)
    points: float
    reasons: list[str]


@dataclass(frozen=True)
class Suggestions:
    ranked: list[Suggestion]
    # The weak capitals the ranking used, lowest first: (capital key, score 0–100).
    weak: list[tuple[str, float]]
    assessment: Assessment | None
    # No results yet: projects of municipalities of the same size only.
    size_only: bool
    # Ids of suggested projects the municipality already waits for an answer to join.
    waiting: frozenset[int]


def _size_q(population_class: str | None) -> Q | None:
    if not population_class:
        return None
    low, high = POPULATION_BOUNDS[population_class]
    q = Q(owner__population__gte=low)
    return q & Q(owner__population__lt=high) if high is not None else q


def _size_phrase(population_class: str) -> str:
    label = str(PopulationClass(population_class).label)
    return label[:1].lower() + label[1:]


def _capital_phrase(key: str) -> str:
    label = str(CapitalKey(key).label)
    return label[:1].lower() + label[1:]


def _weak_capitals(who, municipality: Organisation) -> tuple[Assessment | None, list]:
    """The municipality's latest published assessment `who` may see, and its lowest scores."""
    assessment = (
        capacity_selectors.assessments_of(who, municipality)
        .filter(status=Status.PUBLISHED)
        .order_by("-year", "-published_at", "-pk")
        .first()
    )
    if assessment is None:
        return None, []
    scores = capacity_selectors.scores_stored(assessment)
    scored = sorted(
        ((key, score) for key, score in scores.items() if score is not None and key in CapitalKey),
        key=lambda pair: (pair[1], pair[0]),
    )
    return assessment, scored[:WEAK_CAPITAL_COUNT]


def _body_peers(municipality: Organisation) -> dict[int, list[str]]:
    """The members of the bodies the municipality belongs to (memberships in force, as in
    capacity's peer groups), each with the names of the bodies they share with it."""
    bodies = {
        membership.body_id: membership.body.display_name
        for membership in Membership.objects.in_force()
        .filter(member=municipality)
        .select_related("body")
    }
    if not bodies:
        return {}
    peers: dict[int, list[str]] = {}
    for body_id, member_id in (
        Membership.objects.in_force()
        .filter(body_id__in=list(bodies))
        .exclude(member=municipality)
        .order_by("body__name")
        .values_list("body_id", "member_id")
    ):
        peers.setdefault(member_id, []).append(bodies[body_id])
    return peers


def projects_suggested(
    who, municipality: Organisation, *, limit: int = SUGGESTION_LIMIT
) -> Suggestions:
    """Rank projects to join (running) or replicate (completed) for `municipality`.

    Candidates are the projects `who` may see, owned by a similar municipality (the
    same population class, the same FA region, or a fellow member of one of its
    bodies) and strengthening at least one of the municipality's weak capitals: the
    WEAK_CAPITAL_COUNT lowest scores of its latest published assessment that `who`
    may see. Without such results, similar size alone decides (`size_only`).
    Projects it already takes part in or has replicated are left out.

    points = Σ (100 − score) over the weak capitals the project strengthens
             + LIKENESS_POINTS for each way its owner is similar.

    Five queries at most, whatever the number of projects (besides reading the
    viewer's roles once, which a request does for its whole page).
    """
    who = access.access_of(who)
    assessment, weak = _weak_capitals(who, municipality)
    size = municipality.population_class
    size_q = _size_q(size)
    size_only = not weak
    empty = Suggestions([], weak, assessment, size_only, frozenset())
    peers: dict[int, list[str]] = {}
    if size_only:
        if size_q is None:
            return empty
        similar_q = size_q
    else:
        peers = _body_peers(municipality)
        similar_q = Q(owner_id__in=sorted(peers)) if peers else Q(pk__in=[])
        if size_q is not None:
            similar_q |= size_q
        if municipality.fa_region_id:
            similar_q |= Q(owner__fa_region_id=municipality.fa_region_id)
    candidates = (
        projects_visible(who)
        .filter(similar_q, status__in=SUGGESTED_STATUSES, owner__kind=OrganisationKind.MUNICIPALITY)
        .exclude(owner=municipality)
        .exclude(participations__organisation=municipality)
        .exclude(
            pk__in=Project.objects.filter(owner=municipality, origin__isnull=False).values(
                "origin_id"
            )
        )
    )
    if weak:
        capital_q = Q()
        for key, _score in weak:
            # A JSON list is searched as text (as the list filters do): values are quoted.
            capital_q |= Q(capitals__icontains=f'"{key}"')
        candidates = candidates.filter(capital_q)
    rows = list(
        candidates.select_related("owner__fa_region").order_by("-created_at", "-id")[
            :SUGGESTION_CANDIDATES
        ]
    )
    ranked = sorted(
        (_suggestion(project, municipality, weak, peers, size) for project in rows),
        key=lambda item: (-item.points, item.project.title, item.project.pk),
    )[:limit]
    waiting = frozenset(
        JoinRequest.objects.filter(
            organisation=municipality,
            status=JoinRequestStatus.PENDING,
            project__in=[item.project.pk for item in ranked],
        ).values_list("project_id", flat=True)
        if ranked
        else ()
    )
    return Suggestions(ranked, weak, assessment, size_only, waiting)


def _suggestion(
    project: Project,
    municipality: Organisation,
    weak: list[tuple[str, float]],
    peers: dict[int, list[str]],
    size: str | None,
) -> Suggestion:
    points, reasons = 0.0, []
    for key, score in weak:
        if key in project.capitals:
            points += 100 - score
            reasons.append(
                _("Strengthens %(capital)s, where you scored %(score)s")
                % {"capital": _capital_phrase(key), "score": format_number(score)}
            )
    owner = project.owner
    name = owner.display_name
    if size and owner.population_class == size:
        points += LIKENESS_POINTS["size"]
        reasons.append(
            _("%(owner)s also has %(size)s") % {"owner": name, "size": _size_phrase(size)}
        )
    if municipality.fa_region_id and owner.fa_region_id == municipality.fa_region_id:
        points += LIKENESS_POINTS["region"]
        reasons.append(
            _("%(owner)s is in the same labour-market region, %(region)s")
            % {"owner": name, "region": owner.fa_region.name}
        )
    if owner.pk in peers:
        points += LIKENESS_POINTS["body"]
        reasons.append(
            _("%(owner)s is also a member of %(bodies)s")
            % {"owner": name, "bodies": ", ".join(peers[owner.pk])}
        )
    action = "join" if project.status == ProjectStatus.RUNNING else "replicate"
    return Suggestion(project, action, round(points, 1), reasons)


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


# --- A body's clusters of similar ideas ------------------------------------------------


@dataclass(frozen=True)
class ClusterIdea:
    project: Project
    # The idea's average similarity to the cluster's other ideas (0..1).
    score: float


@dataclass(frozen=True)
class Cluster:
    """Similar ideas of at least two organisations, with the words they share."""

    key: int  # the smallest project id: stable while the cluster's ideas stay
    ideas: list[ClusterIdea]
    words: list[str]
    score: float  # the average similarity of its pairs of ideas

    @property
    def owners(self) -> list[Organisation]:
        """The organisations whose ideas the cluster holds, by name."""
        found = {idea.project.owner_id: idea.project.owner for idea in self.ideas}
        return sorted(found.values(), key=lambda organisation: organisation.name)

    @property
    def headline_words(self) -> list[str]:
        """The three most telling shared words, for the cluster's heading."""
        return self.words[:3]

    @property
    def all_municipalities(self) -> bool:
        return all(owner.kind == OrganisationKind.MUNICIPALITY for owner in self.owners)


def _body_ideas(who, body: Organisation, statuses: Iterable[str] | None) -> list[tuple]:
    """(id, owner id, title, summary, challenge) of the newest CLUSTER_MAX_IDEAS + 1 visible
    ideas of the body's members (merged ones left out: their joint project stands for them)."""
    projects = projects_visible(who).filter(
        owner__in=Membership.objects.in_force().filter(body=body).values("member_id")
    )
    projects = projects.exclude(status=ProjectStatus.MERGED)
    if statuses is not None:
        projects = projects.filter(status__in=list(statuses))
    newest = projects.order_by("-created_at", "-pk")[: CLUSTER_MAX_IDEAS + 1]
    return list(newest.values_list("pk", "owner_id", "title", "summary", "challenge"))


def _cluster_rows(request, body: Organisation, statuses: tuple[str, ...] | None) -> dict:
    """The body's clusters as plain data (cached): ids, each idea's score, words, score;
    and how many ideas were clustered, and whether there were more.

    The index holds the clustered ideas only, so the weight of a word says how telling
    it is among the body's ideas, and a body's page never builds the platform's index.
    """

    def build() -> dict:
        found = _body_ideas(request, body, statuses)
        # In id order, so the groups and their ties come out the same on every database.
        ideas = sorted(found[:CLUSTER_MAX_IDEAS])
        owners = {pk: owner_id for pk, owner_id, *_texts in ideas}
        texts = (
            (pk, f"{title}. {summary} {challenge}") for pk, _, title, summary, challenge in ideas
        )
        index = SimilarityIndex.build(texts, extra_stop_words=BANK_STOP_WORDS)
        rows = []
        for keys in index.clusters(min_score=CLUSTER_MIN_SCORE):
            if len({owners[key] for key in keys}) < 2:
                continue  # one organisation's own similar ideas are not a joint cause
            pair_scores = {pair: index.score(*pair) for pair in combinations(sorted(keys), 2)}
            scores = {
                key: sum(score for pair, score in pair_scores.items() if key in pair)
                / (len(keys) - 1)
                for key in keys
            }
            rows.append(
                {
                    "keys": sorted(keys),
                    "scores": scores,
                    "words": index.group_words(keys),
                    "score": sum(pair_scores.values()) / len(pair_scores),
                    "owners": len({owners[key] for key in keys}),
                }
            )
        # The most organisations first, then the closest; ties by the smallest id.
        rows.sort(key=lambda row: (-row["owners"], -row["score"], row["keys"][0]))
        return {"rows": rows, "ideas": len(ideas), "capped": len(found) > CLUSTER_MAX_IDEAS}

    parts = (body.pk, ",".join(statuses) if statuses is not None else "all")
    return cached_value(request, PROJECT_CLUSTERS, build=build, parts=parts)


@dataclass(frozen=True)
class ClusterPage:
    clusters: list[Cluster]  # at most CLUSTER_LIMIT
    total: int  # clusters found
    ideas: int  # ideas clustered
    capped: bool  # only the newest CLUSTER_MAX_IDEAS ideas were clustered


def project_clusters(
    request, body: Organisation, *, statuses: Iterable[str] | None = EARLY_STATUSES
) -> ClusterPage:
    """Return the clusters of similar ideas of the body's members that the viewer may see,
    from at least two organisations.

    `statuses` keeps ideas in those statuses (None: all). Pairwise similarity above
    CLUSTER_MIN_SCORE, then average-linkage groups; the same on SQLite and PostgreSQL
    (the index is built in Python, in id order). Cached per data version and the
    viewer's sharing scope; a fixed number of queries whatever the number of ideas.
    """
    data = _cluster_rows(request, body, tuple(statuses) if statuses is not None else None)
    shown = data["rows"][:CLUSTER_LIMIT]
    found = projects_visible(request).in_bulk([key for row in shown for key in row["keys"]])
    clusters = []
    for row in shown:
        ideas = [ClusterIdea(found[key], row["scores"][key]) for key in row["keys"] if key in found]
        ideas.sort(key=lambda idea: (idea.project.owner.name, -idea.score, idea.project.pk))
        if len({idea.project.owner_id for idea in ideas}) > 1:
            clusters.append(Cluster(row["keys"][0], ideas, row["words"], row["score"]))
    return ClusterPage(clusters, len(data["rows"]), data["ideas"], data["capped"])


def projects_to_merge(who, body: Organisation, ids: Iterable[int]) -> list[Project] | None:
    """Return the visible ideas of the body's members with these ids, with their owners, in
    id order; None when any of them is missing or hidden (the page answers 404)."""
    wanted = set(ids)
    projects = list(
        projects_visible(who)
        .filter(
            pk__in=sorted(wanted),
            owner__in=Membership.objects.in_force().filter(body=body).values("member_id"),
        )
        .order_by("pk")
    )
    return projects if len(projects) == len(wanted) else None


# --- A body's portfolio: its members' shared projects ranked by the body's criteria --------

# The status changes that are the body's decisions, listed as the portfolio's decision log.
DECISION_STATUSES = (
    ProjectStatus.IN_PREPARATION,
    ProjectStatus.PRIORITISED,
    ProjectStatus.PARKED,
    ProjectStatus.DECLINED,
)
DECISION_LOG_LIMIT = 50


def portfolio_criteria(body: Organisation) -> list[portfolio.Criterion]:
    """Return the body's criteria in order: its own when saved, else the defaults."""
    stored = [
        portfolio.Criterion(row.key, row.name, row.description, row.weight, row.axis)
        for row in PortfolioCriterion.objects.filter(body=body).order_by("order", "id")
    ]
    return stored or portfolio.default_criteria()


def portfolio_projects(who, body: Organisation, filters: dict | None = None) -> QuerySet[Project]:
    """Return the body's members' projects that `who` may see and that are shared with the
    body or public (never a private one, not even the viewer's own), filtered."""
    return projects_of_body(who, body, filters).exclude(sharing_level=SharingLevel.PRIVATE)


def portfolio_project_get(who, body: Organisation, pk) -> Project:
    """Return one project of the body's portfolio; Http404 when it is not in it for `who`."""
    try:
        return portfolio_projects(who, body).get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def portfolio_scores(body: Organisation, projects: QuerySet[Project]) -> dict[int, dict]:
    """Return {project id: {criterion key: (score, reason)}} of the body's scores (one query)."""
    scores: dict[int, dict] = {}
    rows = PriorityScore.objects.filter(
        body=body, project__in=projects.order_by().values("pk")
    ).values_list("project_id", "criterion", "score", "reason")
    for project_id, criterion, score, reason in rows:
        scores.setdefault(project_id, {})[criterion] = (score, reason)
    return scores


@dataclass(frozen=True, slots=True)
class _Listed:
    """What ranking needs of a project (its id and title); the page's rows are then loaded
    in full by `portfolio_load`, so a large portfolio is never loaded whole for one page."""

    pk: int
    title: str


@dataclass(frozen=True)
class Portfolio:
    criteria: list[portfolio.Criterion]
    rows: list[portfolio.Ranked]
    filters: dict

    @property
    def scored(self) -> list[portfolio.Ranked]:
        return [row for row in self.rows if row.is_scored]


# A body's ranked portfolio per viewer scope and filters: plain data (ids, titles, scores),
# rebuilt after any projects write (scores and criteria too) or change of memberships.
PORTFOLIO_RANKING = declare("projects.portfolio_ranking", depends_on=("projects", "organisations"))


def portfolio_ranked(who, body: Organisation, filters: dict | None = None) -> Portfolio:
    """Return the body's portfolio for `who`, ranked (three queries whatever its size).

    The rows hold only each project's id and title: call `portfolio_load` with the rows to
    show (a page, or all of them for a download) before reading their other fields.
    """
    filters = dict(filters or {})
    criteria = portfolio_criteria(body)
    projects = portfolio_projects(who, body, filters)
    scores = portfolio_scores(body, projects)
    listed = [_Listed(pk, title) for pk, title in projects.values_list("pk", "title")]
    ranked = portfolio.rank(criteria, listed, scores, with_reasons=False)
    return Portfolio(criteria, ranked, filters)


def portfolio_ranked_cached(request, body: Organisation, filters: dict | None = None) -> Portfolio:
    """Return `portfolio_ranked`, cached per data version, viewer scope and filters (call
    after the permission check)."""
    filters = dict(filters or {})
    return cached_value(
        request,
        PORTFOLIO_RANKING,
        parts=(body.pk, sorted((key, str(value)) for key, value in filters.items())),
        build=lambda: portfolio_ranked(request, body, filters),
    )


def portfolio_load(
    who,
    body: Organisation,
    data: Portfolio,
    rows: list[portfolio.Ranked],
    *,
    every: bool = False,
    reasons: bool = False,
) -> list[portfolio.Ranked]:
    """Return copies of `rows` with their full projects (owner, number of organisations
    taking part), in one query, and with `reasons` the scores' reasons (one more);
    `every`: the rows are the whole portfolio (a download), so no list of ids is sent. A
    project hidden since the ranking was cached is left out."""
    projects = (
        portfolio_projects(who, body, data.filters)
        .select_related("owner")
        .annotate(participant_count=Count("participations", distinct=True))
    )
    if not every:
        projects = projects.filter(pk__in=[row.project.pk for row in rows])
    found = {project.pk: project for project in projects}
    given: dict[int, dict] = {}
    if reasons:
        given = portfolio_scores(body, Project.objects.filter(pk__in=list(found)))
    return [
        replace(
            row,
            project=found[row.project.pk],
            reasons={key: reason for key, (_s, reason) in given.get(row.project.pk, {}).items()},
        )
        for row in rows
        if row.project.pk in found
    ]


def portfolio_decisions(
    who, body: Organisation, limit: int = DECISION_LOG_LIMIT
) -> list[ProjectEvent]:
    """Return the newest decisions (preparation, prioritise, park, decline) on the projects
    of the body's portfolio that `who` may see, newest first."""
    return list(
        ProjectEvent.objects.filter(
            project__in=portfolio_projects(who, body).order_by().values("pk"),
            kind="status",
            to_status__in=DECISION_STATUSES,
        )
        .select_related("project__owner")
        .order_by("-created_at", "-id")[:limit]
    )
