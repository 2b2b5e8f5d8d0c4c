"""Pages for mapping transition capacity: framework, assessments, answering, results, regions."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kraftsamla.capacity import scoring, selectors, services
from kraftsamla.capacity.forms import (
    DONT_KNOW,
    AgreedScoreForm,
    AssessmentCreateForm,
    AutosaveForm,
    CapitalAnswersForm,
    RegionalFilterForm,
    RespondentForm,
    RespondentInviteForm,
    SharingForm,
    TransitionForm,
    answer_field_names,
    collaboration_form_choices,
    score_value,
)
from kraftsamla.capacity.heatmap import heatmap_table
from kraftsamla.capacity.models import (
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    Assessment,
    Capital,
    CapitalKey,
    Mode,
    Respondent,
    Statement,
    Status,
)
from kraftsamla.core import access, charts
from kraftsamla.core.access import PUBLIC, checks
from kraftsamla.core.caching import cached_block, declare, not_modified, with_etag
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.core.limits import EVIDENCE_MAX, NOTE_MAX
from kraftsamla.core.translation import translated
from kraftsamla.organisations.models import Organisation

# Cached blocks (core/caching.py). Results and trends come from capacity writes; names,
# memberships, counties and population classes (peer groups, members) from organisations.
REGIONAL = declare("capacity.regional", depends_on=("capacity", "organisations"))
RESULTS = declare("capacity.results", depends_on=("capacity", "organisations", "accounts"))
SUMMARY = declare("capacity.summary", depends_on=("capacity", "organisations"))


@checks("capacity.assessment.view", "capacity.regional_overview.view")
def overview(request: HttpRequest) -> HttpResponse:
    """Introduce the framework and list the user's organisations' assessments."""
    framework = selectors.framework_current()
    capitals = selectors.framework_with_content(framework) if framework else []
    own_orgs = []
    if request.user.is_authenticated:
        own_orgs = [
            r.organisation for r in request.user.organisation_roles.select_related("organisation")
        ]
    return render(
        request,
        "capacity/overview.html",
        {
            "framework": framework,
            "capitals": capitals,
            "own_orgs": own_orgs,
            "assessments": selectors.assessments_visible(request)[:50],
            "bodies": selectors.bodies_coordinated(request),
            "building_steps": _building_steps(framework, capitals),
        },
    )


def _building_steps(framework, capitals):
    if framework is None:
        return []
    names = {c.key: c.name for c in capitals}
    return [[names.get(k, k) for k in step] for step in framework.building_steps]


@checks(PUBLIC)
def framework_detail(request: HttpRequest) -> HttpResponse:
    framework = selectors.framework_current()
    if framework is None:
        raise Http404(_("No framework is loaded."))
    capitals = selectors.framework_with_content(framework)
    return render(
        request,
        "capacity/framework.html",
        {
            "framework": framework,
            "capitals": capitals,
            "scale": [
                (s["score"], translated(s["label"]), translated(s.get("description")))
                for s in framework.scale
            ],
            "collaboration_forms": [
                (f["key"], translated(f["name"]), translated(f.get("description")))
                for f in framework.collaboration_forms
            ],
            "building_steps": _building_steps(framework, capitals),
        },
    )


@checks("capacity.assessment.create", "capacity.assessment.view")
@login_required
def organisation_assessments(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(Organisation, slug=slug)
    can_manage = access.allows(request, "capacity.assessment.create", org)
    form = AssessmentCreateForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = AssessmentCreateForm(request.POST)
        response = submit_form(
            request,
            form,
            lambda data: services.assessment_create(actor=request.user, organisation=org, **data),
            redirect_to=lambda assessment: assessment.get_absolute_url(),
            message=_("The assessment was created as a draft."),
        )
        if response is not None:
            return response
    return render(
        request,
        "capacity/organisation.html",
        {
            "org": org,
            "form": form,
            "can_manage": can_manage,
            "assessments": selectors.assessments_of(request, org),
        },
        status=form_status(form),
    )


def _detail_page(
    request: HttpRequest,
    assessment: Assessment,
    *,
    respondent_form: RespondentForm | None = None,
    invite_form: RespondentInviteForm | None = None,
    sharing_form: SharingForm | None = None,
) -> HttpResponse:
    """Render the assessment page, with the bound form of a failed action if there is one."""
    can_manage = access.allows(request, "capacity.assessment.manage", assessment)
    capitals = selectors.framework_with_content(assessment.framework)
    respondent = selectors.respondent_of(request.user, assessment)
    forms_ = {
        "respondent_form": respondent_form or RespondentForm(organisation=assessment.organisation),
        "invite_form": invite_form or RespondentInviteForm(),
        "sharing_form": sharing_form
        or SharingForm(initial={"sharing_level": assessment.sharing_level}),
    }
    return render(
        request,
        "capacity/assessment.html",
        {
            "assessment": assessment,
            "can_manage": can_manage,
            "respondents": selectors.respondents_of(assessment) if can_manage else [],
            "pending_invitations": selectors.invitations_pending(assessment) if can_manage else [],
            "can_resend_invitations": can_manage
            and access.allows(request, "accounts.people.manage", assessment.organisation),
            "respondent": respondent,
            "progress": selectors.progress_of(respondent, capitals) if respondent else None,
            "capitals": capitals,
            "transitions": _allowed_transitions(assessment) if can_manage else [],
            **forms_,
        },
        status=400 if request.method == "POST" else 200,  # a failed action shows its errors
    )


def _allowed_transitions(assessment: Assessment) -> list[tuple[str, str]]:
    labels = {
        "open": _("Open for answers"),
        "close": _("Close answering"),
        "publish": _("Publish results"),
        "reopen": _("Reopen"),
    }
    return [
        (action, labels[action])
        for action, (sources, _target) in services.TRANSITIONS.items()
        if assessment.status in sources
    ]


@checks("capacity.assessment.view", "capacity.assessment.manage", "accounts.people.manage")
@login_required
@require_GET
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, selectors.assessment_visible(request, pk))


def _managed_assessment(request: HttpRequest, pk: int) -> Assessment:
    """Return an assessment the user may manage: 404 when hidden, 403 when only visible."""
    assessment = selectors.assessment_visible(request, pk)
    access.require(request, "capacity.assessment.manage", assessment)
    return assessment


@checks("capacity.assessment.view", "capacity.assessment.manage", "accounts.people.manage")
@login_required
@require_POST
def respondent_add(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _managed_assessment(request, pk)
    form = RespondentForm(request.POST, organisation=assessment.organisation)
    response = submit_form(
        request,
        form,
        lambda data: services.respondent_add(actor=request.user, assessment=assessment, **data),
        redirect_to=assessment.get_absolute_url(),
        message=_("The respondent was added."),
    )
    return response or _detail_page(request, assessment, respondent_form=form)


@checks("capacity.assessment.view", "capacity.assessment.manage", "accounts.people.manage")
@login_required
@require_POST
def respondent_invite(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _managed_assessment(request, pk)
    form = RespondentInviteForm(request.POST)

    def accept_url(token: str) -> str:
        return request.build_absolute_uri(
            reverse("accounts:accept_invitation", kwargs={"token": token})
        )

    def done_message(result) -> str:
        outcome, _added_or_invited = result
        if outcome == "added":
            return _("The respondent was added.")
        return _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]}

    response = submit_form(
        request,
        form,
        lambda data: services.respondent_invite(
            actor=request.user, assessment=assessment, accept_url_builder=accept_url, **data
        ),
        redirect_to=assessment.get_absolute_url(),
        message=done_message,
    )
    return response or _detail_page(request, assessment, invite_form=form)


@checks("capacity.assessment.view", "capacity.assessment.manage", "accounts.people.manage")
@login_required
@require_POST
def assessment_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _managed_assessment(request, pk)
    form = SharingForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.assessment_update_sharing(
            actor=request.user, assessment=assessment, **data
        ),
        redirect_to=assessment.get_absolute_url(),
        message=_("Sharing was updated."),
    )
    return response or _detail_page(request, assessment, sharing_form=form)


@checks("capacity.assessment.view", "capacity.assessment.manage", "accounts.people.manage")
@login_required
@require_POST
def assessment_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Move the assessment one lifecycle step; a refused step is explained in a message."""
    assessment = _managed_assessment(request, pk)
    form = TransitionForm({"action": action})
    response = submit_form(
        request,
        form,
        lambda data: services.assessment_transition(
            actor=request.user, assessment=assessment, **data
        ),
        redirect_to=assessment.get_absolute_url(),
        message=lambda moved: (
            _("The assessment is now: %(status)s.") % {"status": moved.get_status_display()}
        ),
    )
    if response is not None:
        return response
    for error_list in form.errors.values():
        for error in error_list:
            messages.error(request, error)
    return _detail_page(request, assessment)


