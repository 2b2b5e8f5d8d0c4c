"""Pages of follow-up: an organisation's indicators with status, one indicator's chart and
table, emission targets against SMHI's series, and the forms that report values and set
targets. Each view parses a form, calls one service and redirects, or shows the page again
with the errors (status 400).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
from kraftsamla.followup.forms import (
    ActionStatusForm,
    EmissionTargetForm,
    PromiseChoiceForm,
    TargetForm,
    ValueForm,
)
from kraftsamla.followup.models import EmissionTarget, ProgressStatus
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation

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


# --- Units, commitments and actions -------------------------------------------------------------

COMMITMENT_VIEW = "followup.commitment.view"
STATUS_CHANGE = "followup.action.change_status"


@checks("followup.unit.view")
def units(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's committees, administrations and departments as a tree."""
    org = selectors.organisation_get(slug)
    access.allows(request, "followup.unit.view", None)
    return render(request, "followup/units.html", {"org": org, "units": selectors.units_of(org)})


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _commitments_export(items, org, fmt: str) -> HttpResponse:
    return export_table(
        items=items,
        columns=[
            (_("Commitment"), lambda item: str(item[0].title)),
            (_("Kind"), lambda item: item[0].get_kind_display()),
            (_("Adopted by"), lambda item: item[0].adopted_by),
            (_("Adopted on"), lambda item: item[0].adopted_on),
            (_("Decision reference"), lambda item: item[0].decision_reference),
            (_("Period from"), lambda item: item[0].period_start),
            (_("Period until"), lambda item: item[0].period_end),
            (
                _("Responsible unit"),
                lambda item: str(item[0].responsible_unit or ""),
            ),
            (_("Responsible person"), lambda item: item[0].responsible_person),
            (_("Status"), lambda item: item[0].get_status_display()),
            (_("Progress (%)"), lambda item: _percent(item[1])),
        ],
        fmt=fmt,
        filename=f"kraftsamla-ataganden-{org.slug}",
        sheet=_("Commitments"),
        notes=[
            _("Only the commitments you may see."),
            _("Progress is the weighted mean of the actions' progress; empty without actions."),
        ],
        demo=any(item[0].is_demo for item in items),
    )


@checks(COMMITMENT_VIEW)
def commitments(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's commitments with status and progress, with downloads."""
    org = selectors.organisation_get(slug)
    items = selectors.commitments_with_progress(request, org)
    fmt = export_format(request)
    if fmt:
        return _commitments_export(items, org, fmt)
    return render(
        request,
        "followup/commitments.html",
        {"org": org, "items": items, "menus": selectors.menus_for_member(org)},
    )


def _commitment_response(request, org, commitment, status_forms=None) -> HttpResponse:
    page = selectors.commitment_page(request, commitment)
    status_forms = status_forms or {}
    nodes = []
    for node in page.actions():
        form = None
        if access.allows(request, STATUS_CHANGE, node.action):
            form = status_forms.get(node.action.pk) or ActionStatusForm(
                initial={"status": node.action.status, "progress": node.action.progress},
                auto_id=f"action-{node.action.pk}-%s",
            )
        nodes.append((node, form))
    return render(
        request,
        "followup/commitment.html",
        {"org": org, "page": page, "nodes": nodes},
        status=form_status(*status_forms.values()),
    )


@checks(COMMITMENT_VIEW)
def commitment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A commitment: who adopted it, who is responsible, its actions and indicators."""
    org = selectors.organisation_get(slug)
    return _commitment_response(request, org, selectors.commitment_get(request, org, pk))


@login_required
@checks(STATUS_CHANGE)
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an action's status (the responsible unit, or the organisation's administrators)."""
    action = selectors.action_get(request, pk)
    access.require(request, STATUS_CHANGE, action)
    commitment = action.commitment
    org = commitment.organisation
    form = ActionStatusForm(request.POST or None, auto_id=f"action-{action.pk}-%s")
    url = reverse("followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk})
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.action_status_set(
                actor=request.user,
                action=action,
                status=data["status"],
                comment=data["comment"],
                progress=data["progress"],
            ),
            redirect_to=f"{url}#action-{action.pk}",
            message=_("The action's status was saved."),
        )
        if response:
            return response
    commitment = selectors.commitment_get(request, org, commitment.pk)
    return _commitment_response(request, org, commitment, {action.pk: form})


# --- Promise menus ----------------------------------------------------------------------------


def _choice_form(request, menu, data=None) -> PromiseChoiceForm | None:
    """The form for adopting a promise: for editors of the body's members, else None."""
    members = organisation_selectors.body_members(menu.body)
    editable = [m.pk for m in members if access.allows(request, EDIT, m)]
    if not editable:
        return None
    return PromiseChoiceForm(
        data,
        organisations=Organisation.objects.filter(pk__in=editable),
        promises=menu.items.all(),
    )


def _menu_response(request, menu, form=None) -> HttpResponse:
    rollup = None
    if access.allows(request, "followup.menu.view_rollup", menu):
        rollup = selectors.menu_rollup(request, menu)
    form = form or _choice_form(request, menu)
    return render(
        request,
        "followup/menu.html",
        {
            "menu": menu,
            "items": list(menu.items.all()),
            "rollup": rollup,
            "form": form,
            "statuses": ProgressStatus.choices,
        },
        status=form_status(form),
    )


@checks("followup.menu.view")
def menu(request: HttpRequest, pk: int) -> HttpResponse:
    """A body's promise menu; for the body's people, who chose what and how far they got."""
    promise_menu = selectors.menu_get(pk)
    access.allows(request, "followup.menu.view", promise_menu)
    return _menu_response(request, promise_menu)


@login_required
@checks(EDIT)
def promise_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """A member adopts a promise from the menu, with the adopting decision."""
    promise_menu = selectors.menu_get(pk)
    form = _choice_form(request, promise_menu, request.POST or None)
    if form is None:
        raise PermissionDenied(_("Only the editors of the body's members adopt its promises."))
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.promise_choose(
                actor=request.user,
                organisation=data.pop("organisation"),
                promise=data.pop("promise"),
                data=data,
            ),
            redirect_to=lambda chosen: reverse(
                "followup:commitment",
                kwargs={"slug": chosen.organisation.slug, "pk": chosen.pk},
            ),
            message=_("The promise was adopted."),
        )
        if response:
            return response
    return _menu_response(request, promise_menu, form)
