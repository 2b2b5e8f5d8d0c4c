"""Read organisations, memberships, emissions and the map, scoped and without N+1."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.caching import cached_under_versions
from kraftsamla.core.models import AuditEvent
from kraftsamla.organisations.models import (
    COORDINATING_KINDS,
    POPULATION_BOUNDS,
    Boundary,
    ClimateProfile,
    DataRelease,
    Emission,
    EmissionSector,
    FARegion,
    Membership,
    Organisation,
    OrganisationKind,
    PopulationFigure,
)
from kraftsamla.organisations.scopes import REFERENCE, REGISTER

# The organisation page, for sections of apps above this one (core/sections.py).
ORGANISATION_SECTIONS_PAGE = "organisations.organisation"


def organisation_queryset() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("county", "fa_region")


def organisation_with_profile_queryset() -> QuerySet[Organisation]:
    """Organisations with their climate profile in the same query (detail page and API)."""
    return organisation_queryset().select_related("climate_profile")


def _cached(name: str, build, *parts, scope: str = REGISTER):
    """Return `build()` cached under a data version of this app: REGISTER (every write but
    a climate profile) or REFERENCE (reference-data releases only), see `scopes.py`."""
    return cached_under_versions(f"organisations:{name}", (scope,), build=build, parts=parts)


def organisation_list(
    *,
    q: str = "",
    kind: str = "",
    county: str = "",
    population_class: str = "",
    fa_region: str = "",
    member_of: str = "",
    code: str = "",
) -> QuerySet[Organisation]:
    """Return organisations matching the (already validated) filters, ordered by name."""
    qs = organisation_queryset()
    if q:
        qs = qs.filter(Q(search_text__contains=q.strip().casefold()) | Q(code=q.strip()))
    if kind:
        qs = qs.filter(kind=kind)
    if county:
        qs = qs.filter(county__code=county)
    if population_class:
        low, high = POPULATION_BOUNDS[population_class]
        qs = qs.filter(population__gte=low)
        if high is not None:
            qs = qs.filter(population__lt=high)
    if fa_region:
        qs = qs.filter(fa_region__code=fa_region)
    if member_of:
        current = Membership.objects.current().filter(body__slug=member_of)
        qs = qs.filter(pk__in=current.values("member_id"))
    if code:
        qs = qs.filter(code=code)
    return qs.order_by("name", "pk")


def county_choices() -> list[tuple[str, str]]:
    return list(
        Organisation.objects.filter(kind=OrganisationKind.COUNTY)
        .order_by("name")
        .values_list("code", "name")
    )


def fa_region_choices() -> list[tuple[str, str]]:
    return list(FARegion.objects.order_by("name").values_list("code", "name"))


def place_refs() -> dict[str, dict[int, dict[str, str]]]:
    """Return the counties' and FA regions' {"code", "name"} by id, cached per reference-data
    release (only the reference loader writes them), so that the API detail need not join
    them to the organisation."""

    def build() -> dict[str, dict[int, dict[str, str]]]:
        counties = Organisation.objects.filter(kind=OrganisationKind.COUNTY)
        return {
            "county": {
                pk: {"code": code, "name": name}
                for pk, code, name in counties.values_list("pk", "code", "name")
            },
            "fa_region": {
                pk: {"code": code, "name": name}
                for pk, code, name in FARegion.objects.values_list("pk", "code", "name")
            },
        }

    return _cached("place-refs", build, scope=REFERENCE)


def organisation_for_api_detail_queryset() -> QuerySet[Organisation]:
    """Organisations with their climate profile only: the API detail takes the county and
    FA region from `place_refs` (fewer joins on every first view after a change)."""
    return Organisation.objects.select_related("climate_profile")


def coordinating_body_choices() -> list[tuple[str, str]]:
    return list(
        Organisation.objects.filter(member_links__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("slug", "name")
    )


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The list filters' counties and FA regions (cached per reference-data release) and
    bodies (cached per register version: a new membership can add a body)."""
    reference = _cached(
        "reference-choices",
        lambda: {"county": county_choices(), "fa_region": fa_region_choices()},
        scope=REFERENCE,
    )
    return {**reference, "member_of": _cached("body-choices", coordinating_body_choices)}