@checks("capacity.assessment.view", "capacity.assessment.respond", "capacity.assessment.answer")
@login_required
def answer_capital(request: HttpRequest, pk: int, capital_key: str) -> HttpResponse:
    """Let a respondent score one capital's statements and note what would strengthen it."""
    assessment = selectors.assessment_visible(request, pk)
    access.require(
        request,
        "capacity.assessment.respond",
        assessment,
        _("You are not a respondent of this assessment."),
    )
    capitals = selectors.framework_with_content(assessment.framework)
    capital, next_key = _capital_and_next(capitals, capital_key)
    form = CapitalAnswersForm(request.POST or None, capital=capital)

    def page_after_saving(_saved) -> str:
        go_next = next_key and form.cleaned_data["go"] == "next"
        key = next_key if go_next else capital_key
        return reverse("capacity:answer", kwargs={"pk": pk, "capital_key": key})

    if form.is_bound:
        response = submit_form(
            request,
            form,
            lambda data: services.capital_answers_save(
                actor=request.user,
                assessment=assessment,
                capital=capital,
                answers=form.answers(),
                strengthen=data["strengthen"],
                collaboration_form=data["collaboration_form"],
            ),
            redirect_to=page_after_saving,
            message=_("Your answers for %(capital)s were saved.") % {"capital": capital.name},
        )
        if response is not None:
            return response
        if form.has_error(NON_FIELD_ERRORS, "not_open"):
            messages.error(request, _("The assessment is not open for answers."))
            return redirect(assessment.get_absolute_url())
    context = _answer_context(request, assessment, capitals, capital, form)
    return render(request, "capacity/answer.html", context, status=form_status(form))


