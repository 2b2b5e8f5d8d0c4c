"""Read assessments, results, peer comparisons and regional overviews, scoped by the policy.

Visibility is the `capacity.assessment.view` rule of capacity/policies.py, asked through
`kraftsamla.core.access`; nothing here decides who may see what on its own.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from kraftsamla.accounts.models import Invitation
from kraftsamla.capacity import scoring
from kraftsamla.capacity.models import (
    AgreedScore,
    Answer,
    Assessment,
    AssessmentResult,
    Capital,
    CapitalKey,
    CapitalNote,
    Framework,
    Respondent,
    Statement,
    Status,
)
from kraftsamla.core import access
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.versions import fingerprint, versions_of
from kraftsamla.organisations.models import (
    POPULATION_BOUNDS,
    Membership,
    Organisation,
    OrganisationKind,
)

MIN_PEERS = 5
SHARED_LEVELS = (SharingLevel.REGION, SharingLevel.PUBLIC)


def framework_current() -> Framework | None:
    return Framework.objects.filter(is_current=True).first()


def framework_with_content(framework: Framework) -> list[Capital]:
    """Return the framework's capitals with their statements, in two queries."""
    return list(
        Capital.objects.filter(framework=framework)
        .prefetch_related(Prefetch("statements", queryset=Statement.objects.order_by("order")))
        .order_by("order")
    )


def assessment_visible(who, pk) -> Assessment:
    """Return the assessment `who` may see; Http404 when it is missing or hidden alike."""
    assessments = Assessment.objects.select_related(
        "organisation", "organisation__county", "framework", "created_by"
    )
    return access.get_visible(who, "capacity.assessment.view", assessments, pk=pk)


def assessments_visible(who) -> QuerySet[Assessment]:
    return (
        access.scope(who, "capacity.assessment.view", Assessment.objects.all())
        .select_related("organisation", "framework")
        .order_by("organisation__name", "-year")
    )


def assessments_of(who, organisation: Organisation) -> QuerySet[Assessment]:
    return assessments_visible(who).filter(organisation=organisation)


def respondent_of(user, assessment: Assessment) -> Respondent | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Respondent.objects.filter(assessment=assessment, user=user).first()


def respondents_of(assessment: Assessment) -> list[Respondent]:
    return list(
        Respondent.objects.filter(assessment=assessment)
        .select_related("user")
        .order_by("role_group", "user__email")
    )


def invitations_pending(assessment: Assessment) -> QuerySet:
    """Return the invitations to answer the assessment that nobody has accepted yet."""
    return Invitation.objects.filter(
        respondent_invitation__assessment=assessment, accepted_at__isnull=True
    )


def answers_of(respondent: Respondent) -> dict[int, Answer]:
    return {a.statement_id: a for a in Answer.objects.filter(respondent=respondent)}


def notes_of(respondent: Respondent) -> dict[int, CapitalNote]:
    return {n.capital_id: n for n in CapitalNote.objects.filter(respondent=respondent)}


def progress_of(respondent: Respondent, capitals: list[Capital]) -> dict[str, tuple[int, int]]:
    answered = set(
        Answer.objects.filter(respondent=respondent).values_list("statement_id", flat=True)
    )
    return {
        c.key: (sum(1 for s in c.statements.all() if s.pk in answered), len(c.statements.all()))
        for c in capitals
    }


def statement_next_unanswered(
    respondent: Respondent, capitals: list[Capital], start_key: str = ""
) -> Statement | None:
    """Return the first statement the respondent has not answered, in the framework's order
    from the capital `start_key` on and then from the first capital (None when all are)."""
    answered = set(
        Answer.objects.filter(respondent=respondent).values_list("statement_id", flat=True)
    )
    keys = [c.key for c in capitals]
    start = keys.index(start_key) if start_key in keys else 0
    for capital in capitals[start:] + capitals[:start]:
        for statement in capital.statements.all():
            if statement.pk not in answered:
                statement.capital = capital
                return statement
    return None


def assessment_capital_results(assessment: Assessment) -> dict[str, scoring.CapitalResult]:
    """Compute the per-capital results of one assessment in three queries."""
    statements = list(
        Statement.objects.filter(capital__framework_id=assessment.framework_id)
        .order_by("capital__order", "order")
        .values_list("id", "key", "capital__key")
    )
    answers = Answer.objects.filter(respondent__assessment=assessment).values_list(
        "respondent_id", "statement_id", "score"
    )
    agreed = dict(
        AgreedScore.objects.filter(assessment=assessment).values_list("statement_id", "score")
    )
    order = list(
        Capital.objects.filter(framework_id=assessment.framework_id)
        .order_by("order")
        .values_list("key", flat=True)
    )
    return scoring.compute(
        statements=statements, answers=answers, agreed=agreed, capital_order=order
    )


