"""Pages of the project bank: an organisation's projects, a body's list, a project, its forms,
its checklist, and the public project template.

Each view parses its input with a form, calls one service and answers with a
redirect, or the page again with the form's errors (status 400). Every lifecycle
action has its own URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kraftsamla.accounts import selectors as account_selectors
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC, checks
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.projects import selectors, services
from kraftsamla.projects.forms import (
    ChecklistForms,
    CompleteForm,
    PrepareForm,
    ProjectFilterForm,
    ProjectForm,
    ReasonForm,
    ReplicateForm,
    StartForm,
    funding_sources_text,
)
from kraftsamla.projects.models import Project, TemplatePhase

VIEW = "projects.project.view"
DECISIONS = ("projects.project.prioritise", "projects.project.park", "projects.project.decline")
PLAN = "projects.project.plan"
VIEW_CHECKLIST = "projects.project.view_checklist"
# The button (and heading) of each lifecycle action on the project page.
ACTION_LABELS = {
    "prepare": gettext_lazy("Take into preparation"),
    "prioritise": gettext_lazy("Prioritise"),
    "park": gettext_lazy("Park"),
    "decline": gettext_lazy("Decline"),
    "start": gettext_lazy("Start the project"),
    "complete": gettext_lazy("Complete the project"),
}


def _auto_id(action: str) -> str:
    """Field ids per action, so the page's several forms never share an id."""
    return f"{action}-%s"


# --- Lists -------------------------------------------------------------------------------

INDEX_LIMIT = 50


