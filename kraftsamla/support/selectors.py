"""Read offers, needs, the coverage grid, recommendations, uptake and effect.

What a person may see is scoped by the support policies (kraftsamla.core.access),
and each page uses a fixed number of queries whatever the number of members,
needs or offers.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Avg, Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.accounts.selectors import organisations_of
from kraftsamla.capacity.models import (
    YOUR_CAPITAL,
    Assessment,
    AssessmentResult,
    CapitalKey,
    CollaborationForm,
    Framework,
    Respondent,
    Status,
)
from kraftsamla.capacity.scoring import LOW_SCORE
from kraftsamla.core import access
from kraftsamla.core.caching import BLOCK_TIMEOUT, block_key, declare
from kraftsamla.core.charts import format_number
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    Organisation,
    population_class_for,
)
from kraftsamla.organisations.selectors import body_members
from kraftsamla.support.models import (
    AVAILABLE_STATUSES,
    TARGET_GROUP_BY_ROLE_GROUP,
    DigestSubscription,
    Enrolment,
    EnrolmentStatus,
    Need,
    Offer,
    OfferStatus,
    Rating,
)

SHARED = (SharingLevel.REGION, SharingLevel.PUBLIC)


def offers_of(provider: Organisation) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(provider=provider)
        .annotate(
            enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
            avg_rating=Avg("enrolments__rating__score"),
        )
        .order_by("status", "title__sv")
    )


def offer_get(pk: int) -> Offer:
    """Return the offer (offers are public); Http404 when there is none."""
    return get_object_or_404(Offer.objects.select_related("provider"), pk=pk)


def bodies_with_offers() -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        kind__in=COORDINATING_KINDS, support_offers__isnull=False
    ).distinct()


def enrolments_of_offer(offer: Offer) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(offer=offer)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("participant", "organisation")
        .order_by("status", "created_at", "id")
    )


def offer_is_open_to(offer: Offer, organisation: Organisation) -> bool:
    """Whether the organisation, a member in force of the provider, may take part in the offer."""
    is_member = (
        Membership.objects.in_force()
        .filter(body_id=offer.provider_id, member=organisation)
        .exists()
    )
    if not is_member:
        return False
    return offer.open_to_all_members or offer.open_to.filter(pk=organisation.pk).exists()


def offer_has_ended(offer: Offer) -> bool:
    today = timezone.localdate()
    return offer.status == OfferStatus.CLOSED or (
        offer.end_date is not None and offer.end_date < today
    )


def organisations_to_enrol(user, offer: Offer) -> list[Organisation]:
    """Return the user's organisations that the offer is open to."""
    return [org for org in organisations_of(user) if offer_is_open_to(offer, org)]


def participants_of(offer: Offer) -> QuerySet:
    """Return the ids of the people enrolled in the offer or waiting for a seat."""
    return (
        Enrolment.objects.filter(offer=offer)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .values("participant_id")
    )


def enrolments_visible(who, offer: Offer) -> list[Enrolment]:
    """Return the offer's enrolments that `who` may see (their organisation's; all for managers)."""
    return list(
        access.scope(who, "support.enrolment.view", Enrolment.objects.filter(offer=offer))
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("participant", "organisation")
        .order_by("status", "created_at", "id")
    )


def enrolments_of_organisation(organisation: Organisation, limit: int = 50) -> list[Enrolment]:
    """Return the organisation's latest enrolments that are not cancelled."""
    return list(
        Enrolment.objects.filter(organisation=organisation)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("offer", "participant")
        .order_by("-created_at")[:limit]
    )


def needs_visible(who) -> QuerySet[Need]:
    return access.scope(who, "support.need.view", Need.objects.all()).select_related("organisation")


def needs_of(organisation: Organisation, who) -> QuerySet[Need]:
    """Return the organisation's needs that `who` may see, most important first."""
    return access.scope(
        who, "support.need.view", Need.objects.filter(organisation=organisation)
    ).order_by("priority", "-created_at")


