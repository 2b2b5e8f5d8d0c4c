"""Pages of follow-up: an organisation's indicators with status, one indicator's chart and
table, emission targets against SMHI's series, and the forms that report values and set
targets. Each view parses a form, calls one service and redirects, or shows the page again
with the errors (status 400).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.charts import PALETTE
from kraftsamla.core.exports import export_format, export_table
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import imports, selectors, services, trends
from kraftsamla.followup.charts import Line, line_chart
from kraftsamla.followup.forms import (
    ActionForm,
    ActionStatusForm,
    CommitmentForm,
    EmissionTargetForm,
    ImportConfirmForm,
    ImportMappingForm,
    ImportUploadForm,
    PromiseChoiceForm,
    PromiseMenuForm,
    ReportForm,
    ReviewForm,
    RoundForm,
    TargetForm,
    UnitForm,
    UnitPersonForm,
    ValueForm,
)
from kraftsamla.followup.models import (
    YEAR_MAX,
    YEAR_MIN,
    Commitment,
    CommitmentKind,
    EmissionSeries,
    EmissionTarget,
    FollowupRound,
    ImportKind,
    IndicatorDefinition,
    ProgressStatus,
    PromiseMenu,
    ReportStatus,
    ResponsibleUnit,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.projects import selectors as project_selectors

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


def _indicator_chart(row: selectors.IndicatorRow, chart_id: str = "indicator-chart") -> str:
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
        chart_id=chart_id,
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


def _indicator_form_post(request, slug: str, pk: int, *, key: str, form_class, save, message):
    """Validate the value or target form (`key`), save it with `save(org, indicator, data)`
    and go back to the indicator page; with errors, show the page with the form (400)."""
    org = selectors.organisation_get(slug)
    access.require(request, EDIT, org)
    definition = selectors.indicator_get(pk)
    form = form_class(request.POST or None, auto_id=f"{key}-%s")
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: save(org, definition, data),
            redirect_to=reverse("followup:indicator", kwargs={"slug": org.slug, "pk": pk}),
            message=message,
        )
        if response:
            return response
    row = _row_or_empty(request, org, definition)
    return _indicator_page(request, org, row, **{f"{key}_form": form})


@login_required
@checks(EDIT)
def value_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Report (or correct) the organisation's value of the indicator for a year."""
    return _indicator_form_post(
        request,
        slug,
        pk,
        key="value",
        form_class=ValueForm,
        save=lambda org, indicator, data: services.indicator_value_set(
            actor=request.user,
            organisation=org,
            indicator=indicator,
            year=data["year"],
            data={**data, "value": float(data["value"])},
        ),
        message=_("The value was saved."),
    )


@login_required
@checks(EDIT)
def target_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Set a target for the organisation's indicator."""
    return _indicator_form_post(
        request,
        slug,
        pk,
        key="target",
        form_class=TargetForm,
        save=lambda org, indicator, data: services.target_create(
            actor=request.user, organisation=org, indicator=indicator, data=data
        ),
        message=_("The target was saved."),
    )


# --- Emission targets ---------------------------------------------------------------------


def _emission_chart(
    page: selectors.EmissionTargetPage, chart_id: str = "emission-target-chart"
) -> str:
    plan = page.plan
    own = page.target.series == EmissionSeries.OWN
    label = _("Emissions (own figures)") if own else _("Emissions (SMHI)")
    lines = [Line(label, page.series, PALETTE[0])]
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
        chart_id=chart_id,
        title=str(page.target.name),
        description=_("Emissions by year against the path to the target, tonnes CO₂e."),
        lines=lines,
        unit=_("tonnes CO₂e"),
    )


@checks("followup.emissiontarget.view", "followup.emissionfigure.view")
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
    page = selectors.emission_target_page(request, target)
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


