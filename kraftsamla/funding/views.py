"""Pages of funding calls: the list, a call with its rules, the forms, the JSON document,
sending a call to members and "where the money is" for a body; and the joint application
workspace with its check panel, parties, work packages, budgets and attachments, the
budget as XLSX and the printable application.

Each view parses its input with a form, calls one service and answers with a redirect,
or the page again with the form's errors (status 400).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.funding import rules as engine
from kraftsamla.funding import selectors, services, transfer
from kraftsamla.funding.exports import budget_workbook
from kraftsamla.funding.forms import (
    ApplicationAttachmentForm,
    ApplicationCreateForm,
    ApplicationEditForm,
    ApplicationForm,
    BudgetLineForm,
    CallCreateForm,
    CallFilterForm,
    CallForm,
    CallImportForm,
    PartyForm,
    RespondForm,
    SendForm,
    StatusForm,
    WorkPackageForm,
)
from kraftsamla.funding.models import (
    Application,
    ApplicationAttachment,
    BudgetLine,
    Call,
    CallStatus,
    Invitation,
    Party,
    WorkPackage,
)
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.projects.selectors import projects_visible

VIEW = "funding.call.view"
PUBLISH = "funding.body.publish"
SEND = "funding.body.send"


def _kinds() -> list[dict[str, Any]]:
    """The rule kinds with their parameters, for the forms' help."""
    return [
        {
            "key": key,
            "label": kind.label,
            "parameters": [
                {
                    "name": name,
                    "required": spec_field.required,
                    "help": spec_field.help,
                    "schema": json.dumps(spec_field.spec.describe(), ensure_ascii=False),
                }
                for name, spec_field in kind.schema.fields.items()
            ],
        }
        for key, kind in engine.KINDS.items()
    ]


# --- The list ------------------------------------------------------------------------------


def _number(value: Decimal | None) -> Decimal | int | None:
    """Whole numbers as integers, so a download shows 3000000 rather than 3000000,00."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def _calls_export(calls: list[Call], fmt: str) -> HttpResponse:
    return export_table(
        items=calls,
        columns=[
            (_("Title"), lambda call: str(call.title)),
            (_("Funder"), lambda call: call.funder),
            (_("Programme"), lambda call: call.programme),
            (_("Status"), lambda call: call.get_status_display()),
            (_("Opens"), lambda call: call.opens_on),
            (_("Closes"), lambda call: call.closes_on),
            (_("Maximum support (SEK)"), lambda call: _number(call.max_support)),
            (_("Maximum support share (%)"), lambda call: _number(call.max_support_share)),
            (_("Capitals"), lambda call: ", ".join(call.capital_labels())),
            (_("Emission sectors"), lambda call: ", ".join(call.sector_labels())),
            (_("Rules"), lambda call: call.rule_count),
            (_("Invented example"), lambda call: call.is_invented_example),
            (_("Link"), lambda call: call.link),
        ],
        fmt=fmt,
        filename="kraftsamla-utlysningar",
        sheet=_("Funding calls"),
        notes=[
            _("Only the calls you may see."),
            _("Calls marked as invented examples are not real calls."),
        ],
        demo=any(call.is_demo for call in calls),
    )


@checks(VIEW, PUBLISH)
def index(request: HttpRequest) -> HttpResponse:
    """Open, upcoming and closed calls the visitor may see, filtered, with downloads."""
    form = CallFilterForm(request.GET or None, funders=selectors.funder_choices(request))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    calls = selectors.calls_listed(request, filters)
    fmt = export_format(request)
    if fmt and not form.errors:
        return _calls_export(calls, fmt)
    groups = selectors.calls_grouped(calls)
    can_publish = access.allows(request, PUBLISH, None) or bool(
        selectors.bodies_where(request, PUBLISH)
    )
    return render(
        request,
        "funding/index.html",
        {
            "form": form,
            "groups": [(status, CallStatus(status).label, groups[status]) for status in groups],
            "count": len(calls),
            "query": page_query(request),
            "can_publish": can_publish,
            "bodies": selectors.bodies_where(request, "funding.body.view_ranking"),
        },
        status=form_status(form),
    )


# --- One call --------------------------------------------------------------------------------


def _detail(request: HttpRequest, call: Call, send_form: SendForm | None = None) -> HttpResponse:
    page = selectors.call_page(call)
    send_bodies = selectors.bodies_where(request, SEND)
    if send_form is None and send_bodies and page.status() != CallStatus.CLOSED:
        send_form = SendForm(bodies=send_bodies, auto_id="send-%s")
    return render(
        request,
        "funding/detail.html",
        {
            "call": page,
            "rules": selectors.rules_described(page),
            "can_edit": access.allows(request, "funding.call.edit", page),
            "can_apply": page.status() != CallStatus.CLOSED
            and bool(selectors.organisations_for_applying(request)),
            "send_form": send_form,
            "notices": list(page.notices.select_related("body").order_by("-sent_at")[:5])
            if send_bodies
            else [],
        },
        status=form_status(send_form),
    )


@checks(VIEW, "funding.call.edit", SEND)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.call_get(request, pk))


@checks(VIEW)
def call_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The call and its rules as a JSON document to import elsewhere."""
    call = selectors.call_page(selectors.call_get(request, pk))
    document = transfer.call_document(call)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="kraftsamla-utlysning-{call.pk}.json"'
    return response


