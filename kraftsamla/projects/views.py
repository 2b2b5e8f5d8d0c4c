"""Pages of the project bank: an organisation's projects, a body's list and its clusters of
similar ideas, a project, its forms and the idea form's live suggestions.

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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kraftsamla.accounts import selectors as account_selectors
from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.caching import cached_block, declare
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.projects import selectors, services
from kraftsamla.projects.forms import (
    SIMILAR_TEXT_MAX,
    ClusterFilterForm,
    CompleteForm,
    MergeForm,
    PrepareForm,
    ProjectFilterForm,
    ProjectForm,
    ReasonForm,
    ReplicateForm,
    SimilarTextForm,
    StartForm,
    funding_sources_text,
)
from kraftsamla.projects.models import Project

VIEW = "projects.project.view"
DECISIONS = ("projects.project.prioritise", "projects.project.park", "projects.project.decline")
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


@checks("projects.portfolio.view", "projects.portfolio.cluster")
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
        {
            "body": body,
            "form": form,
            "projects": projects,
            "query": page_query(request),
            "can_cluster": access.allows(request, "projects.portfolio.cluster", body),
        },
        status=form_status(form),
    )


# --- A body's clusters of similar ideas, and merging them ----------------------------------

CLUSTER_RULES = ("projects.portfolio.cluster", "projects.project.merge")


def _merge_candidates(request: HttpRequest, cluster: selectors.Cluster) -> list[Project]:
    """The cluster's ideas that the viewer may merge (not yet running, not merged)."""
    return [
        idea.project
        for idea in cluster.ideas
        if idea.project.status in services.MERGEABLE
        and access.allows(request, "projects.project.merge", idea.project)
    ]


def _mergeable(request: HttpRequest, cluster: selectors.Cluster) -> bool:
    """Whether the cluster has ideas of two organisations that the viewer may merge."""
    return len({project.owner_id for project in _merge_candidates(request, cluster)}) > 1


def _cluster_statuses(form: ClusterFilterForm) -> tuple[str, ...] | None:
    """The statuses the filter form asks for (None: all); not yet running by default."""
    choice = form.cleaned_data.get("ideas") if form.is_bound and form.is_valid() else ""
    return None if choice == ClusterFilterForm.ALL else selectors.EARLY_STATUSES


# The rendered list of clusters: the same for everyone with the viewer's sharing scope
# (it holds no form, no name), so it is kept with the clusters' data versions.
CLUSTERS_BLOCK = declare("projects.clusters_list", depends_on=selectors.PROJECT_CLUSTERS.depends_on)


@checks(*CLUSTER_RULES)
@login_required
def body_clusters(request: HttpRequest, slug: str) -> HttpResponse:
    """Clusters of similar ideas of the body's members, from at least two organisations,
    each with a link to merge it into a joint project."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "projects.portfolio.cluster", body)
    form = ClusterFilterForm(request.GET or None)
    statuses = _cluster_statuses(form)
    query = "" if statuses is not None else f"ideas={ClusterFilterForm.ALL}"

    def build() -> str:
        found = selectors.project_clusters(request, body, statuses=statuses)
        return render_to_string(
            "projects/_clusters_list.html",
            {
                "body": body,
                "found": found,
                "mergeable": {
                    cluster.key for cluster in found.clusters if _mergeable(request, cluster)
                },
                "limit": selectors.CLUSTER_LIMIT,
                "max_ideas": selectors.CLUSTER_MAX_IDEAS,
                "query": query,
            },
        )

    clusters = cached_block(request, CLUSTERS_BLOCK, parts=(body.pk, query), build=build)
    return render(
        request,
        "projects/clusters.html",
        {"body": body, "form": form, "clusters": clusters},
        status=form_status(form),
    )


def _whole_numbers(values: list[str]) -> set[int]:
    """Ids sent by a form; anything else answers 404, as a missing idea does."""
    try:
        return {int(value) for value in values}
    except ValueError:
        raise Http404 from None


@checks(*CLUSTER_RULES)
@login_required
def cluster_merge(request: HttpRequest, slug: str, key: int) -> HttpResponse:
    """Merge a cluster's chosen ideas into one joint project: the form, and sending it."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "projects.portfolio.cluster", body)
    statuses = _cluster_statuses(ClusterFilterForm(request.GET or None))
    found = selectors.project_clusters(request, body, statuses=statuses)
    cluster = next((c for c in found.clusters if c.key == key), None)
    candidates = _merge_candidates(request, cluster) if cluster is not None else []
    if cluster is not None and len({project.owner_id for project in candidates}) < 2:
        raise Http404  # nothing the viewer could merge: the list offers no link here
    if request.method != "POST":
        if cluster is None:
            return _clusters_changed(request, body)
        # The idea closest to the others suggests the title and the lead organisation.
        central = max(
            (idea for idea in cluster.ideas if idea.project in candidates),
            key=lambda idea: (idea.score, -idea.project.pk),
        ).project
        form = MergeForm(
            projects=candidates,
            initial={
                "projects": [project.pk for project in candidates],
                "title": central.title,
                "owner": central.owner_id,
            },
        )
        return _merge_page(request, body, cluster, form)
    chosen = selectors.projects_to_merge(
        request, body, _whole_numbers(request.POST.getlist("projects"))
    )
    if chosen is None:
        raise Http404
    # The cluster's ideas stay to choose from when the form comes back with errors.
    choices = {project.pk: project for project in candidates}
    for project in chosen:
        choices.setdefault(project.pk, project)
    form = MergeForm(request.POST, projects=sorted(choices.values(), key=lambda p: p.pk))
    owners = {project.owner_id: project.owner for project in choices.values()}

    def save(data: dict[str, Any]) -> Project:
        return services.project_merge(
            actor=request.user,
            projects=[choices[pk] for pk in data["projects"]],
            title=data["title"],
            owner=owners[data["owner"]],
            summary=data["summary"],
        )

    # A form sent twice (the cluster is gone after the first) leads to the joint project.
    response = submit_form(
        request,
        form,
        save,
        redirect_to=lambda joint: joint.get_absolute_url(),
        message=_("The ideas were merged into a joint project. Each of them links to it."),
    )
    if response is not None:
        return response
    if cluster is None:
        return _clusters_changed(request, body)
    return _merge_page(request, body, cluster, form)