def organisation_get(*, slug: str) -> Organisation:
    return organisation_queryset().get(slug=slug)


def memberships_of(organisation: Organisation) -> dict[str, list[Membership]]:
    """Return the bodies the organisation belongs to and the members it has, in one query."""
    links = list(
        Membership.objects.current()
        .filter(Q(member=organisation) | Q(body=organisation))
        .select_related("body", "member")
    )
    belongs = [m for m in links if m.member_id == organisation.pk]
    members = [m for m in links if m.body_id == organisation.pk]
    belongs.sort(key=lambda m: (m.body.name, m.pk))
    members.sort(key=lambda m: (m.member.name, m.pk))
    return {"belongs_to": belongs, "members": members}


_REF_FIELDS = ("slug", "name", "kind", "code")
_API_MEMBERSHIP_FIELDS = (
    "id",
    "member_id",
    "body_id",
    "role",
    "start_date",
    "end_date",
    "is_demo",
    *(f"{side}__{name}" for side in ("member", "body") for name in _REF_FIELDS),
)


def memberships_for_api(organisation: Organisation) -> dict[str, list[dict]]:
    """Return `memberships_of` in the API's shape (`MembershipSerializer`), from one query of
    plain values: building model objects for both sides cost more than the rest of the
    API detail together."""
    rows = (
        Membership.objects.current()
        .filter(Q(member=organisation) | Q(body=organisation))
        .values(*_API_MEMBERSHIP_FIELDS)
    )
    found: dict[str, list[dict]] = {"belongs_to": [], "members": []}
    for row in rows:
        item = {
            **{
                side: {name: row[f"{side}__{name}"] for name in _REF_FIELDS}
                for side in ("member", "body")
            },
            "role": row["role"],
            "start_date": row["start_date"].isoformat() if row["start_date"] else None,
            "end_date": row["end_date"].isoformat() if row["end_date"] else None,
            "is_demo": row["is_demo"],
        }
        if row["member_id"] == organisation.pk:
            found["belongs_to"].append(((item["body"]["name"], row["id"]), item))
        else:
            found["members"].append(((item["member"]["name"], row["id"]), item))
    # The order of `memberships_of`: by the other side's name, then by id.
    return {key: [item for _key, item in sorted(pairs)] for key, pairs in found.items()}


@dataclass
class EmissionTable:
    years: list[int]
    sectors: list[tuple[str, str]]  # (code, label)
    values: dict[str, dict[int, float]]  # sector -> year -> tonnes
    totals: dict[int, float]
    per_inhabitant: dict[int, float | None]
    population: int | None  # the latest figure (December 2025), the fallback for any year
    release: DataRelease | None
    population_by_year: dict[int, int | None] = field(default_factory=dict)
    # Years with emissions but no population figure of their own: divided by `population`.
    population_fallback_years: list[int] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.years

    def rows(self):
        """Yield (sector label, [value per year]) for templates and exports."""
        for code, label in self.sectors:
            yield label, [self.values.get(code, {}).get(y) for y in self.years]

    @property
    def latest_year(self) -> int | None:
        return self.years[-1] if self.years else None

    def change_since(self, base_year: int) -> float | None:
        """Return the relative change of total emissions from base_year to the latest year."""
        if not self.years or base_year not in self.totals or not self.totals[base_year]:
            return None
        return (self.totals[self.years[-1]] - self.totals[base_year]) / self.totals[base_year]


def emission_table(organisation: Organisation) -> EmissionTable:
    """Return emissions by sector and year for one municipality, cached per reference-data
    release (emissions and population figures are only written by the loader)."""
    return _cached(
        "emission-table",
        lambda: _emission_table_build(organisation),
        organisation.pk,
        scope=REFERENCE,
    )