def _publishing_bodies(request: HttpRequest) -> tuple[list, bool]:
    """The bodies the person may publish for, and whether they may publish for the platform."""
    bodies = selectors.bodies_where(request, PUBLISH)
    platform = access.allows(request, PUBLISH, None)
    if not bodies and not platform:
        raise PermissionDenied
    return bodies, platform


def _form_page(request, form, call: Call | None, status_form=None) -> HttpResponse:
    return render(
        request,
        "funding/form.html",
        {"form": form, "call": call, "kinds": _kinds()},
        status=form_status(status_form or form),
    )


@checks(PUBLISH)
@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    bodies, platform = _publishing_bodies(request)
    form = CallCreateForm(request.POST or None, bodies=bodies, platform=platform)

    def save(data: dict[str, Any]) -> Call:
        data = dict(data)
        owner, rules = data.pop("owner"), data.pop("rules")
        return services.call_create(actor=request.user, owner=owner, data=data, rules=rules)

    if request.method == "POST":
        response = submit_form(
            request,
            form,
            save,
            redirect_to=lambda call: call.get_absolute_url(),
            message=_("The call was saved."),
        )
        if response is not None:
            return response
    return _form_page(request, form, None)


def _initial(call: Call) -> dict[str, Any]:
    initial = {name: getattr(call, name) for name in services.CALL_FIELDS}
    initial["rules"] = [
        {
            "kind": rule.kind,
            "parameters": rule.parameters,
            "source": rule.source,
            "interpretation": rule.interpretation,
        }
        for rule in call.rules.all()
    ]
    return initial


@checks("funding.call.edit")
@login_required
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_page(selectors.call_get(request, pk))
    access.require(request, "funding.call.edit", call)
    form = CallForm(request.POST or None, initial=_initial(call))

    def save(data: dict[str, Any]) -> Call:
        data = dict(data)
        rules = data.pop("rules")
        return services.call_update(actor=request.user, call=call, data=data, rules=rules)

    if request.method == "POST":
        response = submit_form(
            request,
            form,
            save,
            redirect_to=lambda saved: saved.get_absolute_url(),
            message=_("The call was saved."),
        )
        if response is not None:
            return response
    return _form_page(request, form, call)


@checks(PUBLISH)
@login_required
def call_import(request: HttpRequest) -> HttpResponse:
    """Upload a call's JSON document; every problem is listed with its path."""
    bodies, platform = _publishing_bodies(request)
    form = CallImportForm(
        request.POST or None, request.FILES or None, bodies=bodies, platform=platform
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.call_import(
                actor=request.user,
                owner=data["owner"],
                document=data["document"],
                sharing_level=data["sharing_level"],
            ),
            redirect_to=lambda call: call.get_absolute_url(),
            message=_("The call was imported. Check its facts and rules."),
        )
        if response is not None:
            return response
    return render(
        request,
        "funding/import.html",
        {"form": form, "kinds": _kinds()},
        status=form_status(form),
    )


@checks(SEND)
@login_required
@require_POST
def call_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the call to a body's members with a note (start page and e-mail)."""
    call = selectors.call_get(request, pk)
    bodies = selectors.bodies_where(request, SEND)
    if not bodies:
        raise PermissionDenied
    form = SendForm(request.POST, bodies=bodies, auto_id="send-%s")
    response = submit_form(
        request,
        form,
        lambda data: services.call_send(
            actor=request.user, call=call, body=data["body"], note=data["note"]
        ),
        redirect_to=lambda notice: notice.call.get_absolute_url(),
        message=lambda notice: (
            _("The call was sent to the %(count)s members of %(body)s.")
            % {"count": notice.member_count, "body": notice.body.display_name}
        ),
    )
    if response is not None:
        return response
    return _detail(request, call, send_form=form)


