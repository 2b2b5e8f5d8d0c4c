"""Pages of follow-up: an organisation's indicators with status, one indicator's chart and
table, emission targets against SMHI's series, and the forms that report values and set
targets. Each view parses a form, calls one service and redirects, or shows the page again
with the errors (status 400).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.charts import PALETTE
from kraftsamla.core.exports import export_format, export_table
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.followup import selectors, services, trends
from kraftsamla.followup.charts import Line, line_chart
from kraftsamla.followup.forms import EmissionTargetForm, TargetForm, ValueForm
from kraftsamla.followup.models import EmissionTarget
from kraftsamla.organisations import selectors as organisation_selectors

VALUE_VIEW = "followup.value.view"
EDIT = "followup.organisation.edit"


def _rules() -> dict:
    return {
        "window": trends.WINDOW,
        "min_points": trends.MIN_POINTS,
        "statuses": [(s.value, s.label, trends.STATUS_ICONS[s]) for s in trends.Status],
    }


@checks("followup.indicator.view")
def index(request: HttpRequest) -> HttpResponse:
    """The indicators of the platform, how status is decided, and the visitor's organisations."""
    access.allows(request, "followup.indicator.view", None)
    mine = organisation_selectors.organisation_queryset().filter(
        pk__in=request.access.organisation_ids()
    )
    return render(
        request,
        "followup/index.html",
        {"indicators": selectors.indicators(), "mine": list(mine), **_rules()},
    )


def _indicators_export(rows, organisation, fmt: str) -> HttpResponse:
    return export_table(
        items=rows,
        columns=[
            (_("Indicator"), lambda row: str(row.indicator.name)),
            (_("Unit"), lambda row: row.indicator.unit),
            (_("Direction"), lambda row: row.indicator.get_direction_display()),
            (_("Latest year"), lambda row: row.latest_year),
            (_("Latest value"), lambda row: row.latest_value),
            (_("Target year"), lambda row: row.target.target_year if row.target else None),
            (_("Target value"), lambda row: row.target.target_value if row.target else None),
            (_("Status"), lambda row: row.assessment.label if row.assessment else ""),
        ],
        fmt=fmt,
        filename=f"kraftsamla-indikatorer-{organisation.slug}",
        sheet=_("Indicators"),
        notes=[_("Only the values and targets you may see.")],
        demo=any(row.indicator.is_demo for row in rows),
    )