@checks(VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """The newest ideas and projects the visitor may see, and their own organisations' lists."""
    projects = list(
        selectors.projects_visible(request).order_by("-created_at", "-id")[:INDEX_LIMIT]
    )
    return render(
        request,
        "projects/index.html",
        {
            "projects": projects,
            "limit": INDEX_LIMIT,
            "organisations": account_selectors.organisations_of(request.user),
        },
    )


@checks(VIEW, "projects.organisation.create")
def organisation_projects(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's own ideas and projects and those it takes part in."""
    organisation = get_object_or_404(Organisation, slug=slug)
    projects = list(selectors.projects_of_organisation(request, organisation))
    return render(
        request,
        "projects/organisation.html",
        {
            "organisation": organisation,
            "owned": [project for project in projects if project.owner_id == organisation.pk],
            "taking_part": [project for project in projects if project.owner_id != organisation.pk],
            "can_create": access.allows(request, "projects.organisation.create", organisation),
        },
    )


def _projects_export(body: Organisation, projects: list[Project], fmt: str) -> HttpResponse:
    return export_table(
        items=projects,
        columns=[
            (_("Title"), lambda project: project.title),
            (_("Owner"), lambda project: project.owner.name),
            (_("Status"), lambda project: project.get_status_display()),
            (_("Capitals"), lambda project: ", ".join(project.capital_labels())),
            (_("Collaboration form"), lambda project: project.get_collaboration_form_display()),
            (_("Emission sectors"), lambda project: ", ".join(project.sector_labels())),
            (_("Starts"), lambda project: project.start_date),
            (_("Ends"), lambda project: project.end_date),
            (_("Budget (SEK)"), lambda project: project.budget),
            (_("Sharing"), lambda project: project.get_sharing_level_display()),
        ],
        fmt=fmt,
        filename=f"kraftsamla-projekt-{body.slug}",
        sheet=_("Projects"),
        source=body.name,
        notes=[_("Only the projects that the members share with the body or publicly.")],
        demo=any(project.is_demo for project in projects),
    )


@checks("projects.portfolio.view")
@login_required
def body_projects(request: HttpRequest, slug: str) -> HttpResponse:
    """A body's members' ideas and projects that it may see, filtered, with downloads."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "projects.portfolio.view", body)
    members = organisation_selectors.body_members(body)
    form = ProjectFilterForm(request.GET or None, members=members)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    projects = list(selectors.projects_of_body(request, body, filters))
    fmt = export_format(request)
    if fmt and not form.errors:
        return _projects_export(body, projects, fmt)
    return render(
        request,
        "projects/body.html",
        {"body": body, "form": form, "projects": projects, "query": page_query(request)},
        status=form_status(form),
    )


# --- One project -------------------------------------------------------------------------


def _action_forms(request: HttpRequest, project: Project) -> dict[str, forms.Form]:
    """The lifecycle forms the viewer may use on the project in its current status."""
    allowed = services.transitions_from(project.status)
    found: dict[str, forms.Form] = {}
    for action in allowed:
        if not access.allows(request, f"projects.project.{action}", project):
            continue
        auto_id = _auto_id(action)
        if action == "prepare":
            found[action] = PrepareForm(
                members=selectors.preparation_candidates(project), auto_id=auto_id
            )
        elif action == "complete":
            found[action] = CompleteForm(auto_id=auto_id)
        elif action == "start":
            found[action] = StartForm(auto_id=auto_id)
        else:
            found[action] = ReasonForm(auto_id=auto_id)
    return found


def _replicate_form(request: HttpRequest, project: Project) -> ReplicateForm | None:
    if project.status not in services.REPLICABLE or not access.allows(
        request, "projects.project.replicate", project
    ):
        return None
    organisations = [
        organisation
        for organisation in Organisation.objects.filter(
            pk__in=access.access_of(request).organisation_ids()
        )
        if organisation.pk != project.owner_id
        and access.allows(request, "projects.organisation.create", organisation)
    ]
    if not organisations:
        return None
    return ReplicateForm(organisations=organisations, auto_id=_auto_id("replicate"))


def _detail(
    request: HttpRequest, project: Project, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    page = selectors.project_page(project)
    action_forms = {**_action_forms(request, page), **(bound or {})}
    replicate_form = action_forms.pop("replicate", None) or _replicate_form(request, page)
    similar = selectors.projects_similar(
        request, page.similarity_text(), owner=page.owner, exclude=(page.pk,)
    )
    can_view_checklist = access.allows(request, VIEW_CHECKLIST, page)
    return render(
        request,
        "projects/detail.html",
        {
            "project": page,
            "can_edit": access.allows(request, "projects.project.edit", page),
            "action_forms": action_forms,
            "action_labels": ACTION_LABELS,
            "replicate_form": replicate_form,
            "replications": selectors.replications_visible(request, page),
            "origin_visible": page.origin is not None and access.allows(request, VIEW, page.origin),
            "funding_total": sum(source.amount for source in page.funding_sources.all()),
            "similar": similar,
            "can_view_checklist": can_view_checklist,
            "can_plan": access.allows(request, PLAN, page),
            "checklist": selectors.checklist_summary(page) if can_view_checklist else None,
        },
        status=form_status(*(bound or {}).values()),
    )


@checks(VIEW, "projects.project.edit", "projects.project.prepare", *DECISIONS, PLAN, VIEW_CHECKLIST)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.project_get(request, pk))


def _initial(project: Project) -> dict[str, Any]:
    initial = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
    initial["funding_sources"] = funding_sources_text(project.funding_sources.all())
    return initial


def _split_funding(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    data = dict(data)
    return data, data.pop("funding_sources")


@checks("projects.organisation.create")
@login_required
def project_create(request: HttpRequest, slug: str) -> HttpResponse:
    owner = get_object_or_404(Organisation, slug=slug)
    access.require(request, "projects.organisation.create", owner)
    form = ProjectForm(request.POST or None)

    def save(data: dict[str, Any]) -> Project:
        values, sources = _split_funding(data)
        return services.project_create(
            actor=request.user, owner=owner, data=values, funding_sources=sources
        )

    if request.method == "POST":
        response = submit_form(
            request,
            form,
            save,
            redirect_to=lambda project: project.get_absolute_url(),
            message=_("The idea was saved. Similar ideas of other organisations are shown below."),
        )
        if response is not None:
            return response
    return render(
        request,
        "projects/form.html",
        {"owner": owner, "project": None, "form": form},
        status=form_status(form),
    )


@checks("projects.project.edit")
@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request, pk)
    access.require(request, "projects.project.edit", project)
    form = ProjectForm(request.POST or None, initial=_initial(project))

    def save(data: dict[str, Any]) -> Project:
        values, sources = _split_funding(data)
        return services.project_update(
            actor=request.user, project=project, data=values, funding_sources=sources
        )

    if request.method == "POST":
        response = submit_form(
            request,
            form,
            save,
            redirect_to=lambda saved: saved.get_absolute_url(),
            message=_("The project was saved."),
        )
        if response is not None:
            return response
    return render(
        request,
        "projects/form.html",
        {"owner": project.owner, "project": project, "form": form},
        status=form_status(form),
    )


# --- Lifecycle actions: one URL each -----------------------------------------------------


def _act(
    request: HttpRequest,
    pk: int,
    action: str,
    form_class: Callable[..., forms.Form],
    save: Callable[[Project, dict[str, Any]], Project],
    message: str,
) -> HttpResponse:
    project = selectors.project_get(request, pk)
    access.require(request, f"projects.project.{action}", project)
    form = form_class(request.POST, auto_id=_auto_id(action))
    response = submit_form(
        request,
        form,
        lambda data: save(project, data),
        redirect_to=lambda saved: saved.get_absolute_url(),
        message=message,
    )
    if response is not None:
        return response
    project.refresh_from_db()
    return _detail(request, project, bound={action: form})


@checks("projects.project.prepare")
@login_required
@require_POST
def project_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    def form_class(data, **kwargs):
        project = selectors.project_get(request, pk)
        return PrepareForm(data, members=selectors.preparation_candidates(project), **kwargs)

    return _act(
        request,
        pk,
        "prepare",
        form_class,
        lambda project, data: services.project_prepare(actor=request.user, project=project, **data),
        _("The idea is now in preparation."),
    )


def _decision_view(action: str, service: Callable[..., Project], message: str):
    @checks(f"projects.project.{action}")
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(
            request,
            pk,
            action,
            ReasonForm,
            lambda project, data: service(actor=request.user, project=project, **data),
            message,
        )

    view.__name__ = view.__qualname__ = f"project_{action}"
    return view


project_prioritise = _decision_view(
    "prioritise", services.project_prioritise, _("The idea was prioritised.")
)
project_park = _decision_view("park", services.project_park, _("The idea was parked."))
project_decline = _decision_view("decline", services.project_decline, _("The idea was declined."))


@checks("projects.project.start")
@login_required
@require_POST
def project_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "start",
        StartForm,
        lambda project, data: services.project_start(actor=request.user, project=project, **data),
        _("The project is running."),
    )


@checks("projects.project.complete")
@login_required
@require_POST
def project_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "complete",
        CompleteForm,
        lambda project, data: services.project_complete(
            actor=request.user, project=project, **data
        ),
        _("The project is completed. Thank you for sharing its results."),
    )


@checks("projects.project.replicate")
@login_required
@require_POST
def project_replicate(request: HttpRequest, pk: int) -> HttpResponse:
    origin = selectors.project_get(request, pk)
    access.require(request, "projects.project.replicate", origin)
    form = ReplicateForm(
        request.POST,
        organisations=Organisation.objects.filter(
            pk__in=access.access_of(request).organisation_ids()
        ),
        auto_id=_auto_id("replicate"),
    )
    response = submit_form(
        request,
        form,
        lambda data: services.project_replicate(
            actor=request.user, origin=origin, owner=data["owner"]
        ),
        redirect_to=lambda replica: replica.get_absolute_url(),
        message=_("A new idea replicating the project was created."),
    )
    if response is not None:
        return response
    return _detail(request, origin, bound={"replicate": form})


# --- The checklist and the template ---------------------------------------------------------


@checks(VIEW_CHECKLIST, PLAN)
@login_required
def project_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's checklist by phase; its planners change the items in one form."""
    project = selectors.project_get(request, pk)
    if not access.allows(request, VIEW_CHECKLIST, project):
        raise Http404
    can_plan = access.allows(request, PLAN, project)
    if request.method == "POST" and not can_plan:
        raise PermissionDenied
    checklist = selectors.checklist_of(project)
    item_forms = None
    if checklist is not None and can_plan:
        item_forms = ChecklistForms(
            request.POST if request.method == "POST" else None,
            items=checklist.items_in_order,
            people=selectors.checklist_people(project),
        )
        if request.method == "POST" and item_forms.is_valid():
            try:
                services.checklist_items_update(
                    actor=request.user, checklist=checklist, changes=item_forms.changes()
                )
            except services.ChecklistItemErrors as exc:
                item_forms.add_item_errors(exc.by_item)
            except ValidationError as exc:
                item_forms.add_error(exc)
            else:
                messages.success(request, _("The checklist was saved."))
                return redirect(checklist.get_absolute_url())
            # Nothing was saved: show the items as they are stored.
            checklist = selectors.checklist_of(project)
            item_forms.refresh(checklist.items_in_order)
    elif request.method == "POST":
        return redirect("projects:checklist", pk=project.pk)
    if item_forms is not None:
        phases = selectors.by_phase(item_forms, phase_of=lambda form: form.item.phase)
    else:
        phases = selectors.by_phase(checklist.items_in_order if checklist is not None else [])
    return render(
        request,
        "projects/checklist.html",
        {
            "project": project,
            "checklist": checklist,
            "phases": phases,
            "role_names": checklist.template.role_names() if checklist is not None else {},
            "item_forms": item_forms,
            "can_plan": can_plan,
            "template": selectors.template_current() if checklist is None else None,
        },
        status=form_status(item_forms),
    )


@checks(PLAN)
@login_required
@require_POST
def checklist_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the project's checklist from the current template."""
    project = selectors.project_get(request, pk)
    access.require(request, PLAN, project)
    try:
        services.project_checklist_create(actor=request.user, project=project)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The checklist was made from the template. Fill in who is responsible and when."),
        )
    return redirect("projects:checklist", pk=project.pk)


@checks(PUBLIC)
def template_detail(request: HttpRequest, version: str | None = None) -> HttpResponse:
    """The project template for municipalities with small staffs: roles, who takes part in
    what, and the steps by phase (public, printable)."""
    template = selectors.template_get(version)
    return render(
        request,
        "projects/template.html",
        {
            "template": template,
            "phases": selectors.by_phase(template.steps_in_order),
            "matrix": selectors.template_matrix(template),
            "phase_labels": [label for _key, label in TemplatePhase.choices],
            "role_names": template.role_names(),
        },
    )