def _capital_and_next(capitals: list[Capital], capital_key: str) -> tuple[Capital, str | None]:
    """Return the capital with `capital_key` and the next capital's key (None if last)."""
    keys = [c.key for c in capitals]
    if capital_key not in keys:
        raise Http404
    index = keys.index(capital_key)
    return capitals[index], keys[index + 1] if index + 1 < len(keys) else None


def _answer_context(
    request: HttpRequest,
    assessment: Assessment,
    capitals: list[Capital],
    capital: Capital,
    form: CapitalAnswersForm,
) -> dict:
    """Build the answer page: what the respondent chose (or just posted) per statement."""
    respondent = selectors.respondent_of(request.user, assessment)
    keys = [c.key for c in capitals]
    index = keys.index(capital.key)
    note = selectors.notes_of(respondent).get(capital.pk)
    if form.is_bound:
        values = form.data
    else:
        values = _saved_values(selectors.answers_of(respondent), capital)
        values["strengthen"] = note.strengthen if note else ""
        values["collaboration_form"] = note.collaboration_form if note else ""
    errors = form.statement_errors() if form.is_bound else {}
    rows = []
    for statement in capital.statements.all():
        score_name, evidence_name = answer_field_names(statement.pk)
        rows.append(
            {
                "statement": statement,
                "levels": [
                    (str(level), translated(statement.levels.get(str(level))))
                    for level in range(SCALE_MIN, SCALE_MAX + 1)
                ],
                "current": values.get(score_name, ""),
                "evidence": values.get(evidence_name, ""),
                "error": errors.get(f"s{statement.pk}"),
            }
        )
    return {
        "assessment": assessment,
        "capital": capital,
        "rows": rows,
        "capitals": capitals,
        "next_key": keys[index + 1] if index + 1 < len(keys) else None,
        "prev_key": keys[index - 1] if index > 0 else None,
        "errors": errors,
        "strengthen": values.get("strengthen", ""),
        "collaboration_form": values.get("collaboration_form", ""),
        "collaboration_form_choices": collaboration_form_choices(),
        "progress": selectors.progress_of(respondent, capitals),
        "next_unanswered": _next_unanswered_url(assessment, respondent, capitals, capital),
        "readonly": not access.allows(request, "capacity.assessment.answer", assessment),
        "evidence_max": EVIDENCE_MAX,
        "note_max": NOTE_MAX,
    }