def _clusters_changed(request: HttpRequest, body: Organisation) -> HttpResponse:
    """Back to the list as it is now: the cluster was merged or has changed."""
    messages.info(request, _("The ideas have changed since the list was shown."))
    target = reverse("projects:clusters", args=[body.slug])
    return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)


def _merge_page(
    request: HttpRequest, body: Organisation, cluster: selectors.Cluster, form: MergeForm
) -> HttpResponse:
    return render(
        request,
        "projects/cluster_merge.html",
        {
            "body": body,
            "cluster": cluster,
            "form": form,
            "query": request.GET.urlencode(),
        },
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
            "merged_into_visible": page.merged_into is not None
            and access.allows(request, VIEW, page.merged_into),
            "merged_from": selectors.merged_from_visible(request, page),
            "funding_total": sum(source.amount for source in page.funding_sources.all()),
            "similar": similar,
        },
        status=form_status(*(bound or {}).values()),
    )


@checks(VIEW, "projects.project.edit", "projects.project.prepare", *DECISIONS)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.project_get(request, pk))


def _initial(project: Project) -> dict[str, Any]:
    initial = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
    initial["funding_sources"] = funding_sources_text(project.funding_sources.all())
    return initial


def _form_page(
    request: HttpRequest, owner: Organisation, project: Project | None, form: ProjectForm
) -> HttpResponse:
    """The idea form, with the similar ideas of other organisations for what it holds (the
    list that live suggestions update while one types)."""
    if form.is_bound:
        text = " ".join(str(form.data.get(name, "")) for name in ("title", "summary", "challenge"))
    else:
        text = project.similarity_text() if project is not None else ""
    text = text.strip()[:SIMILAR_TEXT_MAX]
    similar = None
    if text:
        exclude = (project.pk,) if project is not None else ()
        similar = selectors.projects_similar(request, text, owner=owner, exclude=exclude)
    return render(
        request,
        "projects/form.html",
        {
            "owner": owner,
            "project": project,
            "form": form,
            "similar": similar,
            "similar_max": SIMILAR_TEXT_MAX,
        },
        status=form_status(form),
    )


@checks(VIEW, "projects.organisation.create")
@login_required
def similar_suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    """The similar ideas of other organisations for a text being written: an HTML fragment
    that the idea form's script shows while one types (GET ?text=…&exclude=<project id>)."""
    owner = get_object_or_404(Organisation, slug=slug)
    access.require(request, "projects.organisation.create", owner)
    form = SimilarTextForm(request.GET)
    if not form.is_valid():
        return render(request, "projects/_similar_live.html", {"form": form}, status=400)
    exclude = form.cleaned_data.get("exclude")
    similar = selectors.projects_similar(
        request, form.cleaned_data["text"], owner=owner, exclude=(exclude,) if exclude else ()
    )
    return render(request, "projects/_similar_live.html", {"similar": similar})


def _split_funding(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    data = dict(data)
    return data, data.pop("funding_sources")


@checks("projects.organisation.create", VIEW)
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
    return _form_page(request, owner, None, form)


@checks("projects.project.edit", VIEW)
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
    return _form_page(request, project.owner, project, form)


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