@checks(VALUE_VIEW, "followup.emissiontarget.view")
def organisation(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's indicators with their status, and its emission targets."""
    org = selectors.organisation_get(slug)
    rows = selectors.indicator_rows(request, org)
    can_edit = access.allows(request, EDIT, org)
    fmt = export_format(request)
    if fmt:
        return _indicators_export(rows, org, fmt)
    return render(
        request,
        "followup/organisation.html",
        {
            "org": org,
            "rows": rows,
            "emission_targets": list(selectors.emission_targets_visible(request, org)),
            "can_edit": can_edit,
            "all_indicators": selectors.indicators() if can_edit else [],
            **_rules(),
        },
    )


def _indicator_chart(row: selectors.IndicatorRow) -> str:
    lines = [Line(_("Reported values"), row.values, PALETTE[0])]
    assessment = row.assessment
    if assessment is not None and assessment.trend is not None and row.target is not None:
        trend = assessment.trend
        years = range(trend.years[0], row.target.target_year + 1)
        lines.append(
            Line(
                _("Trend"), {y: trend.at(y) for y in years}, PALETTE[1], dashed=True, markers=False
            )
        )
    trajectory = row.trajectory()
    if trajectory:
        lines.append(Line(_("Trajectory to the target"), trajectory, PALETTE[2], dashed=True))
    return line_chart(
        chart_id="indicator-chart",
        title=str(row.indicator.name),
        description=_("Reported values by year, the trend and the trajectory to the target."),
        lines=lines,
        unit=row.indicator.unit,
        decimals=1,
    )


def _indicator_page(request, org, row, value_form=None, target_form=None) -> HttpResponse:
    can_edit = access.allows(request, EDIT, org)
    if can_edit:
        value_form = value_form or ValueForm(auto_id="value-%s")
        target_form = target_form or TargetForm(auto_id="target-%s")
    trajectory = row.trajectory()
    years = sorted(set(row.values) | set(trajectory))
    return render(
        request,
        "followup/indicator.html",
        {
            "org": org,
            "row": row,
            "chart": _indicator_chart(row),
            "years": years,
            "trajectory": trajectory,
            "genders": sorted(row.by_gender),
            "value_form": value_form if can_edit else None,
            "target_form": target_form if can_edit else None,
            **_rules(),
        },
        status=form_status(value_form, target_form),
    )


def _row_or_empty(request, org, indicator) -> selectors.IndicatorRow:
    rows = {r.indicator.pk: r for r in selectors.indicator_rows(request, org)}
    return rows.get(indicator.pk) or selectors.IndicatorRow(indicator)


@checks(VALUE_VIEW)
def indicator(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One indicator of one organisation: chart, table, status and how it was decided."""
    org = selectors.organisation_get(slug)
    return _indicator_page(request, org, _row_or_empty(request, org, selectors.indicator_get(pk)))


@login_required
@checks(EDIT)
def value_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Report (or correct) the organisation's value of the indicator for a year."""
    org = selectors.organisation_get(slug)
    access.require(request, EDIT, org)
    definition = selectors.indicator_get(pk)
    form = ValueForm(request.POST or None, auto_id="value-%s")
    url = reverse("followup:indicator", kwargs={"slug": org.slug, "pk": definition.pk})
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.indicator_value_set(
                actor=request.user,
                organisation=org,
                indicator=definition,
                year=data["year"],
                data={**data, "value": float(data["value"])},
            ),
            redirect_to=url,
            message=_("The value was saved."),
        )
        if response:
            return response
    return _indicator_page(request, org, _row_or_empty(request, org, definition), value_form=form)


@login_required
@checks(EDIT)
def target_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Set a target for the organisation's indicator."""
    org = selectors.organisation_get(slug)
    access.require(request, EDIT, org)
    definition = selectors.indicator_get(pk)
    form = TargetForm(request.POST or None, auto_id="target-%s")
    url = reverse("followup:indicator", kwargs={"slug": org.slug, "pk": definition.pk})
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.target_create(
                actor=request.user, organisation=org, indicator=definition, data=data
            ),
            redirect_to=url,
            message=_("The target was saved."),
        )
        if response:
            return response
    return _indicator_page(request, org, _row_or_empty(request, org, definition), target_form=form)


# --- Emission targets ---------------------------------------------------------------------


def _emission_chart(page: selectors.EmissionTargetPage) -> str:
    plan = page.plan
    lines = [Line(_("Emissions (SMHI)"), page.series, PALETTE[0])]
    if plan is not None:
        lines.append(
            Line(
                _("Straight path from the base year"),
                plan.target_path,
                PALETTE[2],
                dashed=True,
                markers=False,
            )
        )
        lines.append(
            Line(
                _("Required path from the latest year"),
                plan.required_path,
                PALETTE[1],
                dashed=True,
                markers=False,
            )
        )
    return line_chart(
        chart_id="emission-target-chart",
        title=str(page.target.name),
        description=_("Emissions by year against the path to the target, tonnes CO₂e."),
        lines=lines,
        unit=_("tonnes CO₂e"),
    )


@checks("followup.emissiontarget.view")
def emission_target(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A municipality's emission target against SMHI's series: what is needed, what was done."""
    org = selectors.organisation_get(slug)
    target = access.get_visible(
        request,
        "followup.emissiontarget.view",
        EmissionTarget.objects.select_related("organisation"),
        pk=pk,
        organisation=org,
    )
    page = selectors.emission_target_page(target)
    return render(
        request,
        "followup/emission_target.html",
        {"org": org, "page": page, "plan": page.plan, "chart": _emission_chart(page)},
    )


@login_required
@checks(EDIT)
def emission_target_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Set an emission target for a municipality."""
    org = selectors.organisation_get(slug)
    access.require(request, EDIT, org)
    form = EmissionTargetForm(request.POST or None)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.emission_target_create(
                actor=request.user, organisation=org, data=data
            ),
            redirect_to=lambda target: reverse(
                "followup:emission-target", kwargs={"slug": org.slug, "pk": target.pk}
            ),
            message=_("The emission target was saved."),
        )
        if response:
            return response
    return render(
        request,
        "followup/emission_target_form.html",
        {"org": org, "form": form},
        status=form_status(form),
    )