def assessment_previous(assessment: Assessment, who) -> Assessment | None:
    """Return the latest earlier published assessment of the same organisation `who` may see."""
    return (
        assessments_visible(who)
        .filter(
            organisation_id=assessment.organisation_id,
            status=Status.PUBLISHED,
            year__lt=assessment.year,
        )
        .order_by("-year", "-published_at")
        .first()
    )


def scores_stored(assessment: Assessment) -> dict[str, float | None]:
    return dict(
        AssessmentResult.objects.filter(assessment=assessment).values_list("capital_key", "score")
    )


@dataclass
class PeerGroup:
    key: str
    label: str
    organisation_ids: list[int]


def peer_groups(organisation: Organisation) -> list[PeerGroup]:
    """Return the peer groups an organisation can compare with."""
    from django.utils.translation import gettext as _

    groups = []
    current = Membership.objects.in_force()
    bodies = current.filter(member=organisation).select_related("body")
    member_ids: dict[int, list[int]] = defaultdict(list)
    body_list = [m.body for m in bodies]
    for body_id, member_id in current.filter(body__in=body_list).values_list(
        "body_id", "member_id"
    ):
        member_ids[body_id].append(member_id)
    for body in body_list:
        groups.append(
            PeerGroup(
                f"body:{body.slug}",
                _("Members of %(body)s") % {"body": body.display_name},
                [i for i in member_ids[body.pk] if i != organisation.pk],
            )
        )
    if organisation.county_id:
        ids = list(
            Organisation.objects.filter(
                county_id=organisation.county_id, kind=OrganisationKind.MUNICIPALITY
            )
            .exclude(pk=organisation.pk)
            .values_list("id", flat=True)
        )
        groups.append(
            PeerGroup(
                "county",
                _("Municipalities in %(county)s") % {"county": organisation.county.name},
                ids,
            )
        )
    population_class = organisation.population_class
    if population_class:
        low, high = POPULATION_BOUNDS[population_class]
        qs = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, population__gte=low)
        if high is not None:
            qs = qs.filter(population__lt=high)
        groups.append(
            PeerGroup(
                "population",
                organisation.get_population_class_display(),
                list(qs.exclude(pk=organisation.pk).values_list("id", flat=True)),
            )
        )
    return groups


@dataclass
class PeerComparison:
    group: PeerGroup
    peers_with_results: int
    medians: dict[str, float | None] = field(default_factory=dict)

    @property
    def enough(self) -> bool:
        return self.peers_with_results >= MIN_PEERS


def _shared_published(**filters) -> QuerySet[Assessment]:
    """Return published assessments shared beyond their organisation (what peers and bodies see)."""
    return Assessment.objects.filter(
        status=Status.PUBLISHED, sharing_level__in=SHARED_LEVELS, **filters
    )


def _latest_shared(*, per_year: bool, **filters) -> Subquery:
    """Return a subquery for the id of an organisation's latest shared, published assessment
    (per year with `per_year`), for a filter on AssessmentResult."""
    same = {"organisation_id": OuterRef("assessment__organisation_id")}
    if per_year:
        same["year"] = OuterRef("assessment__year")
    return Subquery(
        _shared_published(**same, **filters)
        .order_by("-year", "-published_at", "-pk")
        .values("pk")[:1]
    )


def peer_comparison(group: PeerGroup, year: int) -> PeerComparison:
    """Return the median per capital of peers' latest shared, published results up to `year`.

    Only results shared beyond the organisation (with regional bodies or public)
    count, and only when at least MIN_PEERS peers have them; the medians never
    reveal a single peer. The database picks each peer's latest assessment, so the
    rows read are peers × capitals, whatever the years of history.
    """
    rows = AssessmentResult.objects.filter(
        assessment__organisation_id__in=group.organisation_ids,
        assessment__status=Status.PUBLISHED,
        assessment__sharing_level__in=SHARED_LEVELS,
        assessment__year__lte=year,
        assessment_id=_latest_shared(per_year=False, year__lte=year),
    ).values_list("assessment__organisation_id", "capital_key", "score")
    peers: set[int] = set()
    scores: dict[str, list[float | None]] = defaultdict(list)
    for org_id, key, score in rows:
        peers.add(org_id)
        scores[key].append(score)
    comparison = PeerComparison(group=group, peers_with_results=len(peers))
    if comparison.enough:
        comparison.medians = {k: scoring.median_or_none(v) for k, v in scores.items()}
    return comparison


