"""Pages for organisations: list with filters and exports, detail, map, own data."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kraftsamla.core import access, charts
from kraftsamla.core.access import checks
from kraftsamla.core.caching import cached_block, declare, not_modified, with_etag
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import submit_form
from kraftsamla.core.sections import object_sections, sections_version
from kraftsamla.organisations import selectors, services
from kraftsamla.organisations.forms import (
    FILTER_FIELDS,
    ClimateProfileForm,
    MapForm,
    OrganisationFilterForm,
)
from kraftsamla.organisations.models import ClimateProfile, Organisation, OrganisationKind
from kraftsamla.organisations.reference import MAP_HEIGHT, MAP_WIDTH
from kraftsamla.organisations.scopes import REFERENCE, REGISTER

PAGE_SIZE = 25

# Cached pages and blocks (core/caching.py). Everything they show is organisations data,
# written only in this app; each names the narrowest scope it shows (scopes.py): a climate
# profile edit changes only the detail page (which renders the profile per request).
ORGANISATION_LIST = declare("organisations.list", depends_on=(REGISTER,))
# The list's filter form: its counties and FA regions change with a reference release;
# its bodies are part of the key (the choices themselves, read per register version), so
# a register change rebuilds the form only when the bodies changed.
FILTER_FORM = declare("organisations.list.filters", depends_on=(REFERENCE,))
ORGANISATION_PAGE = declare("organisations.detail", depends_on=("organisations",))
MEMBERSHIPS_BLOCK = declare("organisations.detail.memberships", depends_on=(REGISTER,))
EMISSIONS_BLOCK = declare("organisations.detail.emissions", depends_on=(REFERENCE,))
MAP = declare("organisations.map", depends_on=(REFERENCE,))
# The audit log lists every audited write for the organisation, whatever its app.
AUDIT_LOG = declare(
    "organisations.audit_log",
    depends_on=("core", "organisations", "accounts", "capacity", "support"),
)


def _get_organisation(request: HttpRequest, slug: str, queryset=None) -> Organisation:
    return access.get_visible(
        request,
        "organisations.organisation.view",
        queryset if queryset is not None else selectors.organisation_queryset(),
        slug=slug,
    )


def _known_parameters(request: HttpRequest, names) -> tuple:
    """The GET parameters a cached page depends on, as a key part (others are ignored)."""
    return tuple((name, request.GET.get(name, "")[:200]) for name in names)


def _filter_data(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k in FILTER_FIELDS}


def _filtered(request: HttpRequest):
    form = OrganisationFilterForm(_filter_data(request))
    form.is_valid()
    # An invalid filter is reported at its field; the valid ones still apply.
    return form, selectors.organisation_list(**form.filters())


def _organisations_export(request: HttpRequest, organisations, fmt: str) -> HttpResponse:
    return export_table(
        items=organisations,
        columns=[
            (_("Code"), lambda org: org.code or ""),
            (_("Name"), lambda org: org.name),
            (_("Kind"), lambda org: org.get_kind_display()),
            (_("Actor group"), lambda org: org.get_actor_group_display()),
            (_("County"), lambda org: org.county.name if org.county else ""),
            (_("Population"), lambda org: org.population),
            (_("FA region"), lambda org: org.fa_region.name if org.fa_region else ""),
            (_("Link"), lambda org: request.build_absolute_uri(org.get_absolute_url())),
        ],
        fmt=fmt,
        filename="kraftsamla-organisationer",
        sheet=_("Organisations"),
        source=_("Kraftsamla's organisation register"),
        notes=[_("Population is empty where no figure is loaded.")],
        demo=any(org.is_demo for org in organisations),
    )


@checks("organisations.organisation.view")
def organisation_list(request: HttpRequest) -> HttpResponse:
    fmt = export_format(request)
    if fmt:
        form, qs = _filtered(request)
        qs = access.scope(request, "organisations.organisation.view", qs)
        return _organisations_export(request, qs, fmt)
    access.require(request, "organisations.organisation.view")
    etag, response = not_modified(request, ORGANISATION_LIST)
    if response is not None:
        return response

    def build() -> str:
        form, qs = _filtered(request)
        qs = access.scope(request, "organisations.organisation.view", qs)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "form_html": _filter_form_html(request, form),
            "page": page,
            "rows": _list_rows(page.object_list),
            "query": page_query(request),
        }
        return render_to_string("organisations/list_content.html", context, request=request)

    # The whole query string: the export and page links repeat every parameter.
    parts = (request.GET.urlencode(),)
    content = cached_block(request, ORGANISATION_LIST, parts=parts, build=build)
    return with_etag(render(request, "organisations/list.html", {"content": content}), etag)


def _filter_form_html(request: HttpRequest, form: OrganisationFilterForm) -> SafeString:
    # The bodies without the first, translated "any" choice: (slug, name) strings only.
    bodies = form.fields["member_of"].choices[1:]
    return cached_block(
        request,
        FILTER_FORM,
        parts=(sorted(_filter_data(request).items()), bodies),
        build=lambda: render_to_string("organisations/list_filters.html", {"form": form}),
    )


SLUG_PLACEHOLDER = "__slug__"


def _list_rows(organisations) -> SafeString:
    """The list's table rows, written in Python rather than a template loop (the loop was
    most of the list's first view after a change); every value is escaped."""
    demo_badge = format_html(' <span class="badge">{}</span>', _("demo"))
    # Once per list, not per row: a choice's display label hashes every lazy label, and
    # reverse() resolves the pattern again for each slug.
    kind_labels = {value: str(label) for value, label in OrganisationKind.choices}
    detail_url = reverse("organisations:detail", kwargs={"slug": SLUG_PLACEHOLDER})
    rows = []
    for org in organisations:
        county = (org.county.short_name or org.county.name) if org.county else ""
        rows.append(
            format_html(
                '<tr><th scope="row"><a href="{}">{}</a>{}</th><td>{}</td><td>{}</td>'
                '<td>{}</td><td class="num">{}</td><td>{}</td></tr>',
                detail_url.replace(SLUG_PLACEHOLDER, org.slug),
                org.name,
                demo_badge if org.is_demo else "",
                kind_labels.get(org.kind, org.kind),
                org.code or "",
                county,
                charts.format_number(org.population, 0) if org.population is not None else "–",
                org.fa_region.name if org.fa_region else "",
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - each row built with format_html


@checks(
    "organisations.organisation.view",
    "organisations.climateprofile.view",
    "organisations.organisation.change",
    "accounts.people.view",
    "organisations.organisation.view_audit_log",
)
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's page. Memberships and the emissions chart are public and cached;
    the climate profile and the links depend on the viewer and are rendered outside them
    (the page's ETag is keyed by the viewer's sharing scope)."""
    org = _get_organisation(request, slug, selectors.organisation_with_profile_queryset())
    context = {
        "org": org,
        "profile": selectors.climate_profile_for(request, org),
        "can_edit": access.allows(request, "organisations.organisation.change", org),
        "can_view_people": access.allows(request, "accounts.people.view", org),
        "can_view_audit": access.allows(request, "organisations.organisation.view_audit_log", org),
    }
    # Sections of the apps above (e.g. published commitments) have their own data versions.
    etag, response = not_modified(
        request,
        ORGANISATION_PAGE,
        parts=(org.pk, sections_version(selectors.ORGANISATION_SECTIONS_PAGE)),
    )
    if response is not None:
        return response
    context["sections"] = object_sections(selectors.ORGANISATION_SECTIONS_PAGE, request, org)
    context["memberships_html"] = cached_block(
        request,
        MEMBERSHIPS_BLOCK,
        parts=(org.pk,),
        build=lambda: render_to_string(
            "organisations/detail_memberships.html",
            {"org": org, "memberships": selectors.memberships_of(org)},
        ),
    )
    if org.is_municipality:
        per_capita = request.GET.get("per") == "capita" and bool(org.population)
        context["emissions_html"] = cached_block(
            request,
            EMISSIONS_BLOCK,
            parts=(org.pk, per_capita),
            build=lambda: _emissions_block(org, per_capita),
        )
    return with_etag(render(request, "organisations/detail.html", context), etag)


def _emissions_block(org: Organisation, per_capita: bool) -> str:
    table = selectors.emission_table(org)
    context = {"org": org, "emissions": table, "per_capita": per_capita}
    if not table.is_empty:
        context["chart"] = _emissions_chart(org, table, per_capita)
        context["change"] = table.change_since(table.years[0])
    return render_to_string("organisations/detail_emissions.html", context)


@checks("organisations.climateprofile.change")
@login_required
def climate_profile_edit(request: HttpRequest, slug: str) -> HttpResponse:
    org = _get_organisation(request, slug)
    instance = ClimateProfile.objects.filter(organisation=org).first()
    access.require(
        request, "organisations.climateprofile.change", instance or ClimateProfile(organisation=org)
    )
    if request.method != "POST":
        form = ClimateProfileForm(
            instance=instance, initial={"version": instance.version if instance else None}
        )
        return render(request, "organisations/profile_form.html", {"org": org, "form": form})
    form = ClimateProfileForm(request.POST, instance=instance)
    response = submit_form(
        request,
        form,
        lambda data: services.climate_profile_update(
            actor=request.user,
            organisation=org,
            data={field: data[field] for field in ClimateProfileForm.Meta.fields},
            expected_version=data.get("version"),
        ),
        redirect_to=org.get_absolute_url() + "#climate-profile",
        message=_("The climate profile was saved."),
    )
    if response is not None:
        return response
    context = {"org": org, "form": form}
    if form.has_error(NON_FIELD_ERRORS, code=services.StaleEditError.CODE):
        # Someone saved in between: show their version next to the editor's.
        context["current"] = ClimateProfile.objects.get(organisation=org)
        return render(request, "organisations/profile_form.html", context, status=409)
    # Invalid input is shown at its field on the same page (status 200, as before).
    return render(request, "organisations/profile_form.html", context)


# Emission classes of the map (tonnes CO2e per inhabitant): fixed, readable and stable
# between years.
EMISSION_CLASSES = [
    (0, 3, "#e6f0f7"),
    (3, 5, "#a9cbe3"),
    (5, 8, "#5e9cc8"),
    (8, 15, "#2c6ea3"),
    (15, 10_000, "#123f66"),
]


def _colour_by_emissions(features: list[dict]) -> None:
    values = selectors.emissions_per_inhabitant_latest()
    for f in features:
        v = values.get(f["code"])
        f["value"] = v
        f["fill"] = next(
            (c for lo, hi, c in EMISSION_CLASSES if v is not None and lo <= v < hi), "#dddddd"
        )


@checks("organisations.organisation.view")
def municipality_map(request: HttpRequest) -> HttpResponse:
    """The map: search marks and focuses a municipality, a county choice zooms the map in.

    Both are GET parameters, so they work without JavaScript; an invalid one is reported at
    its field and the rest of the map still shows.
    """
    access.require(request, "organisations.organisation.view")
    etag, response = not_modified(request, MAP)
    if response is not None:
        return response
    content = cached_block(
        request,
        MAP,
        parts=_known_parameters(request, ("q", "county", "metric")),
        build=lambda: render_to_string(
            "organisations/map_content.html", _map_context(request), request=request
        ),
    )
    context = {"content": content}
    return with_etag(render(request, "organisations/map.html", context), etag)


def _map_context(request: HttpRequest) -> dict:
    features = selectors.map_features()
    form = MapForm(request.GET, county_choices=selectors.map_county_choices(features))
    form.is_valid()
    choices = getattr(form, "cleaned_data", {})
    metric, county, query = choices.get("metric"), choices.get("county"), choices.get("q")
    if metric == "emissions":
        _colour_by_emissions(features)
    shown = [f for f in features if not county or f["county_code"] == county]
    view_box = selectors.map_bounds(shown) if county else (0, 0, MAP_WIDTH, MAP_HEIGHT)
    for f in features:
        f["shown"] = not county or f["county_code"] == county
        f["match"] = bool(query) and query.casefold() in f["name"].casefold()
    listed = [f for f in shown if not query or f["match"]]
    return {
        "form": form,
        "features": features,
        "svg_areas": _svg_areas(features),
        "listed": listed,
        "view_box": " ".join(f"{n:g}" for n in view_box),
        "metric": metric,
        "county_name": dict(form.fields["county"].choices).get(county) if county else "",
        "query": query,
        "legend": EMISSION_CLASSES if metric == "emissions" else [],
        "year": selectors.emission_year_latest() if metric == "emissions" else None,
    }


def _svg_areas(features: list[dict]) -> SafeString:
    """The map's 290 areas, written in Python rather than a template loop (the loop was most
    of the map's first view). Paths come pre-escaped from the selector; names are escaped."""
    unit = _("t CO₂e per inhabitant")
    areas = []
    for feature in features:
        if not feature["shown"]:
            areas.append(f'<path class="context" d="{feature["path"]}" aria-hidden="true"/>')
            continue
        label = feature["name"]
        if feature["value"] is not None:
            label += f": {charts.format_number(feature['value'], 1)} {unit}"
        label = escape(label)
        match = ' class="is-match"' if feature["match"] else ""
        fill = f' fill="{escape(feature["fill"])}"' if feature["fill"] else ""
        areas.append(
            f'<a href="{escape(feature["url"])}"{match} aria-label="{label}">'
            f'<path d="{feature["path"]}"{fill}><title>{label}</title></path></a>'
        )
    return mark_safe("".join(areas))  # noqa: S308 - every part escaped above


@checks("organisations.organisation.view_audit_log")
@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    org = _get_organisation(request, slug)
    access.require(request, "organisations.organisation.view_audit_log", org)
    etag, response = not_modified(request, AUDIT_LOG, parts=(org.pk,))
    if response is not None:
        return response
    page = Paginator(selectors.audit_events_for(org), 50).get_page(request.GET.get("page"))
    response = render(request, "organisations/audit_log.html", {"org": org, "page": page})
    return with_etag(response, etag)


def _emissions_chart(org: Organisation, table: selectors.EmissionTable, per_capita: bool):
    """Return the stacked bar chart of a municipality's emissions by sector and year."""
    # Per inhabitant: each year's emissions divided by that year's population.
    divisors = [(table.population_by_year.get(year) if per_capita else 1) for year in table.years]
    series = [
        charts.Series(
            label=label,
            values=[
                (value / divisor if value is not None and divisor else None)
                for value, divisor in zip(values, divisors, strict=True)
            ],
            colour=charts.PALETTE[i % len(charts.PALETTE)],
        )
        for i, (label, values) in enumerate(table.rows())
    ]
    first, last = table.years[0], table.years[-1]
    description = _(
        "Greenhouse-gas emissions in %(name)s by sector, %(first)d–%(last)d. "
        "Total %(first)d: %(t_first)s tonnes; %(last)d: %(t_last)s tonnes."
    ) % {
        "name": org.display_name,
        "first": first,
        "last": last,
        "t_first": charts.format_number(table.totals[first]),
        "t_last": charts.format_number(table.totals[last]),
    }
    change = table.change_since(first)
    if change is not None:
        description += " " + _("Change: %(pct)s %%.") % {
            "pct": charts.format_number(change * 100, 0)
        }
    return charts.stacked_bars(
        chart_id="emissions-chart",
        title=_("Emissions by sector") + (" " + _("per inhabitant") if per_capita else ""),
        description=description,
        categories=[str(y) for y in table.years],
        positions=table.years,
        series=series,
        unit=_("tonnes CO₂e per inhabitant") if per_capita else _("tonnes CO₂e"),
        decimals=2 if per_capita else 0,
    )