# --- Where the money is ----------------------------------------------------------------------


@checks("funding.body.view_ranking", SEND)
@login_required
def body_ranking(request: HttpRequest, slug: str) -> HttpResponse:
    """Open and upcoming calls ranked for the body's members' ideas, needs and kinds."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "funding.body.view_ranking", body)
    ranked = selectors.calls_ranked_for_body(request, body)
    return render(
        request,
        "funding/ranking.html",
        {
            "body": body,
            "ranked": ranked,
            "points": selectors.RANKING,
            "can_send": access.allows(request, SEND, body),
        },
    )


# --- Joint applications ----------------------------------------------------------------------

APP_VIEW = "funding.application.view"
APP_EDIT = "funding.application.edit"
APP_ALL = "funding.application.view_all"
PARTY_VIEW = "funding.party.view"
PARTY_EDIT = "funding.party.edit"


@checks(APP_VIEW, "funding.applicant.apply")
@login_required
def applications(request: HttpRequest) -> HttpResponse:
    """The joint applications the person may see."""
    items = list(selectors.applications_visible(request).order_by("-created_at", "-id"))
    return render(
        request,
        "funding/applications.html",
        {
            "applications": items,
            "can_apply": bool(selectors.organisations_for_applying(request)),
        },
    )


@checks("funding.applicant.apply")
@login_required
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a joint application for a call, as one of the person's organisations."""
    call = selectors.call_get(request, pk)
    organisations = selectors.organisations_for_applying(request)
    if not organisations:
        raise PermissionDenied
    form = ApplicationCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.application_create(
                actor=request.user,
                call=call,
                coordinator=data.pop("coordinator"),
                data=data,
            ),
            redirect_to=lambda application: application.get_absolute_url(),
            message=_("The application was started. Add the parties next."),
        )
        if response is not None:
            return response
    return render(
        request,
        "funding/application_form.html",
        {"form": form, "call": call},
        status=form_status(form),
    )


def _workspace_context(request: HttpRequest, application: Application) -> dict[str, Any]:
    page = selectors.application_page(application)
    visible = selectors.parties_visible(request, page)
    can_edit = access.allows(request, APP_EDIT, page)
    can_all = access.allows(request, APP_ALL, page)
    outcomes = selectors.application_evaluate(page) if can_all else []
    editable_parties = {
        party.pk
        for party in visible
        if page.is_editable and access.allows(request, PARTY_EDIT, party)
    }
    person = access.access_of(request)
    answerable = [
        party
        for party in page.parties.all()
        if party.invitation == Invitation.INVITED
        and page.is_editable
        and person.role_in(party.organisation_id) is not None
        and access.allows(request, "funding.party.respond", party)
    ]
    return {
        "application": page,
        "parties": list(page.parties.all()),
        "visible_parties": visible,
        "editable_parties": editable_parties,
        "budget": selectors.budget_summary(page, visible),
        "can_edit": can_edit and page.is_editable,
        "can_record": can_edit,
        "can_all": can_all,
        "outcomes": outcomes,
        "counts": engine.outcome_counts(outcomes),
        "all_passed": bool(outcomes) and all(outcome.passed for outcome in outcomes),
        "answerable": answerable,
        "work_packages": list(page.work_packages.all()),
    }


def _workspace(request, application, *, status=200, **forms_) -> HttpResponse:
    context = _workspace_context(request, application)
    page = context["application"]
    if context["can_edit"]:
        forms_.setdefault("party_form", PartyForm(auto_id="party-%s"))
        editing = next(
            (
                package
                for package in context["work_packages"]
                if str(package.pk) == request.GET.get("arbetspaket")
            ),
            None,
        )
        forms_.setdefault("package_editing", editing)
        forms_.setdefault(
            "package_form",
            WorkPackageForm(
                initial=_package_initial(editing) if editing else {},
                parties=page.parties.exclude(invitation=Invitation.DECLINED),
                auto_id="wp-%s",
            ),
        )
        forms_.setdefault(
            "edit_form",
            ApplicationEditForm(
                initial={
                    "title": page.title,
                    "summary": page.summary,
                    "project_start": page.project_start,
                    "project_end": page.project_end,
                    "coordinator": page.coordinator_id,
                    "projects": [project.pk for project in page.projects.all()],
                },
                **_edit_choices(request, page),
                auto_id="app-%s",
            ),
        )
    forms_.setdefault("status_form", None)
    return render(request, "funding/application.html", {**context, **forms_}, status=status)