@checks("followup.unit.view", "followup.unit.manage")
def units(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's committees, administrations and departments as a tree; its
    administrators add units and the people who act for them here."""
    org = selectors.organisation_get(slug)
    access.allows(request, "followup.unit.view", None)
    return _units_page(request, org)


def _units_page(request, org, unit_form=None, person_form=None) -> HttpResponse:
    can_manage = access.allows(request, UNIT_MANAGE, ResponsibleUnit(organisation=org))
    units = selectors.units_of(org)
    if can_manage:
        choices = ResponsibleUnit.objects.filter(organisation=org)
        unit_form = unit_form or UnitForm(units=choices, auto_id="unit-%s")
        person_form = person_form or UnitPersonForm(
            units=choices, people=selectors.people_of(org), auto_id="person-%s"
        )
    return render(
        request,
        "followup/units.html",
        {
            "org": org,
            "units": units,
            "can_manage": can_manage,
            "unit_form": unit_form,
            "person_form": person_form,
            "people": selectors.unit_people(units) if can_manage else {},
        },
        status=form_status(*(f for f in (unit_form, person_form) if f and f.is_bound)),
    )


UNIT_MANAGE = "followup.unit.manage"


@login_required
@require_POST
@checks(UNIT_MANAGE)
def unit_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a committee, administration or department."""
    org = selectors.organisation_get(slug)
    access.require(request, UNIT_MANAGE, ResponsibleUnit(organisation=org))
    form = UnitForm(
        request.POST, units=ResponsibleUnit.objects.filter(organisation=org), auto_id="unit-%s"
    )
    response = submit_form(
        request,
        form,
        lambda data: services.unit_create(actor=request.user, organisation=org, data=data),
        redirect_to=reverse("followup:units", kwargs={"slug": org.slug}),
        message=_("The unit was added."),
    )
    return response or _units_page(request, org, unit_form=form)


@login_required
@require_POST
@checks(UNIT_MANAGE)
def unit_person_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Let a person act for a unit (and the units below it)."""
    org = selectors.organisation_get(slug)
    access.require(request, UNIT_MANAGE, ResponsibleUnit(organisation=org))
    form = UnitPersonForm(
        request.POST,
        units=ResponsibleUnit.objects.filter(organisation=org),
        people=selectors.people_of(org),
        auto_id="person-%s",
    )
    response = submit_form(
        request,
        form,
        lambda data: services.unit_person_add(
            actor=request.user, unit=data["unit"], user=data["user"]
        ),
        redirect_to=reverse("followup:units", kwargs={"slug": org.slug}),
        message=_("The person was added to the unit."),
    )
    return response or _units_page(request, org, person_form=form)


@login_required
@checks("followup.menu.manage")
def menu_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Publish a promise menu for the body's members to choose from."""
    body = selectors.organisation_get(slug)
    if not body.is_coordinating:
        raise Http404
    access.require(request, "followup.menu.manage", PromiseMenu(body=body))
    form = PromiseMenuForm(request.POST or None)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.promise_menu_create(
                actor=request.user, body=body, data=data, items=data.pop("promises")
            ),
            redirect_to=lambda menu: reverse("followup:menu", kwargs={"pk": menu.pk}),
            message=_("The promise menu was published."),
        )
        if response:
            return response
    return render(
        request, "followup/menu_form.html", {"body": body, "form": form}, status=form_status(form)
    )


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
        {
            "org": org,
            "items": items,
            "menus": selectors.menus_for_member(org),
            "capitals": selectors.capital_scores(request, org, [c for c, _p in items]),
            "report_year": timezone.localdate().year - 1,
            "can_edit": access.allows(
                request, "followup.commitment.edit", Commitment(organisation=org)
            ),
        },
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
        {
            "org": org,
            "page": page,
            "nodes": nodes,
            "can_edit": access.allows(request, "followup.commitment.edit", commitment),
        },
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


# --- Imports ---------------------------------------------------------------------------------
#
# An import is three steps: upload the file (kept under MEDIA_ROOT, named by a random token
# remembered in the person's session, so nobody else can reach it), a preview where the
# person maps the columns and sees the first rows as they will be read and every bad row,
# and the import itself, which writes all rows or, when chosen, the good ones. A finished
# import can be undone from its result page. Uploads left in a preview are deleted after
# KRAFTSAMLA_IMPORT_UPLOAD_MAX_AGE_HOURS by `manage.py clear_import_uploads` (run daily).

IMPORT_RUN = "followup.import.run"
IMPORT_SESSION_KEY = "followup_imports"
IMPORTS_KEPT = 3


