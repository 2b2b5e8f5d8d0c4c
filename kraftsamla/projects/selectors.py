"""Read ideas and projects: lists scoped by the project policy, one project's page, similar
ideas and a body's clusters of similar ideas.

Each list uses a fixed number of queries whatever the number of projects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import combinations

from django.db.models import Prefetch, Q, QuerySet

from kraftsamla.core import access
from kraftsamla.core.caching import cached_object, cached_value, declare
from kraftsamla.core.similarity import SimilarityIndex
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    Organisation,
    OrganisationKind,
)
from kraftsamla.projects.models import Participation, Project, ProjectEvent, ProjectStatus

VIEW = "projects.project.view"
# The index of the projects a viewer may see, per data version and sharing scope.
SIMILARITY_INDEX = declare("projects.similarity_index", depends_on=("projects",))
# Words that every idea in the bank shares and that say nothing about its subject.
BANK_STOP_WORDS = ("kommun", "projekt", "idé", "region", "arbete", "municipality", "project")
SIMILAR_LIMIT = 5
# A body's clusters, per data version (projects, memberships) and sharing scope.
PROJECT_CLUSTERS = declare("projects.clusters", depends_on=("projects", "organisations"))
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


def projects_visible(who) -> QuerySet[Project]:
    """Return the projects `who` may see, with their owners."""
    return access.scope(who, VIEW, Project.objects.select_related("owner"))


def project_get(who, pk) -> Project:
    """Return one project `who` may see; Http404 when it is missing or hidden alike."""
    return access.get_visible(who, VIEW, Project.objects.select_related("owner", "origin"), pk=pk)


def project_page(project: Project) -> Project:
    """Load what the project page shows: participants, funding sources, timeline, replications."""
    return (
        Project.objects.select_related("owner", "origin__owner", "merged_into__owner")
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

    return cached_object(request, SIMILARITY_INDEX, build=build)


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
    index, owners = _similarity_data(request)
    left_out = set(exclude_owners) | ({owner.pk} if owner is not None else set())
    # The index holds only what this viewer may see; `within` says so once more, so a
    # cache entry can never widen what is shown.
    visible = {pk for pk, owner_id in owners.items() if owner_id not in left_out}
    matches = index.similar(text, limit=limit, exclude=exclude, within=visible)
    if not matches:
        return []
    found = projects_visible(request).in_bulk([match.key for match in matches])
    return [
        SimilarProject(found[match.key], match.score, match.shared_words)
        for match in matches
        if match.key in found
    ]


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
