"""Pages of twins and peers: choose a municipality, then its ranked candidates for a purpose.

The matching form is a GET form (purpose, weights, programme); an invalid value is
reported at its field with status 400 and no ranking.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.charts import format_number
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import submit_form
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation, OrganisationKind
from kraftsamla.twinning import matching, selectors, services
from kraftsamla.twinning.forms import LinkForm, MatchingForm
from kraftsamla.twinning.matching import Component, Purpose
from kraftsamla.twinning.models import TwinLink

VIEW = "twinning.matching.view"
LINK_VIEW = "twinning.link.view"
LINK_CREATE = "twinning.link.create"
LINK_END = "twinning.link.end"
# How many of the best candidates the map marks with their rank.
MAP_MARKED = 10


def _municipality(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug, kind=OrganisationKind.MUNICIPALITY)


@checks(VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """Choose a municipality (a GET form that leads to its matching page)."""
    access.require(request, VIEW)
    slug = request.GET.get("kommun", "")
    choices = selectors.municipality_choices()
    error = ""
    if slug:
        if slug in dict(choices):
            return redirect("twinning:matching", slug=slug)
        error = _("Choose a municipality from the list.")
    own = [
        org
        for org in Organisation.objects.filter(
            pk__in=access.access_of(request).organisation_ids(), kind=OrganisationKind.MUNICIPALITY
        )
    ]
    return render(
        request,
        "twinning/index.html",
        {"choices": choices, "error": error, "own": own, "purposes": Purpose.choices},
        status=400 if error else 200,
    )


def _map(result: selectors.MatchingResult) -> dict:
    """The municipality map with the target and the best candidates marked by their rank."""
    features = organisation_selectors.map_features()
    marked = {m.place.slug: rank for rank, m in enumerate(result.shown[:MAP_MARKED], start=1)}
    target_slug = result.target.slug
    focus = [f for f in features if f["slug"] in marked or f["slug"] == target_slug]
    view_box = organisation_selectors.map_bounds(focus, margin=0.15) if focus else (0, 0, 1, 1)
    areas, markers = [], []
    for feature in features:
        slug = feature["slug"]
        if slug == target_slug:
            label = escape(_("%(name)s (the municipality matched)") % {"name": feature["name"]})
            areas.append(
                f'<path class="twin-target" d="{feature["path"]}"><title>{label}</title></path>'
            )
        elif slug in marked:
            rank = marked[slug]
            label = escape(_("%(rank)s. %(name)s") % {"rank": rank, "name": feature["name"]})
            areas.append(
                f'<a href="#candidate-{escape(slug)}" aria-label="{label}">'
                f'<path class="twin-candidate" d="{feature["path"]}">'
                f"<title>{label}</title></path></a>"
            )
            markers.append(
                f'<g class="twin-marker" aria-hidden="true"><circle cx="{feature["cx"]}" '
                f'cy="{feature["cy"]}" r="{max(view_box[2], view_box[3]) / 45:.1f}"/>'
                f'<text x="{feature["cx"]}" y="{feature["cy"]}" font-size="'
                f'{max(view_box[2], view_box[3]) / 40:.1f}">{rank}</text></g>'
            )
        else:
            areas.append(f'<path class="context" d="{feature["path"]}" aria-hidden="true"/>')
    return {
        "svg": mark_safe("".join(areas + markers)),  # noqa: S308 - every part escaped above
        "view_box": " ".join(f"{n:g}" for n in view_box),
        "marked": len(marked),
    }


def _weight(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _value(value: float | None) -> str:
    return "" if value is None else format_number(value * 100, 0)


def _rows(result: selectors.MatchingResult) -> list[dict]:
    return [
        {
            "rank": rank,
            "match": match,
            "values": [(key, _value(match.values.get(key))) for key in matching.COMPONENTS],
            "km": None if match.details["km"] is None else format_number(match.details["km"], 0),
        }
        for rank, match in enumerate(result.shown, start=1)
    ]


def _export(result: selectors.MatchingResult, fmt: str) -> HttpResponse:
    labels = dict(Component.choices)
    rows = list(enumerate(result.matches, start=1))
    columns = [
        (_("Rank"), lambda row: row[0]),
        (_("Municipality"), lambda row: row[1].place.name),
        (_("Code"), lambda row: row[1].place.code),
        (_("Match (0–100)"), lambda row: row[1].percent),
        *[
            (
                str(labels[key]) + " (0–100)",
                lambda row, key=key: (
                    None if row[1].values.get(key) is None else round(row[1].values[key] * 100, 1)
                ),
            )
            for key in matching.COMPONENTS
        ],
        (
            _("Distance (km)"),
            lambda row: None if row[1].details["km"] is None else round(row[1].details["km"]),
        ),
    ]
    return export_table(
        items=rows,
        columns=columns,
        fmt=fmt,
        filename=f"kraftsamla-matchning-{result.target.slug}",
        sheet=_("Matching"),
        notes=[
            _("Matching for %(name)s: %(purpose)s.")
            % {"name": result.target.name, "purpose": Purpose(result.purpose).label},
            _("An empty component was left out: no data, or not shared with you."),
        ],
    )


def _explanations() -> list[tuple[str, str]]:
    """How each component is computed, in words (the numbers come from matching.py)."""
    return [
        (
            Component.DISTANCE.label,
            _(
                "Closeness: 40 for being next door, falling to 0 at %(km)s km between the "
                "centres, plus 20 each for being neighbours, in the same county and in the "
                "same FA region."
            )
            % {"km": format_number(matching.DISTANCE_HORIZON_KM, 0)},
        ),
        (
            Component.SIZE.label,
            _(
                "100 for the same population, 50 for ten times larger or smaller, 0 from a "
                "factor 100."
            ),
        ),
        (
            Component.EMISSIONS.label,
            _(
                "How alike the shares of the emission sectors are in the latest year (70 %%) "
                "and the change in emissions per inhabitant since %(year)s (30 %%). Source: "
                "SMHI, National emissions database."
            )
            % {"year": selectors.TREND_FROM},
        ),
        (
            Component.PROGRAMMES.label,
            _(
                "The share of bodies and programmes that both belong to, of those either "
                "belongs to."
            ),
        ),
        (
            Component.THEMES.label,
            _(
                "The share of capitals and emission sectors in both municipalities' needs, ideas "
                "and projects, of those in either: only what is shared with you."
            ),
        ),
        (
            Component.CAPITALS.label,
            _(
                "From the latest published capacity results shared with you. Similar profile: "
                "100 minus the mean gap between the seven capitals. Complement: the part of "
                "your gap to the top of the scale that the candidate's stronger capitals cover."
            ),
        ),
    ]


def _links_context(request: HttpRequest, organisation: Organisation, link_form=None) -> dict:
    links = selectors.links_of(request, organisation)
    can_record = access.allows(request, LINK_CREATE, organisation)
    if can_record and link_form is None:
        link_form = LinkForm(organisation=organisation, auto_id="link-%s")
    for link in links:
        link.can_end = link.end_date is None and access.allows(request, LINK_END, link)
    return {
        "links": links,
        "linked": selectors.linked_ids(links, organisation),
        "link_form": link_form if can_record else None,
    }


@checks(VIEW, LINK_VIEW, LINK_END)
def matching_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Ranked candidates for one municipality and purpose, with components, reasons and a map."""
    organisation = _municipality(slug)
    access.require(request, VIEW, organisation)
    return _matching_response(request, organisation)