def _package_initial(package: WorkPackage) -> dict[str, Any]:
    initial = {name: getattr(package, name) for name in services.WORK_PACKAGE_FIELDS}
    initial["lead"] = package.lead_id
    return {**initial, "package": package.pk, "parties": [p.pk for p in package.parties.all()]}


def _edit_choices(request, application: Application) -> dict[str, Any]:
    accepted = [
        party.organisation
        for party in application.parties.all()
        if party.invitation == Invitation.ACCEPTED
    ]
    owners = [party.organisation_id for party in application.parties.all()]
    return {
        "organisations": accepted,
        "projects": projects_visible(request).filter(owner_id__in=owners).order_by("title"),
    }


@checks(APP_VIEW, APP_EDIT, APP_ALL, PARTY_VIEW)
@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The workspace: facts, parties, work packages, budgets, attachments and the check panel."""
    return _workspace(request, selectors.application_get(request, pk))


@checks(APP_EDIT)
@login_required
@require_POST
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(request, pk)
    access.require(request, APP_EDIT, application)
    page = selectors.application_page(application)
    form = ApplicationEditForm(request.POST, **_edit_choices(request, page), auto_id="app-%s")
    response = submit_form(
        request,
        form,
        lambda data: services.application_update(
            actor=request.user,
            application=application,
            coordinator=data.pop("coordinator"),
            projects=list(data.pop("projects")),
            data=data,
        ),
        redirect_to=lambda saved: saved.get_absolute_url(),
        message=_("The application was saved."),
    )
    return response or _workspace(request, application, status=400, edit_form=form)


@checks(APP_EDIT)
@login_required
@require_POST
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(request, pk)
    access.require(request, APP_EDIT, application)
    form = PartyForm(request.POST, auto_id="party-%s")
    response = submit_form(
        request,
        form,
        lambda data: services.party_add(
            actor=request.user,
            application=application,
            organisation=data["organisation"],
            role=data["role"],
            email=data["email"],
        ),
        redirect_to=lambda party: f"{application.get_absolute_url()}#parties",
        message=lambda party: (
            _("%(name)s was invited.") % {"name": party.organisation.display_name}
        ),
    )
    return response or _workspace(request, application, status=400, party_form=form)


@checks(APP_EDIT)
@login_required
@require_POST
def party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """Remove a party with its budget and attachments (not the coordinator)."""
    application = selectors.application_get(request, pk)
    access.require(request, APP_EDIT, application)
    party = get_object_or_404(
        Party.objects.select_related("organisation"), pk=party_pk, application=application
    )
    name = party.organisation.display_name
    try:
        services.party_remove(actor=request.user, party=party)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is no longer a party.") % {"name": name})
    return redirect(f"{application.get_absolute_url()}#parties")


@checks("funding.party.respond")
@login_required
@require_POST
def party_respond(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    application = selectors.application_get(request, pk)
    party = get_object_or_404(Party, pk=party_pk, application=application)
    access.require(request, "funding.party.respond", party)
    form = RespondForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.party_respond(
            actor=request.user, party=party, accept=data["answer"] == "accept"
        ),
        redirect_to=lambda saved: (
            saved.application.get_absolute_url()
            if saved.invitation == Invitation.ACCEPTED
            else reverse("funding:applications")
        ),
        message=lambda saved: (
            _("You accepted the invitation.")
            if saved.invitation == Invitation.ACCEPTED
            else _("You declined the invitation.")
        ),
    )
    return response or _workspace(request, application, status=400)


@checks(APP_EDIT)
@login_required
@require_POST
def work_package_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(request, pk)
    access.require(request, APP_EDIT, application)
    form = WorkPackageForm(
        request.POST,
        parties=application.parties.exclude(invitation=Invitation.DECLINED),
        auto_id="wp-%s",
    )

    def save(data):
        parties = list(data.pop("parties"))
        package_pk = data.pop("package")
        package = (
            get_object_or_404(WorkPackage, pk=package_pk, application=application)
            if package_pk
            else None
        )
        return services.work_package_save(
            actor=request.user,
            application=application,
            data=data,
            parties=parties,
            work_package=package,
        )

    response = submit_form(
        request,
        form,
        save,
        redirect_to=lambda package: f"{application.get_absolute_url()}#work-packages",
        message=_("The work package was saved."),
    )
    return response or _workspace(request, application, status=400, package_form=form)


@checks(APP_EDIT)
@login_required
@require_POST
def application_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark ready (only when every rule passes), back to draft, submitted, or the decision."""
    application = selectors.application_get(request, pk)
    access.require(request, APP_EDIT, application)
    form = StatusForm(request.POST)

    def save(data):
        action, actor = data["action"], request.user
        if action == "ready":
            return services.application_mark_ready(actor=actor, application=application)
        if action == "reopen":
            return services.application_reopen(actor=actor, application=application)
        if action == "submit":
            return services.application_submit(actor=actor, application=application)
        return services.application_decide(
            actor=actor,
            application=application,
            granted=action == "granted",
            decision=data["decision"],
        )

    response = submit_form(
        request,
        form,
        save,
        redirect_to=lambda saved: saved.get_absolute_url(),
        message=lambda saved: (
            _("The application is now: %(status)s.") % {"status": saved.get_status_display()}
        ),
    )
    return response or _workspace(request, application, status=400, status_form=form)