# Peer medians are a derived value stored in the cache (Redis in production), keyed by
# everything they are computed from: the peers (a hash of their ids, so memberships in
# force today, counties and population classes all show in the key), the year, and the
# version of SHARED_RESULTS, which every write that changes which results are published
# and shared bumps (publish, reopen, a sharing change: services._shared_results_changed).
# Such a write gives a new key, so the next view computes the medians afresh; other
# capacity writes (answers, notes, respondents) leave them in place. A stored table was
# the alternative, but a peer group is defined by memberships that come into and go out
# of force by date and excludes the organisation itself, so a table per group would
# still need this key, and one per organisation would be rewritten for every member on
# each publish.
SHARED_RESULTS = "capacity:shared-results"
PEER_MEDIANS_TIMEOUT = 24 * 3600


def shared_results_scope(year: int) -> str:
    """The data-version scope of the results published and shared for `year`."""
    return f"{SHARED_RESULTS}:{year}"


def peer_comparison_stored(group: PeerGroup, year: int) -> PeerComparison:
    """Return `peer_comparison(group, year)` from the cache, computing it when missing."""
    ids = ",".join(map(str, sorted(group.organisation_ids)))
    key = "kraftsamla:peers:" + fingerprint(
        (SHARED_RESULTS,), year, hashlib.sha256(ids.encode()).hexdigest()
    )
    stored = cache.get(key)
    if stored is None:
        comparison = peer_comparison(group, year)
        stored = (comparison.peers_with_results, comparison.medians)
        cache.set(key, stored, PEER_MEDIANS_TIMEOUT)
    peers_with_results, medians = stored
    return PeerComparison(group=group, peers_with_results=peers_with_results, medians=medians)


@dataclass
class RegionalOverview:
    """Members × capitals of one year for a body, with the per-year trend read on demand."""

    body: Organisation
    year: int | None
    years: list[int]
    capitals: list[tuple[str, str]]
    rows: list[dict]  # {"org": Organisation, "scores": {key: score|None}, "assessment": id|None}
    member_ids: list[int] = field(default_factory=list)

    @property
    def with_results(self) -> int:
        return sum(1 for r in self.rows if r["assessment_id"])

    @cached_property
    def trends(self) -> dict[str, dict[int, float | None]]:
        """Return the median per capital and year (one query, the first time it is asked)."""
        return regional_trends(self.member_ids, self.years, self.capitals)

    def distribution(self) -> list[dict]:
        """Return min, median, max and the number of weak members per capital."""
        out = []
        for key, label in self.capitals:
            values = [r["scores"].get(key) for r in self.rows if r["scores"].get(key) is not None]
            values.sort()
            out.append(
                {
                    "key": key,
                    "label": label,
                    "n": len(values),
                    "min": values[0] if values else None,
                    "median": scoring.median_or_none(values),
                    "max": values[-1] if values else None,
                    "weak": sum(1 for v in values if v < scoring.LOW_SCORE),
                }
            )
        return out

    def shared_needs(self) -> list[dict]:
        """Return the capitals where some member is weak, the most shared need first."""
        return sorted(
            [d for d in self.distribution() if d["weak"]],
            key=lambda d: (-d["weak"], d["median"] if d["median"] is not None else 100),
        )


def assessments_include_demo(assessment_ids) -> bool:
    """Whether any of these assessments is demo data (for the export's demo marker)."""
    return Assessment.objects.filter(pk__in=list(assessment_ids), is_demo=True).exists()


def regional_overview(
    *, body: Organisation, year: int | None = None, population_class: str = ""
) -> RegionalOverview:
    """Return members × capitals of one year for what members shared with the body.

    Three queries whatever the members and years: the members, the years with shared
    results and the shown year's results. The trend (all years) is read only when asked.
    """
    members = _regional_members(body, population_class)
    member_ids = [member.pk for member in members]
    years = _shared_years(member_ids)
    if year is None and years:
        year = years[-1]
    scores = _year_scores(member_ids, year) if year is not None else {}
    table = []
    for member in members:
        entry = scores.get(member.pk, {})
        table.append(
            {
                "org": member,
                "scores": entry.get("scores", {}),
                "assessment_id": entry.get("assessment_id"),
            }
        )
    return RegionalOverview(
        body=body,
        year=year,
        years=years,
        capitals=[(c.value, c.label) for c in CapitalKey],
        rows=table,
        member_ids=member_ids,
    )


