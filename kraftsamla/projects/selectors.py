"""Read ideas and projects: lists scoped by the project policy, one project's page, similar
ideas, good examples and attachments.

Each list uses a fixed number of queries whatever the number of projects.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from kraftsamla.core import access
from kraftsamla.core.caching import cached_value, declare
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.similarity import SimilarityIndex
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    POPULATION_BOUNDS,
    Membership,
    Organisation,
)
from kraftsamla.projects.models import Participation, Project, ProjectAttachment, ProjectEvent

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
    """Load what the project page shows: participants, funding sources, timeline, attachments."""
    return (
        Project.objects.select_related("owner", "origin__owner")
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