def _emission_table_build(organisation: Organisation) -> EmissionTable:
    """Read emissions by sector and year for one municipality (three queries)."""
    rows = list(
        Emission.objects.filter(municipality=organisation)
        .values_list("year", "sector", "tonnes_co2e", "release_id")
        .order_by("year", "sector")
    )
    values: dict[str, dict[int, float]] = defaultdict(dict)
    years = sorted({r[0] for r in rows})
    totals: dict[int, float] = defaultdict(float)
    release_ids = set()
    for year, sector, tonnes, release_id in rows:
        values[sector][year] = tonnes
        totals[year] += tonnes
        release_ids.add(release_id)
    sectors = [(s.value, s.label) for s in EmissionSector if s.value in values]
    population_by_year, fallback_years = _population_for_years(organisation, years)
    per_inhabitant = {
        y: (totals[y] / population_by_year[y] if population_by_year[y] else None) for y in years
    }
    release = DataRelease.objects.filter(pk__in=release_ids).first() if release_ids else None
    return EmissionTable(
        years=years,
        sectors=sectors,
        values=dict(values),
        totals=dict(totals),
        per_inhabitant=per_inhabitant,
        population=organisation.population,
        release=release,
        population_by_year=population_by_year,
        population_fallback_years=fallback_years,
    )


def _population_for_years(
    organisation: Organisation, years: list[int]
) -> tuple[dict[int, int | None], list[int]]:
    """Return each year's 31 December population and the years that fell back to the latest.

    A year without its own figure uses the organisation's latest population.
    """
    figures = dict(
        PopulationFigure.objects.filter(municipality=organisation, year__in=years).values_list(
            "year", "population"
        )
    )
    fallback = [y for y in years if y not in figures and organisation.population]
    by_year = {y: figures.get(y, organisation.population) for y in years}
    return by_year, fallback


def emission_series_for_api(organisation: Organisation) -> list[dict]:
    """Return the API's emission series, cached per reference-data release."""
    return _cached(
        "emission-series",
        lambda: _emission_series_build(organisation),
        organisation.pk,
        scope=REFERENCE,
    )


def _emission_series_build(organisation: Organisation) -> list[dict]:
    table = emission_table(organisation)
    return [
        {
            "year": y,
            "total_tonnes_co2e": round(table.totals[y], 2),
            "tonnes_co2e_per_inhabitant": (
                round(table.per_inhabitant[y], 3) if table.per_inhabitant[y] is not None else None
            ),
            "sectors": {
                code: round(table.values[code][y], 2)
                for code, _label in table.sectors
                if y in table.values[code]
            },
        }
        for y in table.years
    ]


def climate_profile_for(who, organisation: Organisation) -> ClimateProfile | None:
    """Return the organisation's climate profile if it exists and `who` may see it.

    Costs no query when the organisation was read with `organisation_with_profile_queryset`.
    """
    try:
        profile = organisation.climate_profile
    except ClimateProfile.DoesNotExist:
        return None
    if not access.allows(who, "organisations.climateprofile.view", profile):
        return None
    return profile


def climate_profiles_visible(user) -> QuerySet[ClimateProfile]:
    """Return every climate profile the user may see (scoped in the database)."""
    return (
        access.scope(user, "organisations.climateprofile.view", ClimateProfile.objects.all())
        .select_related("organisation")
        .order_by("organisation__name")
    )


def map_features() -> list[dict]:
    """Return every municipality's SVG path with what the map needs (fresh dicts per call).

    Read with `values()` in one query and cached per data version, with the paths and
    names escaped once: the map no longer builds 290 model objects or escapes 290 long
    paths per request.
    """
    features = _cached("map-features", _map_features_build, scope=REFERENCE)
    return [dict(feature) for feature in features]