def _regional_members(body: Organisation, population_class: str) -> list[Organisation]:
    """Return the body's members in force, of the population class if one is given."""
    members = Organisation.objects.filter(
        pk__in=Membership.objects.in_force().filter(body=body).values("member_id")
    ).order_by("name")
    if population_class:
        low, high = POPULATION_BOUNDS[population_class]
        members = members.filter(population__gte=low)
        if high is not None:
            members = members.filter(population__lt=high)
    return list(members)


def _member_results(member_ids: list[int], **filters) -> QuerySet[AssessmentResult]:
    """Return the results of each member's latest shared, published assessment per year."""
    return AssessmentResult.objects.filter(
        assessment__organisation_id__in=member_ids,
        assessment__status=Status.PUBLISHED,
        assessment__sharing_level__in=SHARED_LEVELS,
        assessment_id=_latest_shared(per_year=True),
        **filters,
    )


def _shared_years(member_ids: list[int]) -> list[int]:
    return sorted(
        _shared_published(organisation_id__in=member_ids)
        .values_list("year", flat=True)
        .distinct()
        .order_by()
    )


def _year_scores(member_ids: list[int], year: int) -> dict[int, dict]:
    """Return {organisation id: {"assessment_id", "scores"}} of the members' results of `year`."""
    scores: dict[int, dict] = {}
    for org_id, assessment_id, key, score in _member_results(
        member_ids, assessment__year=year
    ).values_list("assessment__organisation_id", "assessment_id", "capital_key", "score"):
        entry = scores.setdefault(org_id, {"assessment_id": assessment_id, "scores": {}})
        entry["scores"][key] = score
    return scores


TRENDS_TIMEOUT = 24 * 3600


def regional_trends(
    member_ids: list[int], years: list[int], capitals: list[tuple[str, str]]
) -> dict[str, dict[int, float | None]]:
    """Return the members' median per capital and year, from their latest result of each year.

    Each year's medians are a derived value kept in the cache under the members (a hash
    of their ids: memberships, dates and filters all show there) and the year's
    `shared_results_scope` version, which every publish, reopen and sharing change of an
    assessment of that year bumps. A change therefore recomputes only its own year, and
    the cost of the first view after a change does not grow with the years of history.
    """
    members = hashlib.sha256(",".join(map(str, sorted(member_ids))).encode()).hexdigest()[:24]
    year_versions = versions_of([shared_results_scope(year) for year in years])
    keys = {
        year: f"kraftsamla:trend:{members}:{year}:{year_versions[shared_results_scope(year)]}"
        for year in years
    }
    found = cache.get_many(list(keys.values()))
    medians = {year: found[keys[year]] for year in years if keys[year] in found}
    missing = [year for year in years if year not in medians]
    if missing:
        by_year: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for year, key, score in _member_results(
            member_ids, assessment__year__in=missing
        ).values_list("assessment__year", "capital_key", "score"):
            by_year[year][key].append(score)
        for year in missing:
            medians[year] = {
                key: scoring.median_or_none(by_year[year][key]) for key, _label in capitals
            }
        cache.set_many({keys[year]: medians[year] for year in missing}, TRENDS_TIMEOUT)
    return {key: {year: medians[year].get(key) for year in years} for key, _label in capitals}


def regional_years(body: Organisation) -> list[int]:
    """Return the years in which the body's members have shared, published results
    (one DISTINCT query, for the year choices)."""
    return sorted(
        _shared_published(
            organisation_id__in=Membership.objects.in_force().filter(body=body).values("member_id")
        )
        .values_list("year", flat=True)
        .distinct()
        .order_by()
    )


def bodies_coordinated(who) -> QuerySet[Organisation]:
    """Return the bodies whose regional overview `who` may see (for the overview menu).

    Staff may see every body's overview; their menu lists the bodies that have members.
    """
    bodies = access.scope(who, "capacity.regional_overview.view", Organisation.objects.all())
    if access.access_of(who).is_staff:
        bodies = bodies.filter(member_links__isnull=False).distinct()
    return bodies.order_by("name")


def statement_details(
    assessment: Assessment, results: dict[str, scoring.CapitalResult] | None = None
) -> list[dict]:
    """Return per statement: text, median, spread, agreed score and who disagrees (group mode).

    Pass the already computed `results` to avoid computing them twice.
    """
    if results is None:
        results = assessment_capital_results(assessment)
    statements = {
        s.pk: s
        for s in Statement.objects.filter(
            capital__framework_id=assessment.framework_id
        ).select_related("capital")
    }
    agreed = {a.statement_id: a for a in AgreedScore.objects.filter(assessment=assessment)}
    people = {r.pk: r for r in respondents_of(assessment)}
    out = []
    for key, capital in results.items():
        for sr in capital.statements:
            out.append(
                {
                    "capital_key": key,
                    "statement": statements[sr.statement_id],
                    "result": sr,
                    "agreed": agreed.get(sr.statement_id),
                    "disagreeing": [people[r] for r in sr.disagreeing if r in people],
                }
            )
    return out