def _next_unanswered_url(
    assessment: Assessment, respondent: Respondent, capitals: list[Capital], capital: Capital
) -> str:
    """Return the address of the next statement to answer from this page on ("" if none)."""
    statement = selectors.statement_next_unanswered(respondent, capitals, capital.key)
    if statement is None:
        return ""
    return assessment.statement_url(statement.capital.key, statement.pk)


def _saved_values(answers: dict, capital: Capital) -> dict[str, str]:
    """Return the saved answers of a capital as the page's field values."""
    values = {}
    for statement in capital.statements.all():
        answer = answers.get(statement.pk)
        if answer is not None:
            score_name, evidence_name = answer_field_names(statement.pk)
            values[score_name] = DONT_KNOW if answer.dont_know else str(answer.score)
            values[evidence_name] = answer.evidence
    return values


@checks("capacity.assessment.view")
@login_required
@require_POST
def answer_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Save one answer from the answer page's script (progressive enhancement)."""
    try:
        assessment = selectors.assessment_visible(request, pk)
    except Http404:
        return JsonResponse({"ok": False, "error": _("No such assessment.")}, status=404)
    form = AutosaveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "error": _error_text(form.errors)}, status=400)
    score, dont_know = score_value(form.cleaned_data["score"])
    sequence = form.cleaned_data["sequence"]
    try:
        answer = services.answer_save(
            actor=request.user,
            assessment=assessment,
            statement=form.cleaned_data["statement"],
            score=score,
            dont_know=dont_know,
            evidence=form.cleaned_data["evidence"],
            sequence=sequence,
        )
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        _stored_answer(answer, applied=sequence is None or answer.client_sequence == sequence)
    )


def _stored_answer(answer: Answer, *, applied: bool) -> dict:
    """Describe the answer as stored, for the page to show (and to correct a refused save)."""
    stored = DONT_KNOW if answer.dont_know else str(answer.score)
    shown = _("Don't know") if answer.dont_know else str(answer.score)
    return {
        "ok": True,
        "applied": applied,
        "score": stored,
        "evidence": answer.evidence,
        "sequence": answer.client_sequence,
        "message": _("Saved: %(value)s") % {"value": shown},
    }


def _error_text(errors: dict) -> str:
    return " ".join(str(message) for messages_ in errors.values() for message in messages_)


