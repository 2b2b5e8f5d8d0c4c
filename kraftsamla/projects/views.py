"""Pages of the project bank: an organisation's projects, a body's list and its clusters of
similar ideas, the good examples, a project, its forms, its attachments and its checklist,
the idea form's live suggestions, and the public project template.

Each view parses its input with a form, calls one service and answers with a
redirect, or the page again with the form's errors (status 400). Every lifecycle
action has its own URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from kraftsamla.accounts import selectors as account_selectors
from kraftsamla.core import access, charts
from kraftsamla.core.access import PUBLIC, checks
from kraftsamla.core.caching import cached_block, declare
from kraftsamla.core.exports import Column, export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.core.sections import object_sections
from kraftsamla.core.uploads import UploadSizeLimit
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.projects import selectors, services
from kraftsamla.projects.forms import (
    SIMILAR_TEXT_MAX,
    AttachmentForm,
    ChecklistForms,
    ClusterFilterForm,
    CompleteForm,
    CriteriaForm,
    DecisionForm,
    GoodExampleFilterForm,
    GoodExampleForm,
    GoodExampleRemoveForm,
    JoinAcceptForm,
    JoinDeclineForm,
    JoinRequestForm,
    MergeForm,
    PortfolioFilterForm,
    PrepareForm,
    ProjectFilterForm,
    ProjectForm,
    ReasonForm,
    ReplicateForm,
    ScoreForm,
    SimilarTextForm,
    StartForm,
    funding_sources_text,
)
from kraftsamla.projects.models import JoinRequest, Project, TemplatePhase
from kraftsamla.projects.portfolio import rank as portfolio_rank

VIEW = "projects.project.view"
ATTACH = "projects.project.attach"
DECISIONS = ("projects.project.prioritise", "projects.project.park", "projects.project.decline")
JOIN_RULES = (
    "projects.project.request_join",
    "projects.joinrequest.view",
    "projects.joinrequest.decide",
    "projects.joinrequest.withdraw",
)
GOOD_EXAMPLE_RULES = ("projects.project.mark_good_example", "projects.project.unmark_good_example")
# The button (and heading) of each good-example action on the project page.
GOOD_EXAMPLE_LABELS = {
    "mark_good_example": gettext_lazy("Mark as a good example"),
    "unmark_good_example": gettext_lazy("Remove from the good examples"),
}
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


@checks(VIEW, "projects.organisation.create", "capacity.assessment.view")
def organisation_projects(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's own ideas and projects and those it takes part in; for its own
    people, a municipality also sees projects to join or replicate."""
    organisation = get_object_or_404(Organisation, slug=slug)
    projects = list(selectors.projects_of_organisation(request, organisation))
    suggestions = None
    if organisation.is_municipality and access.access_of(request).role_in(organisation):
        suggestions = selectors.projects_suggested(request, organisation)
    can_create = access.allows(request, "projects.organisation.create", organisation)
    return render(
        request,
        "projects/organisation.html",
        {
            "organisation": organisation,
            "owned": [project for project in projects if project.owner_id == organisation.pk],
            "taking_part": [project for project in projects if project.owner_id != organisation.pk],
            "can_create": can_create,
            "suggestions": suggestions,
            # Asking to join and replicating are for the organisation's editors.
            "can_act": can_create
            and access.allows(request, "projects.organisation.request_join", organisation),
        },
    )


def _project_columns() -> list[Column]:
    """The columns every download of projects starts with (in the request's language)."""
    return [
        (_("Title"), lambda project: project.title),
        (_("Owner"), lambda project: project.owner.name),
        (_("Status"), lambda project: project.get_status_display()),
        (_("Capitals"), lambda project: ", ".join(project.capital_labels())),
        (_("Collaboration form"), lambda project: project.get_collaboration_form_display()),
        (_("Emission sectors"), lambda project: ", ".join(project.sector_labels())),
        (_("Starts"), lambda project: project.start_date),
        (_("Ends"), lambda project: project.end_date),
    ]