def _stored(request: HttpRequest, token: str) -> dict:
    stored = request.session.get(IMPORT_SESSION_KEY, {}).get(token)
    if stored is None:
        raise Http404
    return stored


def _stored_bytes(stored: dict) -> bytes | None:
    """Return the uploaded file, or None when it is gone (cleared after its maximum age)."""
    try:
        with default_storage.open(stored["path"], "rb") as file:
            return file.read()
    except OSError:
        return None


@login_required
@checks(IMPORT_RUN)
def import_start(request: HttpRequest) -> HttpResponse:
    """Upload a CSV, XLSX or Kolada JSON file of indicator values."""
    access.require(request, IMPORT_RUN, None)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        kind = "json" if data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"[") else "table"
        try:
            if kind == "json":
                imports.kolada_pages(data)
            else:
                imports.find_header(imports.read_rows(data, upload.name))
        except imports.UnreadableFile as exc:
            form.add_error("file", str(exc))
        else:
            token = secrets.token_urlsafe(16)
            path = default_storage.save(
                f"{services.IMPORT_UPLOAD_DIRECTORY}/{token}", ContentFile(data)
            )
            stored = request.session.get(IMPORT_SESSION_KEY, {})
            # Keep the person's last few uploads; older ones were left in the preview.
            for old in list(stored)[: max(len(stored) - IMPORTS_KEPT + 1, 0)]:
                default_storage.delete(stored.pop(old)["path"])
            stored[token] = {"path": path, "name": upload.name[:200], "kind": kind}
            request.session[IMPORT_SESSION_KEY] = stored
            return redirect("followup:import-preview", token=token)
    return render(
        request,
        "followup/import_start.html",
        {"form": form, "batches": list(selectors.import_batches(request)[:20])},
        status=form_status(form),
    )


def _mapping_initial(mapping: imports.ColumnMapping) -> dict:
    def column(value):
        return "" if value is None else str(value)

    return {
        "kind": ImportKind.VALUES if mapping.sector is None else ImportKind.EMISSIONS,
        "header_row": mapping.header_row + 1,
        "layout": mapping.layout,
        "organisation_column": column(mapping.organisation),
        "year_column": column(mapping.year),
        "value_column": column(mapping.value),
        "gender_column": column(mapping.gender),
        "kpi_column": column(mapping.kpi),
        "sector_column": column(mapping.sector),
        "subsector_column": column(mapping.subsector),
        "sharing_level": SharingLevel.REGION,
    }


def _mapping_from(data: dict, rows: list[list]) -> imports.ColumnMapping:
    header_row = min(data["header_row"], len(rows)) - 1
    guessed = imports.guess_mapping(rows, header_row)
    return imports.ColumnMapping(
        header_row=header_row,
        layout=data["layout"],
        organisation=data["organisation_column"],
        year=data["year_column"],
        value=data["value_column"],
        gender=data["gender_column"],
        kpi=data["kpi_column"],
        sector=data["sector_column"],
        subsector=data["subsector_column"],
        year_columns=guessed.year_columns
        or {
            i: int(str(c).strip())
            for i, c in enumerate(rows[header_row])
            if imports.YEAR_HEADER.match(str(c or ""))
        },
    )


def _forget_upload(request: HttpRequest, token: str) -> None:
    request.session[IMPORT_SESSION_KEY] = {
        key: value
        for key, value in request.session.get(IMPORT_SESSION_KEY, {}).items()
        if key != token
    }