def needs_from_notes(assessment: Assessment) -> list[dict]:
    """Return respondents' notes per capital: what would strengthen it and the form that helps."""
    notes = (
        CapitalNote.objects.filter(respondent__assessment=assessment)
        .exclude(strengthen="", collaboration_form="")
        .select_related("capital", "respondent")
        .order_by("capital__order", "respondent__role_group")
    )
    return [
        {
            "capital": n.capital,
            "text": n.strengthen,
            "form": n.get_collaboration_form_display(),
            "role_group": n.respondent.get_role_group_display(),
        }
        for n in notes
    ]


# --- The personal start page -------------------------------------------------------


@dataclass
class AnswerProgress:
    """An open assessment waiting for the person's answers, and how far they have come."""

    assessment: Assessment
    answered: int
    total: int
    next_url: str


def assessments_to_answer(who) -> list[AnswerProgress]:
    """Return the open assessments the person answers and has not marked done, in 4 queries."""
    user = access.access_of(who).user
    assessments = list(
        access.scope(who, "capacity.assessment.answer", Assessment.objects.all())
        .filter(respondents__user=user, respondents__submitted_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name", "-year")
    )
    if not assessments:
        return []
    answered: dict[int, set[int]] = defaultdict(set)
    for assessment_id, statement_id in Answer.objects.filter(
        respondent__user=user, respondent__assessment__in=assessments
    ).values_list("respondent__assessment_id", "statement_id"):
        answered[assessment_id].add(statement_id)
    statements: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for statement_id, framework_id, capital_key in (
        Statement.objects.filter(capital__framework_id__in={a.framework_id for a in assessments})
        .order_by("capital__order", "order")
        .values_list("id", "capital__framework_id", "capital__key")
    ):
        statements[framework_id].append((statement_id, capital_key))
    progress = []
    for assessment in assessments:
        done = answered[assessment.pk]
        ordered = statements[assessment.framework_id]
        first_open = next(((pk, key) for pk, key in ordered if pk not in done), None)
        progress.append(
            AnswerProgress(
                assessment=assessment,
                answered=sum(1 for pk, _key in ordered if pk in done),
                total=len(ordered),
                next_url=assessment.statement_url(first_open[1], first_open[0])
                if first_open
                else assessment.get_absolute_url(),
            )
        )
    return progress


@dataclass
class BodyFollowUp:
    """A coordinating body's members in force and those without a shared, published
    assessment of the year."""

    body: Organisation
    year: int
    member_count: int
    without: list[Organisation]


def bodies_follow_up(who, year: int | None = None) -> list[BodyFollowUp]:
    """Return, for the bodies the person works in, the members that have not published (and
    shared with the body) an assessment of `year`, in a fixed number of queries.

    Without `year`, the round is the latest year in which any member shared a published
    assessment (the year the heatmap shows), or this year when none has.
    """
    own = access.access_of(who).organisation_ids()
    bodies = list(
        access.scope(
            who, "capacity.regional_overview.view", Organisation.objects.filter(pk__in=own)
        ).order_by("name")
    )
    if not bodies:
        return []
    members: dict[int, list[Organisation]] = defaultdict(list)
    for membership in (
        Membership.objects.in_force()
        .filter(body__in=bodies)
        .select_related("member")
        .order_by("member__name")
    ):
        members[membership.body_id].append(membership.member)
    member_ids = {m.pk for body_members in members.values() for m in body_members}
    if year is None:
        year = (
            access.scope(
                who,
                "capacity.assessment.view",
                Assessment.objects.filter(organisation_id__in=member_ids, status=Status.PUBLISHED),
            ).aggregate(latest=Max("year"))["latest"]
            or timezone.localdate().year
        )
    published = set(
        access.scope(
            who,
            "capacity.assessment.view",
            Assessment.objects.filter(
                organisation_id__in=member_ids, year=year, status=Status.PUBLISHED
            ),
        ).values_list("organisation_id", flat=True)
    )
    return [
        BodyFollowUp(
            body=body,
            year=year,
            member_count=len(members[body.pk]),
            without=[m for m in members[body.pk] if m.pk not in published],
        )
        for body in bodies
    ]