def _check_panel_draft(request: HttpRequest, page: Application) -> selectors.Draft | None:
    """Read unsaved edits sent by the page's script: a budget line or the project dates."""
    draft = selectors.Draft()
    if "project_start" in request.POST or "project_end" in request.POST:
        dates = ApplicationForm(
            {"title": "-", **{k: request.POST.get(k, "") for k in ("project_start", "project_end")}}
        )
        if dates.is_valid():
            draft = selectors.Draft(
                dates=(dates.cleaned_data["project_start"], dates.cleaned_data["project_end"])
            )
    party_pk = request.POST.get("party")
    party = next((p for p in page.parties.all() if str(p.pk) == party_pk), None)
    if party is not None and access.allows(request, PARTY_EDIT, party):
        line = BudgetLineForm(request.POST)
        if line.is_valid():
            data = line.cleaned_data
            draft = selectors.Draft(
                party_id=party.pk,
                line_id=data["line"],
                line=selectors.LineValues(
                    activity=data["activity"],
                    support=data["support"],
                    cofunding_money=data["cofunding_money"],
                    cofunding_time=(data["hours"] * data["hourly_rate"]).quantize(Decimal("0.01")),
                ),
                dates=draft.dates,
            )
    return draft


@checks(APP_ALL)
@login_required
def check_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The check panel alone: GET for the saved application, POST to check unsaved edits
    (nothing is saved). The workspace's script replaces its panel with this."""
    application = selectors.application_get(request, pk)
    access.require(request, APP_ALL, application)
    page = selectors.application_page(application)
    draft = _check_panel_draft(request, page) if request.method == "POST" else None
    outcomes = selectors.application_evaluate(page, draft=draft)
    return render(
        request,
        "funding/_check_panel.html",
        {
            "application": page,
            "outcomes": outcomes,
            "counts": engine.outcome_counts(outcomes),
            "all_passed": bool(outcomes) and all(outcome.passed for outcome in outcomes),
            "unsaved": bool(draft and (draft.line or draft.dates)),
        },
    )


def _party_get(request: HttpRequest, pk: int, party_pk: int) -> tuple[Application, Party]:
    application = selectors.application_get(request, pk)
    party = get_object_or_404(
        Party.objects.select_related("organisation", "application"),
        pk=party_pk,
        application=application,
    )
    # A party's budget is as private as a hidden object: 404 for the other parties.
    if not access.allows(request, PARTY_VIEW, party):
        raise Http404
    return application, party