@login_required
@checks(IMPORT_RUN)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """Map the columns, see the first rows as they will be read and every bad row; import."""
    access.require(request, IMPORT_RUN, None)
    stored = _stored(request, token)
    data = _stored_bytes(stored)
    if data is None:
        _forget_upload(request, token)
        messages.info(request, _("The uploaded file is no longer kept: upload it again."))
        return redirect("followup:import")
    is_kolada = stored["kind"] == "json"
    kind = ImportKind.VALUES
    rows: list[list] = []
    if is_kolada:
        form = ImportConfirmForm(request.POST or None)
        valid = form.is_valid() if request.method == "POST" else True
        plan = selectors.kolada_plan(request, data)
        header_text: list[str] = []
    else:
        rows = imports.read_rows(data, stored["name"])
        header_row = request.POST.get("header_row")
        guessed = imports.guess_mapping(
            rows,
            int(header_row) - 1
            if header_row and header_row.isdigit() and 0 < int(header_row) <= len(rows)
            else None,
        )
        header_text = [imports.cell_text(cell) for cell in rows[guessed.header_row]]
        initial = _mapping_initial(guessed)
        form = ImportMappingForm(
            request.POST or None,
            header=header_text,
            indicators=IndicatorDefinition.objects.all(),
            initial=initial,
        )
        valid = form.is_valid() if request.method == "POST" else False
        mapping = _mapping_from(form.cleaned_data, rows) if valid else guessed
        indicator = form.cleaned_data.get("indicator") if valid else None
        kind = form.cleaned_data["kind"] if valid else initial["kind"]
        plan = (
            selectors.table_plan(request, rows, mapping, indicator, kind=kind)
            if valid or mapping.kpi is not None or kind == ImportKind.EMISSIONS
            else None
        )
    if (
        request.method == "POST"
        and valid
        and request.POST.get("action") == "import"
        and plan is not None
        and len(plan.good_values) > settings.KRAFTSAMLA_IMPORT_BACKGROUND_ROWS
        and (not plan.problems or form.cleaned_data["skip_bad_rows"])
    ):
        # A long file: the background worker writes it, the page shows its progress.
        job = services.import_job_create(
            actor=request.user,
            path=stored["path"],
            file_name=stored["name"],
            kind=stored["kind"],
            options={
                "kind": kind,
                "mapping": None if is_kolada else imports.mapping_to_json(mapping),
                "indicator": indicator.pk if not is_kolada and indicator else None,
                "source": form.cleaned_data.get("source") or "",
                "sharing_level": form.cleaned_data["sharing_level"],
                "skip_bad_rows": form.cleaned_data["skip_bad_rows"],
                "rows": plan.rows_read,
            },
        )
        _forget_upload(request, token)
        return redirect("followup:import-job", pk=job.pk)
    if request.method == "POST" and valid and request.POST.get("action") == "import":
        try:
            batch = services.values_import(
                actor=request.user,
                plan=plan,
                file_name=stored["name"],
                source=form.cleaned_data.get("source") or "",
                sharing_level=form.cleaned_data["sharing_level"],
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.message_dict.get("file") or exc.messages)
        else:
            default_storage.delete(stored["path"])
            _forget_upload(request, token)
            messages.success(request, _("The values were imported."))
            return redirect("followup:import-batch", pk=batch.pk)
    raw_rows = [[imports.cell_text(cell) for cell in row] for row in rows[: imports.HEADER_SCAN]]
    return render(
        request,
        "followup/import_preview.html",
        {
            "token": token,
            "stored": stored,
            "form": form,
            "is_kolada": is_kolada,
            "is_emissions": kind == ImportKind.EMISSIONS,
            "raw_rows": raw_rows,
            "plan": plan,
            "preview": plan.values[: imports.PREVIEW_ROWS] if plan else [],
            "problems": plan.problems[:500] if plan else [],
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )


@login_required
@checks("followup.import.view")
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """A finished import: what it wrote and skipped, with a button to undo it."""
    batch = selectors.import_batch_get(request, pk)
    return render(
        request,
        "followup/import_batch.html",
        {"batch": batch, "can_undo": access.allows(request, "followup.import.undo", batch)},
    )


@login_required
@require_POST
@checks("followup.import.undo")
def import_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a finished import."""
    batch = selectors.import_batch_get(request, pk)
    try:
        services.import_undo(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import was undone."))
    return redirect("followup:import-batch", pk=batch.pk)


# --- A body's roll-up ------------------------------------------------------------------------


def _rollup_export(rollup: selectors.BodyRollup, fmt: str) -> HttpResponse:
    statuses = list(trends.Status)
    return export_table(
        items=rollup.rows,
        columns=[
            (_("Indicator"), lambda row: str(row.indicator.name)),
            (_("Members reporting"), lambda row: row.reporting),
            *[
                (str(status.label), lambda row, key=status.value: row.counts[key])
                for status in statuses
            ],
        ],
        fmt=fmt,
        filename=f"kraftsamla-sammanstallning-{rollup.body.slug}",
        sheet=_("Roll-up"),
        notes=[
            _("Only what the members share with you."),
            _("Statuses as on the indicator pages."),
        ],
        demo=any(row.indicator.is_demo for row in rollup.rows),
    )


@checks(VALUE_VIEW, "followup.menu.manage", "followup.capacity.view")
def body_rollup(request: HttpRequest, slug: str) -> HttpResponse:
    """A body's members per indicator: how many are on track, at risk, off track."""
    body = selectors.organisation_get(slug)
    if not body.is_coordinating:
        raise Http404
    rollup = selectors.body_rollup(request, body)
    fmt = export_format(request)
    if fmt:
        return _rollup_export(rollup, fmt)
    return render(
        request,
        "followup/rollup.html",
        {
            "body": body,
            "rollup": rollup,
            "menus": selectors.menus_of(body),
            "can_publish_menu": access.allows(
                request, "followup.menu.manage", PromiseMenu(body=body)
            ),
            "can_see_capacity": access.allows(request, "followup.capacity.view", body),
            **_rules(),
        },
    )


def _capacity_export(capacity: selectors.BodyCapacity, fmt: str) -> HttpResponse:
    rows = [(member, key, label) for member in capacity.members for key, label in capacity.capitals]
    return export_table(
        items=rows,
        columns=[
            (_("Member"), lambda row: row[0].organisation.name),
            (_("Capital"), lambda row: str(row[2])),
            *[
                (str(year), lambda row, year=year: row[0].scores.get(row[1], {}).get(year))
                for year in capacity.years
            ],
            (
                _("First took part"),
                lambda row: row[0].first_enrolled.date() if row[0].first_enrolled else "",
            ),
            (_("Before"), lambda row: row[0].baseline_year or ""),
            (_("After"), lambda row: row[0].latest_year or ""),
            (_("Change after taking part"), lambda row: row[0].change(row[1])),
        ],
        fmt=fmt,
        filename=f"kraftsamla-kapacitet-{capacity.body.slug}",
        sheet=_("Capacity"),
        notes=[
            _("Only the assessments the members share with the body."),
            _("Change: latest score minus the score before the first enrolment in an offer."),
        ],
        demo=capacity.include_demo,
    )


@checks("followup.capacity.view")
def body_capacity(request: HttpRequest, slug: str) -> HttpResponse:
    """A body's members: capital scores over time and the change after taking part in offers."""
    body = selectors.organisation_get(slug)
    if not body.is_coordinating:
        raise Http404
    access.require(request, "followup.capacity.view", body)
    capacity = selectors.body_capacity(request, body)
    fmt = export_format(request)
    if fmt:
        return _capacity_export(capacity, fmt)
    return render(request, "followup/capacity.html", {"body": body, "capacity": capacity})


def _form_page(request, form, save, *, redirect_to, message, template, context):
    """Save a valid POSTed form through `save` and redirect; else show the form page
    (400 with the errors at their fields)."""
    if request.method == "POST":
        response = submit_form(request, form, save, redirect_to=redirect_to, message=message)
        if response:
            return response
    return render(request, template, {**context, "form": form}, status=form_status(form))


# --- Writing commitments and actions -------------------------------------------------------


@login_required
@checks("followup.commitment.edit")
def commitment_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a commitment of the organisation: who adopted it, who is responsible."""
    org = selectors.organisation_get(slug)
    draft = Commitment(organisation=org)
    access.require(request, "followup.commitment.edit", draft)
    form = CommitmentForm(
        request.POST or None,
        units=ResponsibleUnit.objects.filter(organisation=org),
        indicators=IndicatorDefinition.objects.all(),
    )
    return _form_page(
        request,
        form,
        lambda data: services.commitment_create(
            actor=request.user,
            organisation=org,
            data=data,
            indicators=list(data.pop("indicators")),
        ),
        redirect_to=lambda commitment: reverse(
            "followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk}
        ),
        message=_("The commitment was saved."),
        template="followup/commitment_form.html",
        context={"org": org},
    )


@login_required
@checks("followup.commitment.edit")
def action_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add an action (or a sub-action) under a commitment."""
    org = selectors.organisation_get(slug)
    commitment = selectors.commitment_get(request, org, pk)
    access.require(request, "followup.commitment.edit", commitment)
    form = ActionForm(
        request.POST or None,
        actions=commitment.actions.all(),
        units=ResponsibleUnit.objects.filter(organisation=org),
        projects=project_selectors.projects_of_organisation(request, org),
    )
    url = reverse("followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk})
    return _form_page(
        request,
        form,
        lambda data: services.action_create(
            actor=request.user,
            commitment=commitment,
            data=data,
            projects=list(data.pop("projects")),
        ),
        redirect_to=url,
        message=_("The action was added."),
        template="followup/action_form.html",
        context={"org": org, "commitment": commitment},
    )


# --- The annual report ---------------------------------------------------------------------


@checks(COMMITMENT_VIEW, VALUE_VIEW)
def annual_report(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    """A printable report of one year: a page per commitment, indicators with charts and
    tables, what changed since the year before, and the emission targets."""
    org = selectors.organisation_get(slug)
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404
    report = selectors.annual_report(request, org, year)
    published = selectors.published_round(org, year)
    sections = [
        (
            item,
            [
                (
                    row,
                    _indicator_chart(
                        row, chart_id=f"chart-{item.commitment.pk}-{row.indicator.pk}"
                    ),
                )
                for row in item.rows
            ],
        )
        for item in report.commitments
    ]
    emissions = [
        (page, _emission_chart(page, chart_id=f"emission-{page.target.pk}"))
        for page in report.emission_targets
    ]
    return render(
        request,
        "followup/annual_report.html",
        {
            "org": org,
            "report": report,
            "sections": sections,
            "emissions": emissions,
            "published": published,
            "round_changes": selectors.published_changes(request, org, published),
            "today": timezone.localdate(),
            **_rules(),
        },
    )


# --- The yearly follow-up round ---------------------------------------------------------------

ROUND_VIEW = "followup.round.view"
ROUND_MANAGE = "followup.round.manage"
REPORT_VIEW = "followup.report.view"
REPORT_SUBMIT = "followup.report.submit"
REPORT_REVIEW = "followup.report.review"


@checks(ROUND_VIEW, ROUND_MANAGE)
def rounds(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's follow-up rounds; its administrators open a new one here."""
    org = selectors.organisation_get(slug)
    can_open = access.allows(request, ROUND_MANAGE, FollowupRound(organisation=org))
    form = RoundForm(request.POST or None) if can_open else None
    if request.method == "POST":
        access.require(request, ROUND_MANAGE, FollowupRound(organisation=org))
        response = submit_form(
            request,
            form,
            lambda data: services.round_open(actor=request.user, organisation=org, data=data),
            redirect_to=lambda round_: reverse("followup:round", kwargs={"pk": round_.pk}),
            message=_("The round is open: every responsible unit has its task list."),
        )
        if response:
            return response
    return render(
        request,
        "followup/rounds.html",
        {"org": org, "rounds": selectors.rounds_of(request, org), "form": form},
        status=form_status(form) if form else 200,
    )


def _round_export(round_, rows, fmt: str) -> HttpResponse:
    return export_table(
        items=rows,
        columns=[
            (_("Organisation"), lambda row: row[0].organisation.name),
            (_("Responsible unit"), lambda row: row[0].unit.name if row[0].unit_id else ""),
            (_("Report status"), lambda row: str(row[0].get_status_display())),
            (_("Action"), lambda row: row[1].action.title if row[1].action_id else ""),
            (_("Status before"), lambda row: str(row[1].get_previous_status_display())),
            (_("Status"), lambda row: str(row[1].get_status_display())),
            (_("Progress (%)"), lambda row: row[1].progress),
            (_("Indicator"), lambda row: str(row[1].indicator.name) if row[1].indicator_id else ""),
            (_("Value"), lambda row: row[1].value),
            (_("Comment"), lambda row: row[1].comment),
        ],
        fmt=fmt,
        filename=f"kraftsamla-uppfoljning-{round_.organisation.slug}-{round_.year}",
        sheet=str(round_.year),
        notes=[round_.name, _("Only the reports you may see.")],
        demo=round_.is_demo,
    )


@checks(ROUND_VIEW, ROUND_MANAGE)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: every unit's report with its status, and the roll-up across members."""
    round_ = selectors.round_get(request, pk)
    fmt = export_format(request)
    if fmt:
        return _round_export(round_, selectors.round_rows(request, round_), fmt)
    reports = selectors.round_reports(request, round_)
    return render(
        request,
        "followup/round.html",
        {
            "round": round_,
            "reports": reports,
            "rollup": selectors.round_rollup(reports),
            "statuses": ProgressStatus.choices,
            "can_manage": access.allows(request, ROUND_MANAGE, round_),
        },
    )


def _round_step(request: HttpRequest, pk: int, service, message: str) -> HttpResponse:
    round_ = selectors.round_get(request, pk)
    access.require(request, ROUND_MANAGE, round_)
    try:
        service(actor=request.user, round_=round_)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, message)
    return redirect("followup:round", pk=round_.pk)


@login_required
@require_POST
@checks(ROUND_MANAGE)
def round_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the reminder now to the units that have not submitted."""
    return _round_step(request, pk, services.round_remind, _("The reminders are on their way."))


@login_required
@require_POST
@checks(ROUND_MANAGE)
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the round for reports."""
    return _round_step(request, pk, services.round_close, _("The round is closed."))


@login_required
@require_POST
@checks(ROUND_MANAGE)
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the round once every report is approved."""
    return _round_step(
        request, pk, services.round_publish, _("The round is published in the annual reports.")
    )


def _report_response(request, report, form=None, review_form=None) -> HttpResponse:
    entries = selectors.report_entries(report)
    can_submit = (
        access.allows(request, REPORT_SUBMIT, report)
        and report.round.accepts_reports
        and report.status in (ReportStatus.TO_REPORT, ReportStatus.RETURNED)
    )
    if can_submit and form is None:
        form = ReportForm(entries=entries)
    can_review = (
        access.allows(request, REPORT_REVIEW, report) and report.status == ReportStatus.SUBMITTED
    )
    if can_review and review_form is None:
        review_form = ReviewForm()
    return render(
        request,
        "followup/report.html",
        {
            "report": report,
            "round": report.round,
            "entries": entries,
            "form": form,
            "review_form": review_form if can_review or review_form else None,
        },
        status=form_status(*(f for f in (form, review_form) if f)),
    )


@checks(REPORT_VIEW, REPORT_SUBMIT, REPORT_REVIEW)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's task list in a round; its people submit it here (until the round closes)."""
    report = selectors.report_get(request, pk)
    if request.method != "POST":
        return _report_response(request, report)
    access.require(request, REPORT_SUBMIT, report)
    form = ReportForm(request.POST, entries=selectors.report_entries(report))
    response = submit_form(
        request,
        form,
        lambda data: services.report_submit(
            actor=request.user, report=report, entries=form.entry_data()
        ),
        redirect_to=reverse("followup:report", kwargs={"pk": report.pk}),
        message=_("The report was submitted for review."),
    )
    return response or _report_response(request, report, form=form)


@login_required
@require_POST
@checks(REPORT_REVIEW)
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve a submitted report or send it back with a comment."""
    report = selectors.report_get(request, pk)
    access.require(request, REPORT_REVIEW, report)
    form = ReviewForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.report_review(
            actor=request.user,
            report=report,
            approve=data["decision"] == "approve",
            comment=data["comment"],
        ),
        redirect_to=reverse("followup:round", kwargs={"pk": report.round_id}),
        message=lambda r: (
            _("The report was approved.")
            if r.status == ReportStatus.APPROVED
            else _("The report was sent back.")
        ),
    )
    return response or _report_response(request, report, review_form=form)


# --- Long imports in the background ------------------------------------------------------------


def _job_json(job) -> dict:
    return {
        "status": job.status,
        "stage": str(job.get_status_display()),
        "progress": job.progress,
        "finished": job.finished,
        "message": job.message,
        "url": reverse("followup:import-batch", kwargs={"pk": job.batch_id})
        if job.batch_id
        else None,
    }


@login_required
@checks("followup.import.view")
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A long import the worker runs: its progress, refreshed by a little script (or by
    the refresh link without JavaScript); when done, the link to what it wrote."""
    job = selectors.import_job_get(request, pk)
    if request.GET.get("format") == "json":
        return JsonResponse(_job_json(job), headers={"Cache-Control": "no-store"})
    return render(request, "followup/import_job.html", {"job": job})


# --- Changing and removing commitments and actions -----------------------------------------


@login_required
@checks("followup.commitment.edit")
def commitment_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a commitment: who adopted it, its period, who is responsible, its indicators."""
    org = selectors.organisation_get(slug)
    commitment = selectors.commitment_get(request, org, pk)
    access.require(request, "followup.commitment.edit", commitment)
    form = CommitmentForm(
        request.POST or None,
        units=ResponsibleUnit.objects.filter(organisation=org),
        indicators=IndicatorDefinition.objects.all(),
        promise=commitment.kind == CommitmentKind.CLIMATE_PROMISE,
        initial=CommitmentForm.initial_of(commitment),
    )
    url = reverse("followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk})
    return _form_page(
        request,
        form,
        lambda data: services.commitment_update(
            actor=request.user,
            commitment=commitment,
            data=data,
            indicators=list(data.pop("indicators")),
        ),
        redirect_to=url,
        message=_("The commitment was saved."),
        template="followup/commitment_form.html",
        context={"org": org, "commitment": commitment},
    )


def _delete_page(request, *, obj, org, service, back: str, done: str, message: str):
    """Ask before removing; remove on POST, or show why it cannot be removed."""
    error = None
    if request.method == "POST":
        try:
            service(actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, message)
            return redirect(done)
    return render(
        request,
        "followup/delete.html",
        {"obj": obj, "org": org, "back": back, "error": error},
        status=400 if error else 200,
    )


@login_required
@checks("followup.commitment.edit")
def commitment_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remove a commitment and its actions (not one a follow-up round reported on)."""
    org = selectors.organisation_get(slug)
    commitment = selectors.commitment_get(request, org, pk)
    access.require(request, "followup.commitment.edit", commitment)
    return _delete_page(
        request,
        obj=commitment,
        org=org,
        service=lambda actor: services.commitment_delete(actor=actor, commitment=commitment),
        back=reverse("followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk}),
        done=reverse("followup:commitments", kwargs={"slug": org.slug}),
        message=_("The commitment was removed."),
    )


@login_required
@checks("followup.action.view", "followup.commitment.edit")
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an action's title, place, unit, dates, cost, funding, weight and projects."""
    action = selectors.action_get(request, pk)
    commitment = action.commitment
    access.require(request, "followup.commitment.edit", commitment)
    org = commitment.organisation
    form = ActionForm(
        request.POST or None,
        actions=commitment.actions.exclude(pk=action.pk),
        units=ResponsibleUnit.objects.filter(organisation=org),
        projects=project_selectors.projects_of_organisation(request, org),
        initial=ActionForm.initial_of(action),
    )
    url = reverse("followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk})
    return _form_page(
        request,
        form,
        lambda data: services.action_update(
            actor=request.user,
            action=action,
            data=data,
            projects=list(data.pop("projects")),
        ),
        redirect_to=f"{url}#action-{action.pk}",
        message=_("The action was saved."),
        template="followup/action_form.html",
        context={"org": org, "commitment": commitment, "action": action},
    )


@login_required
@checks("followup.action.view", "followup.commitment.edit")
def action_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove an action and its sub-actions (not one a follow-up round reported on)."""
    action = selectors.action_get(request, pk)
    commitment = action.commitment
    access.require(request, "followup.commitment.edit", commitment)
    org = commitment.organisation
    url = reverse("followup:commitment", kwargs={"slug": org.slug, "pk": commitment.pk})
    return _delete_page(
        request,
        obj=action,
        org=org,
        service=lambda actor: services.action_delete(actor=actor, action=action),
        back=url,
        done=url,
        message=_("The action was removed."),
    )
