"""Read what the matching needs: public features per municipality (cached per data
version) and the viewer's view of themes and capital profiles (scoped by the policies)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from kraftsamla.capacity.models import Assessment, AssessmentResult, CapitalKey
from kraftsamla.capacity.models import Status as AssessmentStatus
from kraftsamla.core import access
from kraftsamla.core.caching import cached_under_versions, cached_value, declare
from kraftsamla.core.versions import fingerprint
from kraftsamla.organisations import scopes
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    Boundary,
    Emission,
    EmissionSector,
    Membership,
    Organisation,
    OrganisationKind,
    PopulationClass,
    PopulationFigure,
    population_class_for,
)
from kraftsamla.organisations.reference import MAP_SCALE
from kraftsamla.projects.models import Project
from kraftsamla.support.models import Need
from kraftsamla.twinning import matching
from kraftsamla.twinning.matching import Place, Private, Purpose
from kraftsamla.twinning.models import (
    ClaimStatus,
    Participant,
    PlanStatus,
    TravelClaim,
    TwinLink,
    TwinningProgramme,
)
from kraftsamla.twinning.timeline import programme_end

SECTORS = [sector.value for sector in EmissionSector]
CAPITALS = [key.value for key in CapitalKey]
TREND_FROM = 2010
# Neighbours share at least this many boundary points (one shared point is a corner).
NEIGHBOUR_POINTS = 2

PLACES_SCOPES = (scopes.REFERENCE, scopes.REGISTER)
# The viewer's themes and capital profiles: keyed by their sharing scope (core/caching.py).
PRIVATE = declare("twinning.private", depends_on=("support", "projects", "capacity"))

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


# --- Public features ---------------------------------------------------------------------


def places() -> list[Place]:
    """Every municipality's public features, cached until reference data or the register
    changes (and per day, since memberships come into and go out of force by date)."""
    return cached_under_versions(
        "twinning.places",
        PLACES_SCOPES,
        build=places_build,
        parts=(timezone.localdate().isoformat(),),
    )


def places_by_id() -> dict[int, Place]:
    return {place.id: place for place in places()}


# The last feature arrays built, kept in this process under their cache key (the key
# holds the data versions, so a kept value is exactly as current as the shared cache's).
_kept_features: dict[str, matching.Features] = {}


def features() -> matching.Features:
    """The public features as arrays (`matching.Features`), cached like `places`."""
    day = timezone.localdate().isoformat()
    key = fingerprint(PLACES_SCOPES, day)
    kept = _kept_features.get(key)
    if kept is None:
        kept = cached_under_versions(
            "twinning.features",
            PLACES_SCOPES,
            build=lambda: matching.Features(places()),
            parts=(day,),
        )
        _kept_features.clear()
        _kept_features[key] = kept
    return kept


def _neighbours(paths: dict[int, str]) -> dict[int, set[int]]:
    """Municipalities whose boundaries share points (the paths come from one source, so a
    shared border has identical rounded points on both sides)."""
    owners: dict[tuple[str, str], set[int]] = defaultdict(set)
    for org_id, path in paths.items():
        numbers = _NUMBER.findall(path)
        for point in set(zip(numbers[0::2], numbers[1::2], strict=False)):
            owners[point].add(org_id)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for ids in owners.values():
        if len(ids) < 2:
            continue
        ordered = sorted(ids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)] += 1
    result: dict[int, set[int]] = defaultdict(set)
    for (a, b), count in shared.items():
        if count >= NEIGHBOUR_POINTS:
            result[a].add(b)
            result[b].add(a)
    return result


def _emission_features(ids: list[int]) -> tuple[dict, dict, dict]:
    """Return ({id: sector shares}, {id: largest sector}, {id: trend since 2010})."""
    latest = Emission.objects.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return {}, {}, {}
    years = {latest, TREND_FROM}
    tonnes: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    for org_id, year, sector, value in Emission.objects.filter(
        year__in=years, municipality_id__in=ids
    ).values_list("municipality_id", "year", "sector", "tonnes_co2e"):
        tonnes[(org_id, year)][sector] = value
    population = {
        (org_id, year): value
        for org_id, year, value in PopulationFigure.objects.filter(
            year__in=years, municipality_id__in=ids
        ).values_list("municipality_id", "year", "population")
    }
    shares, top, trend = {}, {}, {}
    for org_id in ids:
        now = tonnes.get((org_id, latest))
        if not now:
            continue
        total = sum(max(0.0, v) for v in now.values())
        if total <= 0:
            continue
        shares[org_id] = tuple(max(0.0, now.get(s, 0.0)) / total for s in SECTORS)
        top[org_id] = max(SECTORS, key=lambda s: now.get(s, 0.0))
        then = tonnes.get((org_id, TREND_FROM))
        pop_now, pop_then = population.get((org_id, latest)), population.get((org_id, TREND_FROM))
        if then and pop_now and pop_then:
            before = sum(then.values()) / pop_then
            if before > 0:
                trend[org_id] = (total / pop_now) / before - 1
    return shares, top, trend


def places_build() -> list[Place]:
    rows = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
        .order_by("name")
        .values(
            "id",
            "code",
            "name",
            "short_name",
            "slug",
            "population",
            "county__code",
            "fa_region__code",
        )
    )
    ids = [row["id"] for row in rows]
    centroids, paths = {}, {}
    for org_id, cx, cy, path in Boundary.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "centroid_x", "centroid_y", "svg_path"
    ):
        # The map's units: MAP_SCALE per degree of latitude (x already scaled by cos(lat)).
        centroids[org_id] = (
            cx / MAP_SCALE * matching.KM_PER_DEGREE,
            cy / MAP_SCALE * matching.KM_PER_DEGREE,
        )
        paths[org_id] = path
    neighbours = _neighbours(paths)
    shares, top, trend = _emission_features(ids)
    bodies: dict[int, set[int]] = defaultdict(set)
    for member_id, body_id in (
        Membership.objects.current()
        .filter(member_id__in=ids, body__kind__in=COORDINATING_KINDS)
        .values_list("member_id", "body_id")
    ):
        bodies[member_id].add(body_id)
    result = []
    for row in rows:
        org_id = row["id"]
        x, y = centroids.get(org_id, (None, None))
        result.append(
            Place(
                id=org_id,
                code=row["code"] or "",
                name=row["short_name"] or row["name"],
                slug=row["slug"],
                x_km=x,
                y_km=y,
                county=row["county__code"] or "",
                fa_region=row["fa_region__code"] or "",
                population=row["population"],
                size_class=population_class_for(row["population"]),
                shares=shares.get(org_id),
                top_sector=top.get(org_id),
                trend=trend.get(org_id),
                bodies=frozenset(bodies.get(org_id, ())),
                neighbours=frozenset(neighbours.get(org_id, ())),
            )
        )
    return result


def body_names(ids) -> dict[int, str]:
    return {
        pk: short or name
        for pk, name, short in Organisation.objects.filter(pk__in=ids).values_list(
            "pk", "name", "short_name"
        )
    }


def programme_choices() -> QuerySet[Organisation]:
    """Bodies and programmes that could hold a pilot group (their members in force)."""
    return Organisation.objects.filter(kind__in=COORDINATING_KINDS).order_by("name")


def pilot_group(programme: Organisation | None) -> frozenset[int]:
    """The municipalities taking part in the programme today: its pilot group."""
    if programme is None:
        return frozenset()
    return frozenset(
        Membership.objects.in_force()
        .filter(body=programme, member__kind=OrganisationKind.MUNICIPALITY)
        .values_list("member_id", flat=True)
    )


# --- What the viewer may see -------------------------------------------------------------


def private_build(who) -> Private:
    """Themes (capitals and sectors of needs, ideas and projects) and latest capital
    profiles, of municipalities, as far as the policies let `who` see them."""
    themes: dict[int, set[str]] = defaultdict(set)
    needs = access.scope(
        who,
        "support.need.view",
        Need.objects.filter(organisation__kind=OrganisationKind.MUNICIPALITY),
    )
    for org_id, capital in needs.values_list("organisation_id", "capital"):
        themes[org_id].add(f"capital:{capital}")
    projects = access.scope(
        who,
        "projects.project.view",
        Project.objects.filter(owner__kind=OrganisationKind.MUNICIPALITY),
    )
    for org_id, capitals, sectors in projects.values_list(
        "owner_id", "capitals", "emission_sectors"
    ):
        themes[org_id].update(f"capital:{c}" for c in capitals or ())
        themes[org_id].update(f"sector:{s}" for s in sectors or ())
    assessments = access.scope(
        who,
        "capacity.assessment.view",
        Assessment.objects.filter(
            status=AssessmentStatus.PUBLISHED,
            organisation__kind=OrganisationKind.MUNICIPALITY,
        ),
    )
    latest: dict[int, int] = {}
    for org_id, pk in assessments.order_by(
        "organisation_id", "-year", "-published_at", "-pk"
    ).values_list("organisation_id", "pk"):
        latest.setdefault(org_id, pk)
    scores: dict[int, dict[str, float | None]] = defaultdict(dict)
    for assessment_id, key, score in AssessmentResult.objects.filter(
        assessment_id__in=list(latest.values())
    ).values_list("assessment_id", "capital_key", "score"):
        scores[assessment_id][key] = score
    capitals = {
        org_id: tuple(scores[pk].get(key) for key in CAPITALS)
        for org_id, pk in latest.items()
        if any(value is not None for value in scores[pk].values())
    }
    return Private(
        themes={org_id: frozenset(values) for org_id, values in themes.items() if values},
        capitals=capitals,
    )


def private_for(request) -> Private:
    return cached_value(request, PRIVATE, build=lambda: private_build(request))


# --- The matching ------------------------------------------------------------------------


@dataclass
class MatchingResult:
    target: Place
    purpose: str
    weights: dict[str, float]
    matches: list[matching.Match]
    shown: list[matching.Match]
    target_has_themes: bool
    target_has_capitals: bool
    left_out_counts: dict[str, int] = field(default_factory=dict)
    pilots: frozenset[int] = frozenset()
    programme: Organisation | None = None


def theme_label(theme: str) -> str:
    kind, _sep, key = theme.partition(":")
    if kind == "capital":
        return str(CapitalKey(key).label) if key in CAPITALS else key
    return str(EmissionSector(key).label) if key in SECTORS else key


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _km(value: float) -> str:
    return f"{value:.0f}"


def _percent(value: float) -> str:
    return f"{value * 100:+.0f} %".replace("-", "−")


def describe(target: Place, purpose: str, names: dict[int, str]):
    """Return a function that writes the short explanation of one match."""

    def words(match: matching.Match) -> list[str]:
        other, values, details = match.place, match.values, match.details
        reasons = []
        place_words = []
        if details["neighbours"]:
            place_words.append(_("neighbours"))
        if details["same_county"] and details["same_fa"]:
            place_words.append(_("same county and FA region"))
        elif details["same_county"]:
            place_words.append(_("same county"))
        elif details["same_fa"]:
            place_words.append(_("same FA region"))
        if details["km"] is not None:
            place_words.append(_("%(km)s km") % {"km": _km(details["km"])})
        if place_words:
            reasons.append(", ".join(place_words))
        if target.top_sector and target.top_sector == other.top_sector:
            reasons.append(
                _("both have %(sector)s as the largest sector")
                % {"sector": _lower(str(EmissionSector(target.top_sector).label))}
            )
        if (
            target.trend is not None
            and other.trend is not None
            and matching.trend_similarity(target.trend, other.trend) >= 0.8
        ):
            reasons.append(
                _("similar trend since %(year)s (%(mine)s and %(theirs)s)")
                % {
                    "year": TREND_FROM,
                    "mine": _percent(target.trend),
                    "theirs": _percent(other.trend),
                }
            )
        if target.size_class and target.size_class == other.size_class:
            reasons.append(
                _("similar size (%(size)s)")
                % {"size": _lower(str(PopulationClass(target.size_class).label))}
            )
        elif (values.get("size") or 0) >= 0.85:
            reasons.append(_("similar size"))
        if details["shared_bodies"]:
            reasons.append(
                _("both in %(bodies)s")
                % {"bodies": ", ".join(sorted(names.get(b, "") for b in details["shared_bodies"]))}
            )
        if details["shared_themes"]:
            reasons.append(
                _("shared themes: %(themes)s")
                % {
                    "themes": ", ".join(
                        sorted(_lower(theme_label(t)) for t in details["shared_themes"])
                    )
                }
            )
        mine, theirs = details["capitals_mine"], details["capitals_theirs"]
        if values.get("capitals") is not None and mine and theirs:
            if purpose == Purpose.COMPLEMENT:
                strong = [
                    _lower(str(CapitalKey(key).label))
                    for key, a, b in zip(CAPITALS, mine, theirs, strict=True)
                    if a is not None and b is not None and b - a >= matching.STRENGTH_GAP
                ]
                if strong:
                    reasons.append(
                        _("strong where you are weak: %(capitals)s")
                        % {"capitals": ", ".join(strong)}
                    )
            elif values["capitals"] >= 0.85:
                reasons.append(_("similar capital profile"))
        return reasons

    return words


def matching_for(
    request,
    organisation: Organisation,
    *,
    purpose: str,
    weights: dict[str, float],
    programme: Organisation | None = None,
    shown: int | None = matching.SHOWN,
) -> MatchingResult:
    """Rank the other municipalities for `organisation` and `purpose`, as `request` sees them.

    For a pilot–twin pair one side must be in the programme's pilot group: a pilot gets
    the municipalities outside it, any other municipality the pilots.
    """
    arrays = features()
    target = arrays.places[arrays.index[organisation.pk]]
    private = private_for(request)
    keep = None
    pilots: frozenset[int] = frozenset()
    if purpose == Purpose.PILOT_TWIN:
        pilots = pilot_group(programme)
        in_group = np.isin(arrays.ids, list(pilots))
        keep = ~in_group if target.id in pilots else in_group
    ranked = matching.rank(
        target, arrays, weights=weights, purpose=purpose, private=private, keep=keep
    )
    top = ranked if shown is None else ranked[:shown]
    names = body_names({b for m in top for b in m.details["shared_bodies"]})
    words = describe(target, purpose, names)
    for match in top:
        match.reasons = words(match)
    left_out = {
        key: sum(1 for m in ranked if m.values.get(key) is None) for key in matching.COMPONENTS
    }
    return MatchingResult(
        target=target,
        purpose=purpose,
        weights=weights,
        matches=ranked,
        shown=top,
        target_has_themes=target.id in private.themes,
        target_has_capitals=target.id in private.capitals,
        left_out_counts=left_out,
        pilots=pilots,
        programme=programme,
    )


def municipality_choices() -> list[tuple[str, str]]:
    return [(place.slug, place.name) for place in sorted(places(), key=lambda p: p.name)]


# --- Links ---------------------------------------------------------------------------------


def links_of(who, organisation: Organisation) -> list[TwinLink]:
    """The links the municipality is in, newest first, with members and programme."""
    return list(
        access.scope(
            who,
            "twinning.link.view",
            TwinLink.objects.filter(members__organisation=organisation),
        )
        .select_related("programme")
        .prefetch_related("members__organisation")
        .distinct()
    )


def links_visible(who, *, municipality_slug: str | None = None) -> QuerySet[TwinLink]:
    links = access.scope(who, "twinning.link.view", TwinLink.objects.all())
    if municipality_slug is not None:
        links = links.filter(members__organisation__slug=municipality_slug).distinct()
    return links.select_related("programme").prefetch_related("members__organisation")


def linked_ids(links: list[TwinLink], organisation: Organisation) -> dict[int, TwinLink]:
    """{id of a linked municipality: the link} for links in force today or later."""
    today = timezone.localdate()
    result = {}
    for link in links:
        if link.end_date is not None and link.end_date < today:
            continue
        for member in link.members.all():
            if member.organisation_id != organisation.pk:
                result.setdefault(member.organisation_id, link)
    return result


# --- Programmes ----------------------------------------------------------------------------


def programmes_visible(who) -> list[TwinningProgramme]:
    return list(
        access.scope(who, "twinning.programme.view", TwinningProgramme.objects.all())
        .select_related("organiser")
        .distinct()
        .order_by("-start_date", "pk")
    )


def programme_get(who, pk: int) -> TwinningProgramme:
    """The programme if `who` may see it; 404 otherwise (its existence may be private)."""
    return access.get_visible(
        who,
        "twinning.programme.view",
        TwinningProgramme.objects.select_related("organiser"),
        pk=pk,
    )


@dataclass
class Progress:
    programme: TwinningProgramme
    end: object
    modules: list
    meetings: list
    participants: list
    modules_done: int
    meetings_held: int
    plans_needed: int
    plans_approved: int
    missing: list
    claimed: dict
    claims: list


def progress_of(programme: TwinningProgramme) -> Progress:
    modules = list(programme.modules.all())
    meetings = list(programme.meetings.prefetch_related("participants__organisation"))
    participants = list(
        programme.participants.select_related("organisation", "replication_plan").annotate(
            claimed=Sum(
                "travel_claims__amount",
                filter=Q(travel_claims__status=ClaimStatus.APPROVED),
            )
        )
    )
    claims = list(
        TravelClaim.objects.filter(participant__programme=programme)
        .select_related("participant__organisation", "participant__programme__organiser")
        .order_by("-pk")
    )
    now = timezone.now()
    needed = [p for p in participants if p.needs_plan]
    approved = [
        p
        for p in needed
        if getattr(getattr(p, "replication_plan", None), "status", None) == PlanStatus.APPROVED
    ]
    return Progress(
        programme=programme,
        end=programme_end(programme.start_date, programme.months),
        modules=modules,
        meetings=meetings,
        participants=participants,
        modules_done=sum(1 for m in modules if m.done),
        meetings_held=sum(1 for m in meetings if m.ends_at < now),
        plans_needed=len(needed),
        plans_approved=len(approved),
        missing=[p for p in needed if p not in approved],
        claimed={p.pk: p.claimed or 0 for p in participants},
        claims=claims,
    )


def participant_get(programme: TwinningProgramme, pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related("organisation", "programme__organiser"),
        programme=programme,
        pk=pk,
    )