def assessments_of(organisation: Organisation) -> QuerySet[Assessment]:
    """Return the organisation's assessments, newest first (to turn their notes into needs)."""
    return Assessment.objects.filter(organisation=organisation).order_by("-year")


def digest_subscription_of(user) -> DigestSubscription | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return DigestSubscription.objects.filter(user=user).first()


def bodies_for(organisation: Organisation) -> list[Organisation]:
    """Return the coordinating bodies the organisation is a current member of."""
    return list(
        Organisation.objects.filter(
            pk__in=Membership.objects.in_force().filter(member=organisation).values("body_id"),
            kind__in=COORDINATING_KINDS,
        ).order_by("name")
    )


# --- Coverage grid ---------------------------------------------------------------


@dataclass
class Cell:
    """One capital × collaboration form: counted needs and the offers that cover it."""

    capital: str
    collaboration_form: str
    need_count: int = 0
    member_ids: set[int] = field(default_factory=set)
    offers: list[Offer] = field(default_factory=list)
    # Display names of the body's members ({id: name}), shared by all cells of a grid.
    member_names: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def form_label(self) -> str:
        return str(CollaborationForm(self.collaboration_form).label)

    @property
    def municipalities(self) -> list[str]:
        return sorted({self.member_names[pk] for pk in self.member_ids})

    @property
    def available_offers(self) -> list[Offer]:
        return [o for o in self.offers if o.status in AVAILABLE_STATUSES]

    @property
    def seats(self) -> int | None:
        """Total seats of available offers; None when any of them has no limit."""
        values = [o.seats for o in self.available_offers]
        return None if any(v is None for v in values) else sum(values)

    @property
    def seat_count(self) -> int | None:
        """Total seats of available offers, or None when none is open or one has no limit."""
        return self.seats if self.available_offers else None

    @property
    def has_unlimited_offer(self) -> bool:
        return any(o.seats is None for o in self.available_offers)

    @property
    def only_closed_offers(self) -> bool:
        """The cell has offers, but none of them is open for enrolment."""
        return bool(self.offers) and not self.available_offers

    @property
    def uptake(self) -> int:
        return sum(getattr(o, "enrolled", 0) for o in self.offers)

    @property
    def is_gap(self) -> bool:
        return bool(self.need_count) and not self.available_offers

    @property
    def is_unused(self) -> bool:
        """An open offer that no member has asked for (closed offers do not count)."""
        return bool(self.available_offers) and not self.need_count


@dataclass
class CoverageGrid:
    body: Organisation
    capitals: list[tuple[str, str]]
    collaboration_forms: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    # Shared needs without a preferred collaboration form, counted per capital.
    needs_without_form: dict[str, int]
    member_count: int

    def rows(self):
        for key, label in self.capitals:
            yield (
                key,
                label,
                [self.cells[(key, form)] for form, _label in self.collaboration_forms],
                self.needs_without_form.get(key, 0),
            )

    @property
    def need_count(self) -> int:
        """Every shared need in the grid, with or without a preferred form."""
        in_cells = sum(cell.need_count for cell in self.cells.values())
        return in_cells + sum(self.needs_without_form.values())

    @property
    def gaps(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.is_gap]

    @property
    def unused(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.is_unused]


def _members_in_force(body: Organisation) -> QuerySet:
    """The ids of the body's members today, as a subquery."""
    return Membership.objects.in_force().filter(body=body).values("member_id")