@checks("capacity.assessment.view")
@login_required
@require_POST
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_visible(request, pk)
    try:
        services.respondent_mark_done(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you! Your answers are marked as done."))
    return redirect(assessment.get_absolute_url())


def _results_context(request: HttpRequest, assessment: Assessment) -> dict:
    capitals = selectors.framework_with_content(assessment.framework)
    results = selectors.assessment_capital_results(assessment)
    names = {c.key: c.name for c in capitals}
    previous = selectors.assessment_previous(assessment, request)
    groups = selectors.peer_groups(assessment.organisation)
    chosen_key = request.GET.get("peers") or (groups[0].key if groups else "")
    chosen = next((g for g in groups if g.key == chosen_key), groups[0] if groups else None)
    comparison = selectors.peer_comparison_stored(chosen, assessment.year) if chosen else None
    peers = comparison.medians if comparison and comparison.enough else None
    rows = _profile_rows(
        capitals, results, selectors.scores_stored(previous) if previous else {}, peers
    )
    start = scoring.where_to_start(
        {k: r.score for k, r in results.items()}, assessment.framework.building_steps
    )
    return {
        "assessment": assessment,
        "preliminary": assessment.status != Status.PUBLISHED,
        "rows": rows,
        "chart": _profile_chart(assessment, rows, with_peers=peers is not None),
        "previous": previous,
        "groups": groups,
        "chosen": chosen,
        "comparison": comparison,
        "min_peers": selectors.MIN_PEERS,
        "start_rows": [
            {
                "key": key,
                "name": names.get(key, key),
                "priority": priority,
                "step": step + 1,
                "score": results[key].score,
            }
            for key, priority, step in start
        ],
        "names": names,
        "can_details": access.allows(request, "capacity.assessment.view_respondents", assessment),
        "low_consensus_threshold": scoring.LOW_CONSENSUS,
        "scale_levels": [str(level) for level in range(SCALE_MIN, SCALE_MAX + 1)],
        "results": results,
    }


def _profile_rows(
    capitals: list[Capital],
    results: dict[str, scoring.CapitalResult],
    previous_scores: dict[str, float | None],
    peer_medians: dict[str, float | None] | None,
) -> list[dict]:
    """Return one row per capital: score, share answered, consensus, change and peer median."""
    rows = []
    for capital in capitals:
        result = results[capital.key]
        previous = previous_scores.get(capital.key)
        rows.append(
            {
                "key": capital.key,
                "name": capital.name,
                "score": result.score,
                "share": result.share_answered,
                "answered": result.answered,
                "total": result.total,
                "consensus": result.consensus,
                "low_consensus": result.low_consensus,
                "change": round(result.score - previous, 1)
                if result.score is not None and previous is not None
                else None,
                "peer": peer_medians.get(capital.key) if peer_medians is not None else None,
            }
        )
    return rows


def _profile_chart(assessment: Assessment, rows: list[dict], *, with_peers: bool) -> str:
    return charts.horizontal_bars(
        chart_id="profile-chart",
        title=_("Transition capacity profile, %(org)s %(year)s")
        % {"org": assessment.organisation.display_name, "year": assessment.year},
        description=_("Score 0–100 per capital. ")
        + "; ".join(
            f"{row['name']}: {row['score'] if row['score'] is not None else '–'}" for row in rows
        ),
        labels=[row["name"] for row in rows],
        values=[row["score"] for row in rows],
        markers=[row["peer"] for row in rows] if with_peers else None,
        marker_label=_("Peer median"),
        missing_text=_("no answers"),
    )


@checks(
    "capacity.assessment.view",
    "capacity.assessment.view_details",
    "capacity.assessment.view_respondents",
    "capacity.assessment.manage",
)
def assessment_results(request: HttpRequest, pk: int) -> HttpResponse:
    """An assessment's results: profile, peer comparison, where to start and details.

    After the permission check (404 when hidden) the main block comes from the cache,
    keyed by the viewer's scope, the chosen peer group and the data versions. Those who
    may record agreed scores get forms with their own CSRF token: their block is built
    live and never cached.
    """
    assessment = selectors.assessment_visible(request, pk)
    can_agree = assessment.mode == Mode.GROUP and _may_agree(request, assessment)
    parts = (assessment.pk, request.GET.get("peers", ""), datetime.date.today())

    def build() -> str:
        context = _results_context(request, assessment)
        sees_details = access.allows(request, "capacity.assessment.view_details", assessment)
        if sees_details and assessment.mode == Mode.GROUP:
            context["details"] = selectors.statement_details(assessment, results=context["results"])
            context["can_agree"] = can_agree
        if sees_details:
            context["notes"] = selectors.needs_from_notes(assessment)
        return render_to_string(
            "capacity/_results_main.html", context, request=request if can_agree else None
        )

    if can_agree:
        main = mark_safe(build())  # noqa: S308 - rendered by our template
        return render(request, "capacity/results.html", {"assessment": assessment, "main": main})
    etag, unchanged = not_modified(request, RESULTS, parts=parts)
    if unchanged:
        return unchanged
    main = cached_block(request, RESULTS, parts=parts, build=build)
    response = render(request, "capacity/results.html", {"assessment": assessment, "main": main})
    return with_etag(response, etag)


def _may_agree(request: HttpRequest, assessment: Assessment) -> bool:
    """Whether the viewer records agreed scores on this page (its forms are personal)."""
    return assessment.status in (Status.OPEN, Status.CLOSED) and access.allows(
        request, "capacity.assessment.manage", assessment
    )


@checks("capacity.assessment.view", "capacity.assessment.view_respondents")
def assessment_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """One printable page for politicians and managers (cached like the results)."""
    assessment = selectors.assessment_visible(request, pk)
    parts = (assessment.pk, request.GET.get("peers", ""), datetime.date.today())
    etag, unchanged = not_modified(request, SUMMARY, parts=parts)
    if unchanged:
        return unchanged
    main = cached_block(
        request,
        SUMMARY,
        parts=parts,
        build=lambda: render_to_string(
            "capacity/_summary_main.html", _results_context(request, assessment)
        ),
    )
    response = render(request, "capacity/summary.html", {"assessment": assessment, "main": main})
    return with_etag(response, etag)


@checks("capacity.assessment.view", "capacity.assessment.manage")
@login_required
@require_POST
def agreed_score(request: HttpRequest, pk: int, statement_id: int) -> HttpResponse:
    assessment = selectors.assessment_visible(request, pk)
    access.require(request, "capacity.assessment.manage", assessment)
    statement = get_object_or_404(Statement.objects.select_related("capital"), pk=statement_id)
    form = AgreedScoreForm(request.POST)
    back = reverse("capacity:results", kwargs={"pk": pk}) + f"#st-{statement_id}"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{statement.key}: {error}")
        return redirect(back)
    try:
        services.agreed_score_save(
            actor=request.user,
            assessment=assessment,
            statement=statement,
            score=form.cleaned_data["score"],
            rationale=form.cleaned_data["rationale"],
            expected_version=form.cleaned_data.get("version"),
        )
    except services.StaleEditError as exc:
        current = exc.current
        messages.error(
            request,
            _("%(key)s: %(msg)s Their value: %(score)s (by %(who)s).")
            % {
                "key": statement.key,
                "msg": exc.messages[0],
                "score": current.score if current else "–",
                "who": current.updated_by if current else "–",
            },
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The agreed score for %(key)s was saved.") % {"key": statement.key}
        )
    return redirect(back)


@checks("capacity.regional_overview.view")
@login_required
def regional(request: HttpRequest, slug: str) -> HttpResponse:
    """The heatmap of what a body's members shared, with its distribution and trend.

    The main block is cached per viewer scope, body, year, filters and data versions,
    and a conditional GET is answered 304, both only after the permission check.
    Memberships are "in force today", so the date is part of the key.
    """
    body = get_object_or_404(Organisation, slug=slug)
    access.require(request, "capacity.regional_overview.view", body)
    years = selectors.regional_years(body)
    form = RegionalFilterForm(request.GET or None, years=years)
    year, population_class = None, ""
    if form.is_bound and form.is_valid():
        year = form.cleaned_data.get("year")
        population_class = form.cleaned_data.get("population_class") or ""
    fmt = export_format(request)
    if fmt:
        overview = selectors.regional_overview(
            body=body, year=year, population_class=population_class
        )
        return _regional_export(body, overview, fmt)
    query = page_query(request)
    parts = (body.pk, year, population_class, query, datetime.date.today())
    etag, unchanged = not_modified(request, REGIONAL, parts=parts)
    if unchanged:
        return unchanged

    def build() -> str:
        overview = selectors.regional_overview(
            body=body, year=year, population_class=population_class
        )
        return render_to_string(
            "capacity/_regional_main.html",
            {
                "overview": overview,
                "heatmap_table": heatmap_table(overview),
                "distribution": overview.distribution(),
                "shared_needs": overview.shared_needs()[:3],
                "query": query,
                "low_score": int(scoring.LOW_SCORE),
            },
        )

    main = cached_block(request, REGIONAL, parts=parts, build=build)
    response = render(request, "capacity/regional.html", {"body": body, "form": form, "main": main})
    return with_etag(response, etag)


def _regional_export(
    body: Organisation, overview: selectors.RegionalOverview, fmt: str
) -> HttpResponse:
    capital_names = dict(CapitalKey.choices)
    columns = [
        (_("Municipality"), lambda row: row["org"].name),
        (_("Code"), lambda row: row["org"].code or ""),
        (_("Year"), lambda row: overview.year if row["assessment_id"] else ""),
    ] + [
        (str(capital_names[key]), lambda row, key=key: row["scores"].get(key))
        for key, _label in overview.capitals
    ]
    return export_table(
        items=overview.rows,
        columns=columns,
        fmt=fmt,
        filename=f"kraftsamla-kapacitet-{body.slug}",
        sheet=_("Capacity"),
        source=body.name,
        notes=[_("A member without shared results for the year has empty cells.")],
        demo=selectors.assessments_include_demo(
            row["assessment_id"] for row in overview.rows if row["assessment_id"]
        ),
    )