def _projects_export(body: Organisation, projects: list[Project], fmt: str) -> HttpResponse:
    return export_table(
        items=projects,
        columns=[
            *_project_columns(),
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


# --- A body's portfolio: ranked by its criteria, with a chart, decisions and downloads ----

PORTFOLIO_PAGE_SIZE = 100
PORTFOLIO_LIST = declare(
    "projects.portfolio_list", depends_on=selectors.PORTFOLIO_RANKING.depends_on
)
PORTFOLIO_VIEW = "projects.portfolio.view"
PORTFOLIO_SCORE = "projects.portfolio.score"
PORTFOLIO_CRITERIA = "projects.portfolio.criteria"
DECISION_ACTIONS = ("prioritise", "park", "decline")
DECISION_SERVICES = {
    "prioritise": services.project_prioritise,
    "park": services.project_park,
    "decline": services.project_decline,
}


def _portfolio_export(
    body: Organisation, data: selectors.Portfolio, rows: list, fmt: str
) -> HttpResponse:
    criteria = data.criteria
    return export_table(
        items=rows,
        columns=[
            (_("Rank"), lambda row: row.rank),
            (_("Title"), lambda row: row.project.title),
            (_("Owner"), lambda row: row.project.owner.name),
            (_("Status"), lambda row: row.project.get_status_display()),
            (_("Weighted score (0–4)"), lambda row: row.score),
            (_("Share of the weight scored (%)"), lambda row: row.coverage * 100),
            (_("Impact (0–4)"), lambda row: row.impact),
            (_("Effort (0–4)"), lambda row: row.effort),
            (_("Quadrant"), lambda row: row.quadrant),
            *(
                (
                    f"{criterion.name} ({criterion.weight})",
                    lambda row, key=criterion.key: row.scores.get(key),
                )
                for criterion in criteria
            ),
            (_("Organisations taking part"), lambda row: row.project.participant_count),
            (_("Capitals"), lambda row: ", ".join(row.project.capital_labels())),
            (_("Collaboration form"), lambda row: row.project.get_collaboration_form_display()),
            (_("Emission sectors"), lambda row: ", ".join(row.project.sector_labels())),
            (_("Starts"), lambda row: row.project.start_date),
            (_("Sharing"), lambda row: row.project.get_sharing_level_display()),
        ],
        fmt=fmt,
        filename=f"kraftsamla-portfolj-{body.slug}",
        sheet=_("Portfolio"),
        source=body.name,
        notes=[
            _("Only the projects that the members share with the body or publicly."),
            _(
                "Weighted score: the sum of weight × score over the criteria scored, divided "
                "by the sum of their weights. A criterion not scored is left out, not counted "
                "as 0; an empty cell means not scored."
            ),
            _("Effort is 4 minus the weighted score of the effort criteria (feasibility, cost)."),
        ],
        demo=any(row.project.is_demo for row in rows),
    )


def _portfolio_chart(rows: list) -> str:
    """The impact × effort chart of the rows that have both (the page's rows)."""
    points = [
        charts.Point(
            x=float(row.effort),
            y=float(row.impact),
            mark=str(row.rank),
            label=_("%(rank)s. %(title)s (%(owner)s): impact %(impact)s, effort %(effort)s")
            % {
                "rank": row.rank,
                "title": row.project.title,
                "owner": row.project.owner.name,
                "impact": charts.short_number(row.impact),
                "effort": charts.short_number(row.effort),
            },
        )
        for row in rows
        if row.in_chart
    ]
    return charts.quadrant_scatter(
        chart_id="portfolio-chart",
        title=_("Impact and effort of the scored projects"),
        description=_(
            "Each circle is a project, numbered by its rank in the list; right means more "
            "effort, up more impact. The table below gives the same numbers."
        ),
        points=points,
        x_label=_("Effort (0–4)"),
        y_label=_("Impact (0–4)"),
        quadrants=(_("Quick wins"), _("Major projects"), _("Fill-ins"), _("Reconsider")),
    )


@checks(PORTFOLIO_VIEW, PORTFOLIO_SCORE, PORTFOLIO_CRITERIA)
@login_required
def portfolio(request: HttpRequest, slug: str) -> HttpResponse:
    """A body's portfolio: its members' shared projects ranked by the body's weighted
    criteria, filtered, with the impact × effort chart, the decision log and downloads."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, PORTFOLIO_VIEW, body)
    form = PortfolioFilterForm(
        request.GET or None, members=organisation_selectors.body_members(body)
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    data = selectors.portfolio_ranked_cached(request, body, filters)
    fmt = export_format(request)
    if fmt and not form.errors:
        return _portfolio_export(
            body, data, selectors.portfolio_load(request, body, data, data.rows, every=True), fmt
        )
    page = Paginator(data.rows, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    query = page_query(request)

    def ranked_list() -> str:
        rows = selectors.portfolio_load(request, body, data, list(page.object_list))
        return render_to_string(
            "projects/_portfolio_list.html",
            {
                "body": body,
                "page": page,
                "rows": rows,
                "query": query,
                "chart": _portfolio_chart(rows),
                "charted": [row for row in rows if row.in_chart],
                "total_criteria": len(data.criteria),
                "decisions": selectors.portfolio_decisions(request, body),
            },
        )

    return render(
        request,
        "projects/portfolio.html",
        {
            "body": body,
            "form": form,
            "data": data,
            "page": page,
            # The ranked rows, the chart and the decision log: the same for everyone with the
            # viewer's sharing scope (no form, no name), kept with the ranking's data versions.
            "ranked_list": cached_block(
                request,
                PORTFOLIO_LIST,
                parts=(body.pk, query, page.number),
                build=ranked_list,
            ),
            "scored_count": len(data.scored),
            "query": query,
            "can_score": access.allows(request, PORTFOLIO_SCORE, body),
            "can_edit_criteria": access.allows(request, PORTFOLIO_CRITERIA, body),
        },
        status=form_status(form),
    )


@checks(PORTFOLIO_VIEW, PORTFOLIO_CRITERIA)
@login_required
def portfolio_criteria(request: HttpRequest, slug: str) -> HttpResponse:
    """The body's criteria and weights: shown to its people, changed by its editors."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, PORTFOLIO_VIEW, body)
    can_edit = access.allows(request, PORTFOLIO_CRITERIA, body)
    criteria = selectors.portfolio_criteria(body)
    form = None
    if request.method == "POST":
        access.require(request, PORTFOLIO_CRITERIA, body)
        form = CriteriaForm(request.POST, criteria=criteria)
        response = submit_form(
            request,
            form,
            lambda _data: services.portfolio_criteria_update(
                actor=request.user, body=body, criteria=form.rows()
            ),
            redirect_to=reverse("projects:portfolio", kwargs={"slug": body.slug}),
            message=_("The criteria were saved."),
        )
        if response is not None:
            return response
    elif can_edit:
        form = CriteriaForm(criteria=criteria)
    return render(
        request,
        "projects/portfolio_criteria.html",
        {"body": body, "criteria": criteria, "form": form},
        status=form_status(form),
    )


def _decision_actions(request: HttpRequest, project: Project) -> list[tuple[str, str]]:
    """The decisions the person may take on the project from its status."""
    return [
        (action, str(ACTION_LABELS[action]))
        for action in services.transitions_from(project.status)
        if action in DECISION_ACTIONS
        and access.allows(request, f"projects.project.{action}", project)
    ]


def _portfolio_project_page(
    request: HttpRequest,
    body: Organisation,
    project: Project,
    *,
    score_form: ScoreForm | None = None,
    decision_form: DecisionForm | None = None,
) -> HttpResponse:
    criteria = selectors.portfolio_criteria(body)
    scores = selectors.portfolio_scores(body, Project.objects.filter(pk=project.pk)).get(
        project.pk, {}
    )
    if score_form is None and access.allows(request, PORTFOLIO_SCORE, body):
        score_form = ScoreForm(criteria=criteria, scores=scores, auto_id="score-%s")
    actions = _decision_actions(request, project)
    if decision_form is None and actions:
        decision_form = DecisionForm(actions=actions, auto_id="decision-%s")
    [ranked] = portfolio_rank(criteria, [project], {project.pk: scores})
    return render(
        request,
        "projects/portfolio_project.html",
        {
            "body": body,
            "project": project,
            "criteria": criteria,
            "ranked": ranked,
            "score_form": score_form,
            "decision_form": decision_form,
            "events": [
                event
                for event in selectors.project_page(project).events.all()
                if event.to_status in selectors.DECISION_STATUSES and event.kind == "status"
            ],
        },
        status=form_status(score_form, decision_form),
    )


@checks(PORTFOLIO_VIEW, PORTFOLIO_SCORE, *DECISIONS)
@login_required
def portfolio_project(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One project of the portfolio: its scores with reasons (form for the body's
    editors), the decisions it may be given, and the decisions so far."""
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, PORTFOLIO_VIEW, body)
    project = selectors.portfolio_project_get(request, body, pk)
    if request.method != "POST":
        return _portfolio_project_page(request, body, project)
    access.require(request, PORTFOLIO_SCORE, body)
    criteria = selectors.portfolio_criteria(body)
    form = ScoreForm(request.POST, criteria=criteria, auto_id="score-%s")
    response = submit_form(
        request,
        form,
        lambda _data: services.portfolio_scores_set(
            actor=request.user, body=body, project=project, scores=form.scores()
        ),
        redirect_to=reverse(
            "projects:portfolio_project", kwargs={"slug": body.slug, "pk": project.pk}
        ),
        message=_("The scores were saved."),
    )
    return response or _portfolio_project_page(request, body, project, score_form=form)


@checks(*DECISIONS)
@login_required
@require_POST
def portfolio_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Take a decision (prioritise, park, decline with the reason) from the portfolio."""
    body = organisation_selectors.coordinating_body_get(slug)
    project = selectors.portfolio_project_get(request, body, pk)
    actions = _decision_actions(request, project)
    if not actions:
        raise PermissionDenied(_("No decision can be taken on this project now."))
    form = DecisionForm(request.POST, actions=actions, auto_id="decision-%s")
    response = submit_form(
        request,
        form,
        lambda data: DECISION_SERVICES[data["action"]](
            actor=request.user, project=project, reason=data["reason"]
        ),
        redirect_to=reverse(
            "projects:portfolio_project", kwargs={"slug": body.slug, "pk": project.pk}
        ),
        message=_("The decision was recorded."),
    )
    return response or _portfolio_project_page(request, body, project, decision_form=form)


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


def _good_examples_export(request: HttpRequest, projects: list[Project], fmt: str) -> HttpResponse:
    return export_table(
        items=projects,
        columns=[
            *_project_columns(),
            (_("Size of the owner"), lambda project: project.owner.get_population_class_display()),
            (_("Why it is a good example"), lambda project: project.good_example_reason),
            (
                _("Good example since"),
                lambda project: timezone.localdate(project.good_example_since),
            ),
            (_("Results"), lambda project: project.results),
            (_("Lessons learnt"), lambda project: project.lessons),
            (_("What others can reuse"), lambda project: project.reusable),
            (_("Sharing"), lambda project: project.get_sharing_level_display()),
            (_("Address"), lambda project: request.build_absolute_uri(project.get_absolute_url())),
        ],
        fmt=fmt,
        filename="kraftsamla-goda-exempel",
        sheet=_("Good examples"),
        notes=[_("Only the good examples that are public or shared with your regional bodies.")],
        demo=any(project.is_demo for project in projects),
    )


@checks(VIEW)
def good_examples(request: HttpRequest) -> HttpResponse:
    """Completed projects the regional bodies hold up as good examples, filtered, with downloads."""
    form = GoodExampleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    projects = list(selectors.good_examples(request, filters))
    fmt = export_format(request)
    if fmt and not form.errors:
        return _good_examples_export(request, projects, fmt)
    return render(
        request,
        "projects/good_examples.html",
        {"form": form, "projects": projects, "query": page_query(request)},
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


def _join_form(request: HttpRequest, project: Project) -> JoinRequestForm | None:
    """The "ask to join" form, when the viewer may ask for an organisation not yet in it."""
    if project.status not in services.JOINABLE or not access.allows(
        request, "projects.project.request_join", project
    ):
        return None
    organisations = selectors.join_organisations(request, project)
    if not organisations:
        return None
    return JoinRequestForm(organisations=organisations, auto_id=_auto_id("join"))


JOIN_FORM_KEYS = ("accept", "decline", "withdraw")


@dataclass
class JoinRequestItem:
    """A request to join on the project page, with the forms the viewer may use on it."""

    join_request: JoinRequest
    accept_form: forms.Form | None = None
    decline_form: forms.Form | None = None
    can_withdraw: bool = False
    # A sent form whose answer was refused, shown with its errors at the request.
    refused: forms.Form | None = None


def _join_request_items(
    request: HttpRequest, project: Project, bound: dict[str, forms.Form]
) -> list[JoinRequestItem]:
    items = []
    for join_request in selectors.join_requests_of_project(request, project):
        join_request.project = project  # the rules read the owner from the page's project
        pk = join_request.pk
        item = JoinRequestItem(join_request)
        sent = next(
            (bound[f"{key}-{pk}"] for key in JOIN_FORM_KEYS if f"{key}-{pk}" in bound), None
        )
        if join_request.is_pending:
            if access.allows(request, "projects.joinrequest.decide", join_request):
                item.accept_form = bound.get(f"accept-{pk}") or JoinAcceptForm(
                    auto_id=_auto_id(f"accept-{pk}")
                )
                item.decline_form = bound.get(f"decline-{pk}") or JoinDeclineForm(
                    auto_id=_auto_id(f"decline-{pk}")
                )
            item.can_withdraw = access.allows(
                request, "projects.joinrequest.withdraw", join_request
            )
        if sent is not None and sent not in (item.accept_form, item.decline_form):
            item.refused = sent
        items.append(item)
    return items


def _good_example_form(
    request: HttpRequest, project: Project, bound: dict[str, forms.Form]
) -> tuple[str, forms.Form] | None:
    """The good-example action the viewer may take on the project now, with its form."""
    for action in GOOD_EXAMPLE_LABELS:
        if action in bound:
            return action, bound.pop(action)
    if project.is_good_example:
        action, form_class = "unmark_good_example", GoodExampleRemoveForm
    elif project.status in services.REPLICABLE:
        action, form_class = "mark_good_example", GoodExampleForm
    else:
        return None
    if not access.allows(request, f"projects.project.{action}", project):
        return None
    return action, form_class(auto_id=_auto_id(action))


def _detail(
    request: HttpRequest, project: Project, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    page = selectors.project_page(project)
    bound = dict(bound or {})
    join_bound = {
        key: bound.pop(key)
        for key in list(bound)
        if key.startswith(tuple(f"{name}-" for name in JOIN_FORM_KEYS))
    }
    replicate_form = bound.pop("replicate", None) or _replicate_form(request, page)
    good_example = _good_example_form(request, page, bound)
    can_attach = access.allows(request, ATTACH, page)
    attach_form = bound.pop("attach", None) or (
        AttachmentForm(auto_id=_auto_id("attach")) if can_attach else None
    )
    action_forms = {**_action_forms(request, page), **bound}
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
            "good_example_action": good_example[0] if good_example else None,
            "good_example_form": good_example[1] if good_example else None,
            "good_example_labels": GOOD_EXAMPLE_LABELS,
            "can_attach": can_attach,
            "attach_form": attach_form,
            "replications": selectors.replications_visible(request, page),
            "origin_visible": page.origin is not None and access.allows(request, VIEW, page.origin),
            "merged_into_visible": page.merged_into is not None
            and access.allows(request, VIEW, page.merged_into),
            "merged_from": selectors.merged_from_visible(request, page),
            "funding_total": sum(source.amount for source in page.funding_sources.all()),
            "similar": similar,
            "similar_to_join": selectors.projects_to_ask_to_join(
                request, [match.project for match in similar]
            ),
            "join_form": _join_form(request, page),
            "join_requests": _join_request_items(request, page, join_bound),
            "can_view_checklist": can_view_checklist,
            "can_plan": access.allows(request, PLAN, page),
            "checklist": selectors.checklist_summary(page) if can_view_checklist else None,
            # Sections of the apps above (e.g. the joint applications the project is in).
            "sections": object_sections(selectors.PROJECT_PAGE, request, page),
        },
        status=form_status(
            *action_forms.values(),
            replicate_form,
            attach_form,
            good_example[1] if good_example else None,
            *join_bound.values(),
        ),
    )


@checks(
    VIEW,
    "projects.project.edit",
    "projects.project.prepare",
    *DECISIONS,
    *GOOD_EXAMPLE_RULES,
    ATTACH,
    *JOIN_RULES,
    PLAN,
    VIEW_CHECKLIST,
)
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


def _decision_view(
    action: str,
    service: Callable[..., Project],
    message: str,
    form_class: Callable[..., forms.Form] = ReasonForm,
):
    """A view that takes one decision on a project with its form's data."""

    @checks(f"projects.project.{action}")
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(
            request,
            pk,
            action,
            form_class,
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


# --- Requests to join ----------------------------------------------------------------------


@checks("projects.project.request_join")
@login_required
def project_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to join a project for one of one's organisations (a hidden project is a 404)."""
    project = selectors.project_get(request, pk)
    access.require(request, "projects.project.request_join", project)
    joinable = project.status in services.JOINABLE
    organisations = selectors.join_organisations(request, project, waiting=request.method == "POST")
    initial = {}
    chosen = [o for o in organisations if o.slug == request.GET.get("organisation")]
    if chosen:
        initial["organisation"] = chosen[0].pk
    form = JoinRequestForm(
        request.POST or None, organisations=organisations, initial=initial, auto_id=_auto_id("join")
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.join_request_create(
                actor=request.user,
                project=project,
                link=request.build_absolute_uri(project.get_absolute_url()),
                **data,
            ),
            redirect_to=lambda saved: f"{project.get_absolute_url()}#join-requests-heading",
            message=_("Your request was sent. The owner's administrators are e-mailed."),
        )
        if response is not None:
            return response
    return render(
        request,
        "projects/join.html",
        {
            "project": project,
            "form": form if joinable and organisations else None,
            "joinable": joinable,
            "join_requests": [
                JoinRequestItem(join_request)
                for join_request in selectors.join_requests_of_project(request, project)
            ],
        },
        status=form_status(form),
    )


def _join_decision(
    request: HttpRequest,
    pk: int,
    request_pk: int,
    action: str,
    rule: str,
    form_class: Callable[..., forms.Form],
    save: Callable[[JoinRequest, dict[str, Any]], JoinRequest],
    message: str,
) -> HttpResponse:
    project = selectors.project_get(request, pk)
    join_request = selectors.join_request_get(request, project, request_pk)
    access.require(request, rule, join_request)
    key = f"{action}-{join_request.pk}"
    form = form_class(request.POST, auto_id=_auto_id(key))
    response = submit_form(
        request,
        form,
        lambda data: save(join_request, data),
        redirect_to=f"{project.get_absolute_url()}#join-requests-heading",
        message=message,
    )
    if response is not None:
        return response
    return _detail(request, project, bound={key: form})


@checks("projects.joinrequest.decide")
@login_required
@require_POST
def join_request_accept(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    return _join_decision(
        request,
        pk,
        request_pk,
        "accept",
        "projects.joinrequest.decide",
        JoinAcceptForm,
        lambda join_request, data: services.join_request_accept(
            actor=request.user,
            join_request=join_request,
            link=request.build_absolute_uri(join_request.project.get_absolute_url()),
            **data,
        ),
        _("The request was accepted: the organisation now takes part."),
    )


@checks("projects.joinrequest.decide")
@login_required
@require_POST
def join_request_decline(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    return _join_decision(
        request,
        pk,
        request_pk,
        "decline",
        "projects.joinrequest.decide",
        JoinDeclineForm,
        lambda join_request, data: services.join_request_decline(
            actor=request.user,
            join_request=join_request,
            link=request.build_absolute_uri(join_request.project.get_absolute_url()),
            **data,
        ),
        _("The request was declined. The organisation that asked is e-mailed the reason."),
    )


@checks("projects.joinrequest.withdraw")
@login_required
@require_POST
def join_request_withdraw(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    return _join_decision(
        request,
        pk,
        request_pk,
        "withdraw",
        "projects.joinrequest.withdraw",
        forms.Form,
        lambda join_request, _data: services.join_request_withdraw(
            actor=request.user, join_request=join_request
        ),
        _("Your request was withdrawn."),
    )


# --- Good examples: one URL each way ----------------------------------------------------

project_mark_good_example = _decision_view(
    "mark_good_example",
    services.project_mark_good_example,
    gettext_lazy("The project is now a good example."),
    GoodExampleForm,
)
project_unmark_good_example = _decision_view(
    "unmark_good_example",
    services.project_unmark_good_example,
    gettext_lazy("The project is no longer a good example."),
    GoodExampleRemoveForm,
)


# --- Attachments -------------------------------------------------------------------------


def _attachments_url(project: Project) -> str:
    return f"{project.get_absolute_url()}#attachments-heading"


@checks(ATTACH)
@csrf_exempt
@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file. The size limit applies while the upload is read, so a file far too
    large is never stored; the CSRF check follows (it reads the body, so it comes after)."""
    request.upload_handlers.insert(
        0, UploadSizeLimit(request, limit=settings.KRAFTSAMLA_ATTACHMENT_MAX_BYTES)
    )
    return _attachment_add(request, pk)


@csrf_protect
def _attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request, pk)
    access.require(request, ATTACH, project)
    form = AttachmentForm(request.POST, request.FILES, auto_id=_auto_id("attach"))
    response = submit_form(
        request,
        form,
        lambda data: services.attachment_add(
            actor=request.user, project=project, file=data["file"]
        ),
        redirect_to=lambda attachment: _attachments_url(project),
        message=lambda attachment: _("%(name)s was attached.") % {"name": attachment.name},
    )
    if response is not None:
        return response
    return _detail(request, project, bound={"attach": form})


@checks(VIEW)
@require_safe
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """Download an attachment of a project the visitor may see (404 when hidden)."""
    project = selectors.project_get(request, pk)
    attachment = selectors.attachment_get(project, attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    # Never shown in the browser as anything but the checked type, never kept by proxies.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


@checks(ATTACH)
@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    project = selectors.project_get(request, pk)
    access.require(request, ATTACH, project)
    attachment = selectors.attachment_get(project, attachment_pk)
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("%(name)s was deleted.") % {"name": attachment.name})
    return redirect(_attachments_url(project))


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
