"""Read offers, needs, the coverage grid, recommendations, uptake and effect.

Everything is scoped by kraftsamla.core.permissions, and each page uses a fixed
number of queries whatever the number of members, needs or offers.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.capacity.models import (
    Assessment,
    AssessmentResult,
    CapitalKey,
    CollaborationForm,
    Framework,
    Respondent,
    Status,
)
from kraftsamla.core import access
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    Membership,
    Organisation,
)
from kraftsamla.support.models import (
    AVAILABLE_STATUSES,
    TARGET_GROUP_BY_ROLE_GROUP,
    Enrolment,
    EnrolmentStatus,
    Need,
    Offer,
    Rating,
)

SHARED = (SharingLevel.REGION, SharingLevel.PUBLIC)


def _current_members(body: Organisation) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            pk__in=Membership.objects.in_force().filter(body=body).values("member_id")
        ).order_by("name")
    )


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
    return Offer.objects.select_related("provider").get(pk=pk)


def enrolments_of_offer(offer: Offer) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(offer=offer)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .select_related("participant", "organisation")
        .order_by("status", "created_at", "id")
    )


def visible_needs(user) -> QuerySet[Need]:
    return access.scope(user, "support.need.view", Need.objects.all()).select_related(
        "organisation"
    )


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
    capital: str
    form: str
    needs: list[Need] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)

    @property
    def form_label(self) -> str:
        return str(CollaborationForm(self.form).label)

    @property
    def municipalities(self) -> list[str]:
        return sorted({n.organisation.display_name for n in self.needs})

    @property
    def available_offers(self) -> list[Offer]:
        return [o for o in self.offers if o.status in AVAILABLE_STATUSES]

    @property
    def seats(self) -> int | None:
        """Total seats of available offers; None when any of them has no limit."""
        values = [o.seats for o in self.available_offers]
        return None if any(v is None for v in values) else sum(values)

    @property
    def uptake(self) -> int:
        return sum(getattr(o, "enrolled", 0) for o in self.offers)

    @property
    def is_gap(self) -> bool:
        return bool(self.needs) and not self.available_offers

    @property
    def is_unused(self) -> bool:
        return bool(self.offers) and not self.needs


@dataclass
class CoverageGrid:
    body: Organisation
    capitals: list[tuple[str, str]]
    forms: list[tuple[str, str]]
    cells: dict[tuple[str, str], Cell]
    needs_without_form: dict[str, list[Need]]
    member_count: int

    def rows(self):
        for key, label in self.capitals:
            yield (
                key,
                label,
                [self.cells[(key, f)] for f, _l in self.forms],
                self.needs_without_form.get(key, []),
            )

    @property
    def gaps(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.is_gap]

    @property
    def unused(self) -> list[Cell]:
        return [c for c in self.cells.values() if c.is_unused]


def coverage_grid(
    *, body: Organisation, target_group: str = "", year: int | None = None
) -> CoverageGrid:
    """Count members' shared needs and the body's offers per capital × collaboration form.

    Only needs members shared with the region (or made public) count. An offer
    strengthening several capitals counts in each of them.
    """
    members = _current_members(body)
    member_by_id = {m.pk: m for m in members}
    # The needs' organisations are the members already loaded: attached below rather than
    # joined, so thousands of needs do not build thousands of copies of 290 organisations.
    needs = Need.objects.filter(organisation_id__in=list(member_by_id), sharing_level__in=SHARED)
    if year:
        needs = needs.filter(year=year)
    if target_group:
        needs = needs.filter(Q(target_group=target_group) | Q(target_group=""))
    offers = list(offers_of(body))
    if target_group:
        offers = [o for o in offers if not o.target_groups or target_group in o.target_groups]
    if year:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        offers = [
            o
            for o in offers
            if (o.start_date is None or o.start_date <= end)
            and (o.end_date is None or o.end_date >= start)
        ]
    capitals = [(c.value, str(c.label)) for c in CapitalKey]
    forms = [(f.value, str(f.label)) for f in CollaborationForm]
    cells = {(c, f): Cell(capital=c, form=f) for c, _l in capitals for f, _m in forms}
    without_form: dict[str, list[Need]] = defaultdict(list)
    for need in needs:
        need.organisation = member_by_id[need.organisation_id]
        if need.collaboration_form:
            cells[(need.capital, need.collaboration_form)].needs.append(need)
        else:
            without_form[need.capital].append(need)
    for offer in offers:
        for capital in offer.capitals:
            if (capital, offer.collaboration_form) in cells:
                cells[(capital, offer.collaboration_form)].offers.append(offer)
    return CoverageGrid(
        body=body,
        capitals=capitals,
        forms=forms,
        cells=cells,
        needs_without_form=dict(without_form),
        member_count=len(members),
    )


# --- Recommendations -------------------------------------------------------------

WEAKNESS_POINTS = 40
ORDER_POINTS = 10
OWN_NEED_POINTS = 25
FORM_MATCH_POINTS = 5
SHARED_NEED_POINTS = 10
TARGET_GROUP_POINTS = 10
RATING_POINTS = 5
MIN_RATINGS = 2


@dataclass
class Recommendation:
    offer: Offer
    score: float
    reasons: list[str]


def latest_scores(organisation: Organisation) -> tuple[Assessment | None, dict[str, float | None]]:
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


def user_target_groups(user, organisation: Organisation) -> set[str]:
    """Return the target groups the user belongs to, from their role groups in assessments."""
    if not getattr(user, "is_authenticated", False):
        return set()
    groups = Respondent.objects.filter(
        user=user, assessment__organisation=organisation
    ).values_list("role_group", flat=True)
    return {TARGET_GROUP_BY_ROLE_GROUP[g] for g in groups if g in TARGET_GROUP_BY_ROLE_GROUP}


def recommendations(
    *, organisation: Organisation, user, limit: int = 10
) -> tuple[list[Recommendation], dict]:
    """Rank the open offers available to the organisation, with reasons in plain words.

    score = weakness + order + own need + shared need + target group + ratings, where
    - weakness: up to 40 points, (100 − the lowest score among the offer's capitals) × 0.4
    - order: up to 10 points for capitals early in the building order
    - own need: 25 points when the organisation registered a need in one of the
      offer's capitals, 5 more when the collaboration form matches too
    - shared need: up to 10 points, the share of the body's members that shared a
      need in one of the offer's capitals
    - target group: 10 points when the offer is for a group the person belongs to
    - ratings: (mean rating − 3) × 5 points, from similar municipalities (same
      population class) when at least two rated it, otherwise from all participants
    """
    bodies = bodies_for(organisation)
    offers = list(
        Offer.objects.filter(provider__in=bodies, status__in=AVAILABLE_STATUSES)
        .filter(Q(open_to_all_members=True) | Q(open_to=organisation))
        .select_related("provider")
        .distinct()
    )
    assessment, scores = latest_scores(organisation)
    framework = (
        assessment.framework if assessment else Framework.objects.filter(is_current=True).first()
    )
    steps = framework.building_steps if framework else []
    last_step = max(len(steps) - 1, 1)
    step_of = {k: i for i, step in enumerate(steps) for k in step}
    own_needs = list(Need.objects.filter(organisation=organisation))
    need_capitals = {n.capital for n in own_needs}
    need_pairs = {(n.capital, n.collaboration_form) for n in own_needs}
    # Members per body that shared a need per capital, in one query.
    member_ids_by_body: dict[int, set[int]] = defaultdict(set)
    for body_id, member_id in (
        Membership.objects.in_force()
        .filter(body__in=bodies)
        .order_by()
        .values_list("body_id", "member_id")
    ):
        member_ids_by_body[body_id].add(member_id)
    all_member_ids = set().union(*member_ids_by_body.values()) if member_ids_by_body else set()
    shared_by_capital: dict[str, set[int]] = defaultdict(set)
    for org_id, capital in (
        Need.objects.filter(organisation_id__in=all_member_ids, sharing_level__in=SHARED)
        .order_by()
        .values_list("organisation_id", "capital")
    ):
        shared_by_capital[capital].add(org_id)
    groups = user_target_groups(user, organisation)
    # Ratings per offer: all, and from municipalities of the same population class.
    ratings_all: dict[int, list[int]] = defaultdict(list)
    ratings_similar: dict[int, list[int]] = defaultdict(list)
    pc = organisation.population_class
    for offer_id, score, population in Rating.objects.filter(
        enrolment__offer__in=offers
    ).values_list("enrolment__offer_id", "score", "enrolment__organisation__population"):
        ratings_all[offer_id].append(score)
        from kraftsamla.organisations.models import population_class_for

        if pc and population_class_for(population) == pc:
            ratings_similar[offer_id].append(score)
    capital_names = dict(CapitalKey.choices)
    lowest_key = min(
        (k for k, v in scores.items() if v is not None), key=lambda k: scores[k], default=None
    )
    ranked = []
    for offer in offers:
        reasons = []
        total = 0.0
        scored = [(c, scores.get(c)) for c in offer.capitals if scores.get(c) is not None]
        if scored:
            capital, value = min(scored, key=lambda cv: cv[1])
            total += (100 - value) / 100 * WEAKNESS_POINTS
            reason = _("your %(capital)s scored %(score)s/100") % {
                "capital": str(capital_names.get(capital, capital)).lower(),
                "score": round(value),
            }
            if capital == lowest_key:
                reason += _(", lowest among your capitals")
            reasons.append(reason)
            step = step_of.get(capital, last_step)
            total += ORDER_POINTS * (last_step - step) / last_step
        if need_capitals & set(offer.capitals):
            total += OWN_NEED_POINTS
            matched = [c for c in offer.capitals if (c, offer.collaboration_form) in need_pairs]
            if matched:
                total += FORM_MATCH_POINTS
                reasons.append(_("it answers a need you registered, in the form you asked for"))
            else:
                reasons.append(_("it answers a need you registered"))
        members = member_ids_by_body.get(offer.provider_id, set())
        if members:
            sharing = (
                set().union(*(shared_by_capital.get(c, set()) for c in offer.capitals)) & members
            )
            if sharing:
                total += SHARED_NEED_POINTS * len(sharing) / len(members)
                reasons.append(
                    _("%(n)d of %(total)d member municipalities share this need")
                    % {"n": len(sharing), "total": len(members)}
                )
        if groups and set(offer.target_groups) & groups:
            total += TARGET_GROUP_POINTS
            reasons.append(_("it is meant for people in your role"))
        similar = ratings_similar.get(offer.pk, [])
        pool, label = (
            (similar, _("municipalities like yours"))
            if len(similar) >= MIN_RATINGS
            else (ratings_all.get(offer.pk, []), _("participants"))
        )
        if len(pool) >= MIN_RATINGS:
            mean = statistics.mean(pool)
            total += (mean - 3) * RATING_POINTS
            reasons.append(_("%(who)s rated it %(mean)s/5") % {"who": label, "mean": f"{mean:.1f}"})
        ranked.append(Recommendation(offer=offer, score=round(total, 1), reasons=reasons))
    ranked.sort(key=lambda r: (-r.score, r.offer.title))
    return ranked[:limit], {
        "assessment": assessment,
        "scores": scores,
        "groups": groups,
        "bodies": bodies,
    }


# --- Uptake and effect -------------------------------------------------------------


def uptake(*, body: Organisation) -> dict:
    """Return enrolments per offer and per member municipality, and members with none."""
    members = _current_members(body)
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


def effect(*, offer: Offer) -> list[EffectRow]:
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
    members = [m.pk for m in _current_members(offer.provider)]
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
    capitals (score under 50 in its latest published assessment) or a capital it
    registered a need in. Without assessment or needs, every new offer counts.
    """
    _assessment, scores = latest_scores(organisation)
    weak = {k for k, v in scores.items() if v is not None and v < 50}
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