def _party_page(request, application, party, *, status=200, line_form=None, file_form=None):
    page = selectors.application_page(application)
    party = next(p for p in page.parties.all() if p.pk == party.pk)
    can_edit = page.is_editable and access.allows(request, PARTY_EDIT, party)
    editing = None
    if can_edit and line_form is None:
        line_pk = request.GET.get("rad")
        editing = next((row for row in party.budget_lines.all() if str(row.pk) == line_pk), None)
        initial = {"line": editing.pk} if editing else {}
        if editing:
            initial.update({name: getattr(editing, name) for name in services.LINE_FIELDS})
        line_form = BudgetLineForm(initial=initial, auto_id="line-%s")
    if can_edit and file_form is None:
        file_form = ApplicationAttachmentForm(auto_id="file-%s")
    can_all = access.allows(request, APP_ALL, page)
    outcomes = selectors.application_evaluate(page) if can_all else []
    return render(
        request,
        "funding/party.html",
        {
            "application": page,
            "party": party,
            "budget": selectors.budget_summary(page, [party]),
            "can_edit": can_edit,
            "line_form": line_form if can_edit else None,
            "file_form": file_form if can_edit else None,
            "editing": editing,
            "can_all": can_all,
            "outcomes": outcomes,
            "counts": engine.outcome_counts(outcomes),
            "all_passed": bool(outcomes) and all(outcome.passed for outcome in outcomes),
        },
        status=status,
    )


@checks(PARTY_VIEW, PARTY_EDIT)
@login_required
def party_detail(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    """A party's budget lines and attachments; POST adds or changes a line."""
    application, party = _party_get(request, pk, party_pk)
    if request.method != "POST":
        return _party_page(request, application, party)
    access.require(request, PARTY_EDIT, party)
    form = BudgetLineForm(request.POST, auto_id="line-%s")

    def save(data):
        line = None
        if data.pop("line"):
            line = get_object_or_404(BudgetLine, pk=form.cleaned_data["line"], party=party)
        return services.budget_line_save(actor=request.user, party=party, data=data, line=line)

    response = submit_form(
        request,
        form,
        save,
        redirect_to=lambda line: reverse("funding:party", args=[application.pk, party.pk]),
        message=_("The budget line was saved."),
    )
    return response or _party_page(request, application, party, status=400, line_form=form)


@checks(PARTY_EDIT)
@login_required
@require_POST
def budget_line_delete(request: HttpRequest, pk: int, party_pk: int, line_pk: int) -> HttpResponse:
    application, party = _party_get(request, pk, party_pk)
    access.require(request, PARTY_EDIT, party)
    line = get_object_or_404(BudgetLine, pk=line_pk, party=party)
    try:
        services.budget_line_delete(actor=request.user, line=line)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The budget line was deleted."))
    return redirect("funding:party", pk=application.pk, party_pk=party.pk)


@checks(PARTY_EDIT)
@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    application, party = _party_get(request, pk, party_pk)
    access.require(request, PARTY_EDIT, party)
    form = ApplicationAttachmentForm(request.POST, request.FILES, auto_id="file-%s")
    response = submit_form(
        request,
        form,
        lambda data: services.application_attachment_add(
            actor=request.user,
            party=party,
            file=data["file"],
            type=data["type"],
            signed_by=data["signed_by"],
            signer_role=data["signer_role"],
        ),
        redirect_to=lambda attachment: reverse("funding:party", args=[application.pk, party.pk]),
        message=_("The file was attached."),
    )
    return response or _party_page(request, application, party, status=400, file_form=form)


@checks(PARTY_VIEW)
@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    application = selectors.application_get(request, pk)
    attachment = get_object_or_404(
        ApplicationAttachment.objects.select_related("party__application"),
        pk=attachment_pk,
        party__application=application,
    )
    if not access.allows(request, PARTY_VIEW, attachment.party):
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@checks(PARTY_EDIT)
@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    application = selectors.application_get(request, pk)
    attachment = get_object_or_404(
        ApplicationAttachment.objects.select_related("party__application"),
        pk=attachment_pk,
        party__application=application,
    )
    if not access.allows(request, PARTY_VIEW, attachment.party):
        raise Http404
    party = attachment.party
    try:
        services.application_attachment_delete(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The attachment was deleted."))
    return redirect("funding:party", pk=application.pk, party_pk=party.pk)


@checks(APP_VIEW, PARTY_VIEW)
@login_required
def application_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The budget as XLSX: one sheet per party the person may see, and a summary sheet
    whose totals are formulas over those sheets."""
    application = selectors.application_get(request, pk)
    page = selectors.application_page(application)
    visible = selectors.parties_visible(request, page)
    content = budget_workbook(page, selectors.budget_summary(page, visible))
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="kraftsamla-ansokan-{application.pk}-budget.xlsx"'
    )
    return response


@checks(APP_VIEW, PARTY_VIEW, APP_ALL)
@login_required
def application_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole application (as far as the person may see it) on A4 pages."""
    context = _workspace_context(request, selectors.application_get(request, pk))
    return render(request, "funding/application_print.html", context)