def _map_features_build() -> list[dict]:
    rows = Boundary.objects.order_by("organisation__name").values(
        "organisation__slug",
        "organisation__name",
        "organisation__short_name",
        "organisation__code",
        "organisation__population",
        "organisation__county__code",
        "organisation__county__name",
        "svg_path",
        "centroid_x",
        "centroid_y",
    )
    # Build each link once here: reverse() per feature in the template dominated render time.
    prefix = reverse("organisations:detail", kwargs={"slug": "x"})[:-2]
    return [
        {
            "slug": row["organisation__slug"],
            "url": f"{prefix}{row['organisation__slug']}/",
            "value": None,
            "fill": None,
            "name": row["organisation__short_name"] or row["organisation__name"],
            "code": row["organisation__code"],
            "county_code": row["organisation__county__code"] or "",
            "county_name": row["organisation__county__name"] or "",
            "population": row["organisation__population"],
            "path": mark_safe(escape(row["svg_path"])),  # noqa: S308 - escaped here, once
            "cx": row["centroid_x"],
            "cy": row["centroid_y"],
        }
        for row in rows
    ]


def map_county_choices(features: list[dict]) -> list[tuple[str, str]]:
    """The counties of the map's municipalities as (code, name), by name."""
    counties = {f["county_code"]: f["county_name"] for f in features if f["county_code"]}
    return sorted(counties.items(), key=lambda item: item[1])


_PATH_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def map_bounds(features: list[dict], margin: float = 0.04) -> tuple[float, float, float, float]:
    """The bounding box (x, y, width, height) of the features' SVG paths, with a margin.

    The paths hold absolute "x,y" pairs only (reference.boundaries_to_svg), so every second
    number is an x and every other a y.
    """
    xs: list[float] = []
    ys: list[float] = []
    for feature in features:
        numbers = [float(n) for n in _PATH_NUMBER.findall(feature["path"])]
        xs += numbers[0::2]
        ys += numbers[1::2]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    pad = max(max_x - min_x, max_y - min_y) * margin
    return (
        round(min_x - pad, 1),
        round(min_y - pad, 1),
        round(max_x - min_x + 2 * pad, 1),
        round(max_y - min_y + 2 * pad, 1),
    )


def emissions_per_inhabitant_latest() -> dict[str, float]:
    """Return {municipality code: tonnes CO2e per inhabitant} for the latest year.

    Divides by the same year's population, or the latest population where that year has none.
    """
    latest = Emission.objects.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return {}
    same_year = PopulationFigure.objects.filter(
        municipality=OuterRef("municipality"), year=latest
    ).values("population")
    rows = (
        Emission.objects.filter(year=latest)
        .annotate(divisor=Coalesce(Subquery(same_year), F("municipality__population")))
        .values_list("municipality__code", "divisor", "tonnes_co2e")
    )
    totals = defaultdict(float)
    population = {}
    for code, divisor, tonnes in rows:
        totals[code] += tonnes
        population[code] = divisor
    return {c: totals[c] / population[c] for c in totals if population.get(c)}


def emission_year_latest() -> int | None:
    return Emission.objects.order_by("-year").values_list("year", flat=True).first()


def platform_stats() -> dict[str, int]:
    counts = dict(
        Organisation.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    return {
        "municipalities": counts.get(OrganisationKind.MUNICIPALITY, 0),
        "counties": counts.get(OrganisationKind.COUNTY, 0),
        "bodies": sum(
            counts.get(k, 0)
            for k in (
                OrganisationKind.REGIONAL_BODY,
                OrganisationKind.NATIONAL_PROGRAMME,
                OrganisationKind.REGION,
            )
        ),
        "partners": sum(
            counts.get(k, 0)
            for k in (
                OrganisationKind.COMPANY,
                OrganisationKind.UNIVERSITY,
                OrganisationKind.CIVIL_SOCIETY,
                OrganisationKind.AGENCY,
            )
        ),
    }


def audit_events_for(organisation: Organisation) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation=organisation).select_related("actor")


def body_members(body: Organisation) -> list[Organisation]:
    """Return the organisations whose membership of the body is in force today."""
    return list(
        Organisation.objects.filter(
            pk__in=Membership.objects.in_force().filter(body=body).values("member_id")
        ).order_by("name")
    )


def coordinating_body_get(slug: str) -> Organisation:
    """Return the regional body or programme with the slug; Http404 for any other organisation."""
    body = Organisation.objects.filter(slug=slug, kind__in=COORDINATING_KINDS).first()
    if body is None:
        raise Http404(_("Not a regional body or programme."))
    return body