def _matching_response(request: HttpRequest, organisation: Organisation, link_form=None):
    form = MatchingForm(request.GET or None)
    result = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        purpose = data.get("purpose") or Purpose.TWIN
        weights = data.get("weights") or {k: float(v) for k, v in matching.PRESETS[purpose].items()}
        result = selectors.matching_for(
            request,
            organisation,
            purpose=purpose,
            weights=weights,
            programme=data.get("programme"),
        )
        fmt = export_format(request)
        if fmt:
            return _export(result, fmt)
        # Show the weights that were used (a blank weight means the purpose's preset).
        form = MatchingForm(
            initial={
                "purpose": purpose,
                "programme": data.get("programme"),
                **{f"w_{key}": _weight(value) for key, value in weights.items()},
            }
        )
    else:
        purpose = form.data.get("purpose") if form.data.get("purpose") in Purpose.values else ""
        purpose = purpose or Purpose.TWIN
    context = {
        "organisation": organisation,
        "form": form,
        "result": result,
        "rows": _rows(result) if result else [],
        "map": _map(result) if result and result.shown else None,
        "components": Component.choices,
        "purposes": [(value, label, value == purpose) for value, label in Purpose.choices],
        "query": page_query(request),
        "purpose_label": Purpose(purpose).label,
        "explanations": _explanations(),
        "left_out": [
            (label, result.left_out_counts[key])
            for key, label in Component.choices
            if result and result.left_out_counts.get(key)
        ],
        "presets": [
            (Purpose(p).label, [matching.PRESETS[p][k] for k in matching.COMPONENTS])
            for p in Purpose.values
        ],
    }
    context.update(_links_context(request, organisation, link_form))
    for row in context["rows"]:
        row["link"] = context["linked"].get(row["match"].place.id)
    failed = result is None or (link_form is not None and link_form.errors)
    return render(request, "twinning/matching.html", context, status=400 if failed else 200)


@checks(LINK_CREATE)
@login_required
@require_POST
def link_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a twin or peer link of the municipality; errors show at the form's fields."""
    organisation = _municipality(slug)
    access.require(request, LINK_CREATE, organisation)
    form = LinkForm(request.POST, organisation=organisation, auto_id="link-%s")

    def save(data: dict) -> TwinLink:
        description = data.pop("description", "")
        return services.link_create(
            actor=request.user,
            organisation=organisation,
            description={"sv": description} if description else {},
            **data,
        )

    response = submit_form(
        request,
        form,
        save,
        redirect_to=reverse("twinning:matching", args=[organisation.slug]) + "#links-heading",
        message=_("The link was recorded."),
    )
    if response is not None:
        return response
    return _matching_response(request, organisation, link_form=form)


@checks(LINK_END)
@login_required
@require_POST
def link_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Give a link an end date; a date before its start is refused with a message."""
    organisation = _municipality(slug)
    link = get_object_or_404(TwinLink.objects.filter(members__organisation=organisation), pk=pk)
    access.require(request, LINK_END, link)
    target = reverse("twinning:matching", args=[organisation.slug]) + "#links-heading"
    try:
        end_date = datetime.date.fromisoformat(request.POST.get("end_date", ""))
    except ValueError:
        messages.error(request, _("Give the end date as YYYY-MM-DD."))
        return redirect(target)
    try:
        services.link_end(actor=request.user, link=link, end_date=end_date)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(target)
    messages.success(request, _("The link was ended."))
    return redirect(target)