def coverage_years(body: Organisation) -> list[int]:
    """Years with data in the body's grid: members' shared needs and its offers' dates."""
    years = set(
        Need.objects.filter(organisation_id__in=_members_in_force(body), sharing_level__in=SHARED)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    for start, end in Offer.objects.filter(provider=body).values_list("start_date", "end_date"):
        years.update(date.year for date in (start, end) if date is not None)
    return sorted(years, reverse=True)


def _grid_needs(body: Organisation, target_group: str, year: int | None) -> QuerySet[Need]:
    """The members' needs that count in the grid: shared with the region or public."""
    needs = Need.objects.filter(
        organisation_id__in=_members_in_force(body), sharing_level__in=SHARED
    )
    if year:
        needs = needs.filter(year=year)
    if target_group:
        needs = needs.filter(Q(target_group=target_group) | Q(target_group=""))
    return needs


def _grid_offers(body: Organisation, target_group: str, year: int | None) -> list[Offer]:
    """The body's offers for the filters, each with `enrolled` (its uptake)."""
    offers = list(
        Offer.objects.filter(provider=body).only(*GRID_OFFER_FIELDS).order_by("status", "title__sv")
    )
    enrolled = dict(
        Enrolment.objects.filter(offer__provider=body, status=EnrolmentStatus.ENROLLED)
        .order_by()
        .values_list("offer_id")
        .annotate(n=Count("id"))
        .values_list("offer_id", "n")
    )
    if year:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    kept = []
    for offer in offers:
        if target_group and offer.target_groups and target_group not in offer.target_groups:
            continue
        if year and not (
            (offer.start_date is None or offer.start_date <= end)
            and (offer.end_date is None or offer.end_date >= start)
        ):
            continue
        offer.enrolled = enrolled.get(offer.pk, 0)
        kept.append(offer)
    return kept


# What the grid, its cell detail and its export read of an offer.
GRID_OFFER_FIELDS = (
    "id",
    "provider_id",
    "title",
    "capitals",
    "collaboration_form",
    "target_groups",
    "seats",
    "start_date",
    "end_date",
    "status",
    "is_demo",
)


def coverage_grid(
    *, body: Organisation, target_group: str = "", year: int | None = None
) -> CoverageGrid:
    """Count members' shared needs and the body's offers per capital × collaboration form.

    Only needs members shared with the region (or made public) count. An offer
    strengthening several capitals counts in each of them. The needs are counted in
    SQL (GROUP BY capital, collaboration form, member), so the cost grows with the
    cells and members, not with the needs; `coverage_cell` lists one cell's needs.
    """
    member_names = {
        pk: short_name or name
        for pk, short_name, name in Organisation.objects.filter(
            pk__in=_members_in_force(body)
        ).values_list("pk", "short_name", "name")
    }
    capitals = [(capital.value, str(capital.label)) for capital in CapitalKey]
    collaboration_forms = [(form.value, str(form.label)) for form in CollaborationForm]
    cells = {
        (capital, form): Cell(capital=capital, collaboration_form=form, member_names=member_names)
        for capital, _label in capitals
        for form, _form_label in collaboration_forms
    }
    without_form: Counter[str] = Counter()
    counted = (
        _grid_needs(body, target_group, year)
        .order_by()
        .values_list("capital", "collaboration_form", "organisation_id")
        .annotate(n=Count("id"))
    )
    for capital, form, member_id, count in counted:
        if form:
            cell = cells[(capital, form)]
            cell.need_count += count
            cell.member_ids.add(member_id)
        else:
            without_form[capital] += count
    for offer in _grid_offers(body, target_group, year):
        for capital in offer.capitals:
            if (capital, offer.collaboration_form) in cells:
                cells[(capital, offer.collaboration_form)].offers.append(offer)
    return CoverageGrid(
        body=body,
        capitals=capitals,
        collaboration_forms=collaboration_forms,
        cells=cells,
        needs_without_form=dict(without_form),
        member_count=len(member_names),
    )


@dataclass
class CellDetail:
    """One cell of the grid with its shared needs and offers listed (the drill-down)."""

    capital: str
    collaboration_form: str
    title: str
    needs: list[Need]
    offers: list[Offer]


def coverage_cell(
    *,
    grid: CoverageGrid,
    capital: str,
    collaboration_form: str,
    target_group: str = "",
    year: int | None = None,
) -> CellDetail | None:
    """Return one cell of the grid (counted with the same filters) with its shared needs listed.

    None for a cell not in the grid.
    """
    cell = grid.cells.get((capital, collaboration_form))
    if cell is None:
        return None
    needs = list(
        _grid_needs(grid.body, target_group, year)
        .filter(capital=capital, collaboration_form=collaboration_form)
        .select_related("organisation")
    )
    title = f"{CapitalKey(capital).label} × {CollaborationForm(collaboration_form).label}"
    return CellDetail(capital, collaboration_form, title, needs, cell.offers)


# --- Recommendations -------------------------------------------------------------


@dataclass(frozen=True)
class RankingPoints:
    """The points of the recommendation ranking; the ranking help page shows these."""

    weakness: int = 40  # up to, for the offer's weakest capital
    building_order: int = 10  # up to, for capitals early in the building order
    own_need: int = 25  # a need the organisation registered in one of the capitals
    form_match: int = 5  # ... in the collaboration form it asked for
    shared_need: int = 10  # up to, the share of the body's members sharing such a need
    target_group: int = 10  # the offer is meant for a group the person belongs to
    rating: int = 5  # per rating point above (or below) the neutral rating
    neutral_rating: int = 3
    min_ratings: int = 2  # ratings needed before they count

    @property
    def weakness_factor(self) -> float:
        """Points per score point under 100 (40 points over 100 score points = 0.4)."""
        return self.weakness / 100


RANKING = RankingPoints()

# The ranked offers of an organisation: its and its bodies' members' needs, the offers,
# enrolments and ratings (support), assessments, results and respondents (capacity), and
# memberships and population (organisations).
RECOMMENDATIONS = declare(
    "support.recommendations", depends_on=("support", "capacity", "organisations")
)


@dataclass
class Recommendation:
    offer: Offer
    score: float
    reasons: list[str]


def scores_latest(organisation: Organisation) -> tuple[Assessment | None, dict[str, float | None]]:
    """Return the latest published assessment and its stored scores per capital."""
    assessment = (
        Assessment.objects.filter(organisation=organisation, status=Status.PUBLISHED)
        .select_related("framework")
        .order_by("-year", "-published_at")
        .first()
    )
    if assessment is None:
        return None, {}
    return assessment, dict(
        AssessmentResult.objects.filter(assessment=assessment).values_list("capital_key", "score")
    )


def target_groups_of(user, organisation: Organisation) -> set[str]:
    """Return the target groups the user belongs to, from their role groups in assessments."""
    if not getattr(user, "is_authenticated", False):
        return set()
    groups = Respondent.objects.filter(
        user=user, assessment__organisation=organisation
    ).values_list("role_group", flat=True)
    return {TARGET_GROUP_BY_ROLE_GROUP[g] for g in groups if g in TARGET_GROUP_BY_ROLE_GROUP}


@dataclass
class _RankingFacts:
    """What the ranking knows about the organisation, read once for all offers."""

    scores: dict[str, float | None]
    lowest_capital: str | None
    step_of: dict[str, int]
    last_step: int
    need_capitals: set[str]
    need_pairs: set[tuple[str, str]]
    member_ids_by_body: dict[int, set[int]]
    sharing_by_capital: dict[str, set[int]]
    groups: set[str]
    ratings_all: dict[int, list[int]]
    ratings_similar: dict[int, list[int]]
    # Members of a body sharing a need in any of a set of capitals, counted once per request
    # for each (body, capitals) that offers have in common.
    _sharing_counts: dict[tuple[int, frozenset[str]], int] = field(default_factory=dict)

    def sharing_count(self, body_id: int, capitals: list[str]) -> int:
        """Return how many of the body's members shared a need in one of the capitals."""
        key = (body_id, frozenset(capitals))
        if key not in self._sharing_counts:
            members = self.member_ids_by_body.get(body_id, set())
            sharing = set().union(*(self.sharing_by_capital.get(c, set()) for c in key[1]))
            self._sharing_counts[key] = len(sharing & members)
        return self._sharing_counts[key]


# What the ranking reads of every available offer; the few shown are then read in full.
_RANKED_FIELDS = ("pk", "provider_id", "title", "capitals", "collaboration_form", "target_groups")


def _offers_available(organisation: Organisation, bodies: list[Organisation]) -> list[Offer]:
    """The open offers of the organisation's bodies that are open to it (no join, no DISTINCT),
    with only the fields the ranking reads."""
    open_to_it = Offer.open_to.through.objects.filter(organisation=organisation).values("offer_id")
    return list(
        Offer.objects.filter(provider__in=bodies, status__in=AVAILABLE_STATUSES)
        .filter(Q(open_to_all_members=True) | Q(pk__in=open_to_it))
        .only(*_RANKED_FIELDS)
    )


def _building_steps(assessment: Assessment | None) -> list[list[str]]:
    framework = (
        assessment.framework if assessment else Framework.objects.filter(is_current=True).first()
    )
    return framework.building_steps if framework else []


def _members_sharing_needs(
    bodies: list[Organisation],
) -> tuple[dict[int, set[int]], dict[str, set[int]]]:
    """Return the members per body and, per capital, the members that shared a need in it."""
    member_ids_by_body: dict[int, set[int]] = defaultdict(set)
    for body_id, member_id in (
        Membership.objects.in_force()
        .filter(body__in=bodies)
        .order_by()
        .values_list("body_id", "member_id")
    ):
        member_ids_by_body[body_id].add(member_id)
    all_member_ids = set().union(*member_ids_by_body.values()) if member_ids_by_body else set()
    sharing_by_capital: dict[str, set[int]] = defaultdict(set)
    for org_id, capital in (
        Need.objects.filter(organisation_id__in=all_member_ids, sharing_level__in=SHARED)
        .order_by()
        .values_list("organisation_id", "capital")
        .distinct()
    ):
        sharing_by_capital[capital].add(org_id)
    return member_ids_by_body, sharing_by_capital


def _ratings(
    organisation: Organisation, offers: list[Offer]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Return the ratings per offer: all, and from municipalities of the same population class."""
    ratings_all: dict[int, list[int]] = defaultdict(list)
    ratings_similar: dict[int, list[int]] = defaultdict(list)
    own_class = organisation.population_class
    for offer_id, score, population in Rating.objects.filter(
        enrolment__offer_id__in=[offer.pk for offer in offers]
    ).values_list("enrolment__offer_id", "score", "enrolment__organisation__population"):
        ratings_all[offer_id].append(score)
        if own_class and population_class_for(population) == own_class:
            ratings_similar[offer_id].append(score)
    return ratings_all, ratings_similar


def _ranking_facts(
    organisation: Organisation, groups: set[str], bodies: list[Organisation], offers: list[Offer]
) -> tuple[Assessment | None, _RankingFacts]:
    assessment, scores = scores_latest(organisation)
    steps = _building_steps(assessment)
    own_needs = list(
        Need.objects.filter(organisation=organisation).values_list("capital", "collaboration_form")
    )
    member_ids_by_body, sharing_by_capital = _members_sharing_needs(bodies)
    ratings_all, ratings_similar = _ratings(organisation, offers)
    facts = _RankingFacts(
        scores=scores,
        lowest_capital=min(
            (key for key, score in scores.items() if score is not None),
            key=lambda key: scores[key],
            default=None,
        ),
        step_of={key: index for index, step in enumerate(steps) for key in step},
        last_step=max(len(steps) - 1, 1),
        need_capitals={capital for capital, _form in own_needs},
        need_pairs=set(own_needs),
        member_ids_by_body=member_ids_by_body,
        sharing_by_capital=sharing_by_capital,
        groups=groups,
        ratings_all=ratings_all,
        ratings_similar=ratings_similar,
    )
    return assessment, facts


def _weakness_points(
    offer: Offer, facts: _RankingFacts, explain: bool = True
) -> tuple[float, list[str]]:
    """Points for the offer's weakest capital and for its place in the building order."""
    scored = [(c, facts.scores.get(c)) for c in offer.capitals if facts.scores.get(c) is not None]
    if not scored:
        return 0.0, []
    capital, value = min(scored, key=lambda pair: pair[1])
    step = facts.step_of.get(capital, facts.last_step)
    points = (100 - value) / 100 * RANKING.weakness
    points += RANKING.building_order * (facts.last_step - step) / facts.last_step
    if not explain:
        return points, []
    reason = _("%(your_capital)s scored %(score)s/100") % {
        "your_capital": YOUR_CAPITAL[CapitalKey(capital)],
        "score": format_number(value),
    }
    if capital == facts.lowest_capital:
        reason += _(", lowest among your capitals")
    return points, [reason]


def _own_need_points(
    offer: Offer, facts: _RankingFacts, explain: bool = True
) -> tuple[float, list[str]]:
    if not facts.need_capitals & set(offer.capitals):
        return 0.0, []
    if any((c, offer.collaboration_form) in facts.need_pairs for c in offer.capitals):
        return RANKING.own_need + RANKING.form_match, [
            _("it answers a need you registered, in the form you asked for")
        ] if explain else []
    return RANKING.own_need, [_("it answers a need you registered")] if explain else []


def _shared_need_points(
    offer: Offer, facts: _RankingFacts, explain: bool = True
) -> tuple[float, list[str]]:
    members = facts.member_ids_by_body.get(offer.provider_id, set())
    if not members:
        return 0.0, []
    sharing = facts.sharing_count(offer.provider_id, offer.capitals)
    if not sharing:
        return 0.0, []
    if not explain:
        return RANKING.shared_need * sharing / len(members), []
    reason = _("%(n)d of %(total)d member municipalities share this need") % {
        "n": sharing,
        "total": len(members),
    }
    return RANKING.shared_need * sharing / len(members), [reason]


def _target_group_points(
    offer: Offer, facts: _RankingFacts, explain: bool = True
) -> tuple[float, list[str]]:
    if facts.groups and set(offer.target_groups) & facts.groups:
        return RANKING.target_group, [_("it is meant for people in your role")] if explain else []
    return 0.0, []


def _rating_points(
    offer: Offer, facts: _RankingFacts, explain: bool = True
) -> tuple[float, list[str]]:
    similar = facts.ratings_similar.get(offer.pk, [])
    from_similar = len(similar) >= RANKING.min_ratings
    pool = similar if from_similar else facts.ratings_all.get(offer.pk, [])
    if len(pool) < RANKING.min_ratings:
        return 0.0, []
    mean = statistics.mean(pool)
    if not explain:
        return (mean - RANKING.neutral_rating) * RANKING.rating, []
    who = _("municipalities like yours") if from_similar else _("participants")
    reason = _("%(who)s rated it %(mean)s/5") % {"who": who, "mean": format_number(mean, 1)}
    return (mean - RANKING.neutral_rating) * RANKING.rating, [reason]


_POINT_PARTS = (
    _weakness_points,
    _own_need_points,
    _shared_need_points,
    _target_group_points,
    _rating_points,
)


def _recommendation(offer: Offer, facts: _RankingFacts, explain: bool = True) -> Recommendation:
    """Score the offer; with `explain=False` leave the reasons out (they cost translations)."""
    total, reasons = 0.0, []
    for part in _POINT_PARTS:
        points, part_reasons = part(offer, facts, explain)
        total += points
        reasons += part_reasons
    return Recommendation(offer=offer, score=round(total, 1), reasons=reasons)


def offers_recommended(
    *, organisation: Organisation, user, limit: int = 10
) -> tuple[list[Recommendation], dict]:
    """Rank the open offers available to the organisation, with reasons in plain words.

    score = weakness + order + own need + shared need + target group + ratings, with
    the points of RANKING (the ranking help page shows them):
    - weakness: (100 − the lowest score among the offer's capitals) × weakness / 100
    - order: up to `building_order` points for capitals early in the building order
    - own need: `own_need` points when the organisation registered a need in one of
      the offer's capitals, `form_match` more when the collaboration form matches too
    - shared need: up to `shared_need` points, the share of the body's members that
      shared a need in one of the offer's capitals
    - target group: `target_group` points when the offer is for a group the person is in
    - ratings: (mean rating − `neutral_rating`) × `rating` points, from similar
      municipalities (same population class) when at least `min_ratings` rated it,
      otherwise from all participants

    The ranking is cached per organisation, the person's target groups (the only part
    that depends on who asks), the viewer's sharing scope, the language and the data
    versions of support, capacity and organisations, so any write renews it.
    """
    person = access.access_of(user)
    groups = target_groups_of(person.user, organisation)
    key = block_key(
        person,
        RECOMMENDATIONS,
        parts=(organisation.pk, sorted(groups), limit, timezone.localdate()),
    )
    found = cache.get(key)
    if found is None:
        found = _offers_ranked(organisation, groups, limit)
        cache.set(key, found, BLOCK_TIMEOUT)
    return found


def _offers_ranked(
    organisation: Organisation, groups: set[str], limit: int
) -> tuple[list[Recommendation], dict]:
    bodies = bodies_for(organisation)
    offers = _offers_available(organisation, bodies)
    assessment, facts = _ranking_facts(organisation, groups, bodies, offers)
    # Score every offer without wording its reasons, then read and explain only those shown.
    scored = sorted(
        ((_recommendation(offer, facts, explain=False).score, offer) for offer in offers),
        key=lambda pair: (-pair[0], pair[1].title),
    )[:limit]
    shown = Offer.objects.select_related("provider").in_bulk([offer.pk for _s, offer in scored])
    ranked = [_recommendation(shown[offer.pk], facts) for _score, offer in scored]
    return ranked, {
        "assessment": assessment,
        "scores": facts.scores,
        "groups": facts.groups,
        "bodies": bodies,
    }


# --- Uptake and effect -------------------------------------------------------------


def body_uptake(*, body: Organisation) -> dict:
    """Return enrolments per offer and per member municipality, and members with none."""
    members = body_members(body)
    offers = list(offers_of(body))
    per_org = Counter(
        dict(
            Enrolment.objects.filter(offer__provider=body, status=EnrolmentStatus.ENROLLED)
            .values_list("organisation_id")
            .annotate(n=Count("id"))
            .values_list("organisation_id", "n")
        )
    )
    return {
        "offers": offers,
        "members": [(m, per_org.get(m.pk, 0)) for m in members],
        "none": [m for m in members if not per_org.get(m.pk)],
    }


@dataclass
class EffectRow:
    capital: str
    label: str
    participants: int
    participant_change: float | None
    others: int
    others_change: float | None


def offer_effect(*, offer: Offer) -> list[EffectRow]:
    """Compare capital changes of participants before/after the offer with non-participants.

    For each targeted capital: municipalities that took part and have a published,
    shared assessment before the offer started and one after it ended, versus
    member municipalities that did not take part, over the same years. This is an
    indication, not proof: many things change a municipality's capacity.
    """
    if offer.start_date is None:
        return []
    # Assessments are yearly: "before" is the latest up to the start year, "after" the
    # first in a year after the offer ended.
    before_year = offer.start_date.year
    after_year = (offer.end_date or timezone.localdate()).year + 1
    members = [m.pk for m in body_members(offer.provider)]
    took_part = set(
        Enrolment.objects.filter(offer=offer, status=EnrolmentStatus.ENROLLED).values_list(
            "organisation_id", flat=True
        )
    )
    rows = (
        AssessmentResult.objects.filter(
            assessment__organisation_id__in=members,
            assessment__status=Status.PUBLISHED,
            assessment__sharing_level__in=SHARED,
            capital_key__in=offer.capitals,
        )
        .filter(Q(assessment__year__lte=before_year) | Q(assessment__year__gte=after_year))
        .values_list("assessment__organisation_id", "assessment__year", "capital_key", "score")
    )
    before: dict[tuple[int, str], tuple[int, float]] = {}
    after: dict[tuple[int, str], tuple[int, float]] = {}
    for org_id, year, capital, score in rows:
        if score is None:
            continue
        key = (org_id, capital)
        if year <= before_year and (key not in before or year > before[key][0]):
            before[key] = (year, score)
        if year >= after_year and (key not in after or year < after[key][0]):
            after[key] = (year, score)
    labels = dict(CapitalKey.choices)
    result = []
    for capital in offer.capitals:
        part, other = [], []
        for org_id in members:
            key = (org_id, capital)
            if key in before and key in after:
                change = after[key][1] - before[key][1]
                (part if org_id in took_part else other).append(change)
        result.append(
            EffectRow(
                capital=capital,
                label=str(labels.get(capital, capital)),
                participants=len(part),
                participant_change=round(statistics.mean(part), 1) if part else None,
                others=len(other),
                others_change=round(statistics.mean(other), 1) if other else None,
            )
        )
    return result


# --- Digest ---------------------------------------------------------------------------


def digest_content(*, user, organisation: Organisation, since: datetime.datetime) -> dict:
    """Return the new available offers since `since` relevant to the organisation.

    Relevant: open to the organisation and strengthening one of its weak
    capitals (score under LOW_SCORE in its latest published assessment) or a capital it
    registered a need in. Without assessment or needs, every new offer counts.
    """
    _assessment, scores = scores_latest(organisation)
    weak = {key for key, score in scores.items() if score is not None and score < LOW_SCORE}
    needs = set(Need.objects.filter(organisation=organisation).values_list("capital", flat=True))
    focus = weak | needs
    offers = (
        Offer.objects.filter(
            provider__in=bodies_for(organisation),
            status__in=AVAILABLE_STATUSES,
            created_at__gte=since,
        )
        .filter(Q(open_to_all_members=True) | Q(open_to=organisation))
        .distinct()
        .order_by("title__sv")
    )
    relevant = [o for o in offers if not focus or focus & set(o.capitals)]
    return {"offers": relevant, "weak": sorted(weak), "needs": sorted(needs)}


# --- The personal start page -------------------------------------------------------

# Recommendations are ranked per organisation; a person sees those of at most this many.
START_ORGANISATIONS = 3


def offers_recommended_for_person(who, limit: int = 3) -> list[tuple[Organisation, list]]:
    """Return the top `limit` recommended offers per organisation of the person, leaving out
    offers they have already enrolled in (a fixed number of queries per organisation)."""
    person = access.access_of(who)
    organisations = list(
        access.scope(
            who,
            "support.recommendation.view",
            Organisation.objects.filter(pk__in=person.organisation_ids()).exclude(
                kind__in=COORDINATING_KINDS
            ),
        ).order_by("name")[:START_ORGANISATIONS]
    )
    if not organisations:
        return []
    taken = set(
        Enrolment.objects.filter(participant=person.user)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .values_list("offer_id", flat=True)
    )
    result = []
    for organisation in organisations:
        ranked, _info = offers_recommended(
            organisation=organisation, user=person.user, limit=limit + len(taken)
        )
        fresh = [rec for rec in ranked if rec.offer.pk not in taken][:limit]
        if fresh:
            result.append((organisation, fresh))
    return result


def enrolments_of_person(who, limit: int = 10) -> list[Enrolment]:
    """Return the person's own enrolments that are not cancelled, newest first."""
    person = access.access_of(who)
    return list(
        access.scope(
            who,
            "support.enrolment.view",
            Enrolment.objects.filter(participant_id=person.user_id).exclude(
                status=EnrolmentStatus.CANCELLED
            ),
        )
        .select_related("offer", "offer__provider", "organisation")
        .order_by("-created_at", "-id")[:limit]
    )


def bodies_gaps(who) -> list[tuple[Organisation, int]]:
    """Return (body, number of gaps in its coverage grid) for the bodies the person works in."""
    own = access.access_of(who).organisation_ids()
    bodies = access.scope(who, "support.overview.view", Organisation.objects.filter(pk__in=own))
    return [(body, len(coverage_grid(body=body).gaps)) for body in bodies.order_by("name")]
