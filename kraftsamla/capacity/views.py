"""Pages for mapping transition capacity: framework, assessments, answering, results, regions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.accounts.models import Invitation
from kraftsamla.capacity import scoring, selectors, services
from kraftsamla.capacity.forms import (
    AgreedScoreForm,
    AssessmentCreateForm,
    RegionalFilterForm,
    RespondentForm,
    RespondentInviteForm,
    SharingForm,
    collaboration_form_choices,
)
from kraftsamla.capacity.models import (
    Assessment,
    CapitalKey,
    CollaborationForm,
    Mode,
    Statement,
    Status,
)
from kraftsamla.core import charts, permissions
from kraftsamla.core.exports import export_response
from kraftsamla.core.forms import add_service_error
from kraftsamla.core.i18n import tr_dict
from kraftsamla.organisations.models import Organisation


def _assessment(pk: int) -> Assessment:
    try:
        return selectors.assessment_get(pk)
    except Assessment.DoesNotExist as exc:
        raise Http404(_("No such assessment.")) from exc


def _visible_assessment(request: HttpRequest, pk: int) -> Assessment:
    assessment = _assessment(pk)
    if not permissions.can_view_assessment(request.user, assessment):
        raise PermissionDenied
    return assessment


def _error_messages(exc: ValidationError) -> list[str]:
    return exc.messages


def overview(request: HttpRequest) -> HttpResponse:
    """Introduce the framework and list the user's organisations' assessments."""
    framework = selectors.current_framework()
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
            "assessments": selectors.visible_assessments(request.user)[:50]
            if request.user.is_authenticated
            else [],
            "bodies": selectors.coordinated_bodies(request.user),
            "building_steps": _building_steps(framework, capitals),
        },
    )


def _building_steps(framework, capitals):
    if framework is None:
        return []
    names = {c.key: c.t.name for c in capitals}
    return [[names.get(k, k) for k in step] for step in framework.building_steps]


def framework_detail(request: HttpRequest) -> HttpResponse:
    framework = selectors.current_framework()
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
                (s["score"], tr_dict(s["label"]), tr_dict(s.get("description")))
                for s in framework.scale
            ],
            "forms": [
                (f["key"], tr_dict(f["name"]), tr_dict(f.get("description")))
                for f in framework.collaboration_forms
            ],
            "building_steps": _building_steps(framework, capitals),
        },
    )


@login_required
def organisation_assessments(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(Organisation, slug=slug)
    can_manage = permissions.can_manage_assessments(request.user, org)
    form = AssessmentCreateForm()
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = AssessmentCreateForm(request.POST)
        if form.is_valid():
            try:
                assessment = services.assessment_create(
                    actor=request.user, organisation=org, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
                status = 400
            else:
                messages.success(request, _("The assessment was created as a draft."))
                return redirect(assessment.get_absolute_url())
        else:
            status = 400
    return render(
        request,
        "capacity/organisation.html",
        {
            "org": org,
            "form": form,
            "can_manage": can_manage,
            "assessments": selectors.assessments_of(request.user, org),
        },
        status=status,
    )


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible_assessment(request, pk)
    can_manage = permissions.can_manage_assessment(request.user, assessment)
    respondent_form = RespondentForm(organisation=assessment.organisation)
    invite_form = RespondentInviteForm()
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "add_respondent":
                respondent_form = RespondentForm(request.POST, organisation=assessment.organisation)
                if not respondent_form.is_valid():
                    raise ValidationError(_("Correct the errors below."))
                services.respondent_add(
                    actor=request.user, assessment=assessment, **respondent_form.cleaned_data
                )
                messages.success(request, _("The respondent was added."))
            elif action == "invite_respondent":
                invite_form = RespondentInviteForm(request.POST)
                if not invite_form.is_valid():
                    raise ValidationError(_("Correct the errors below."))
                outcome, _obj = services.respondent_invite(
                    actor=request.user,
                    assessment=assessment,
                    email=invite_form.cleaned_data["email"],
                    role_group=invite_form.cleaned_data["role_group"],
                    accept_url_builder=lambda token: request.build_absolute_uri(
                        reverse("accounts:accept_invitation", kwargs={"token": token})
                    ),
                )
                if outcome == "added":
                    messages.success(request, _("The respondent was added."))
                else:
                    messages.success(
                        request,
                        _("An invitation was sent to %(email)s.")
                        % {"email": invite_form.cleaned_data["email"]},
                    )
            elif action == "sharing":
                form = SharingForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a valid sharing level."))
                services.assessment_update_sharing(
                    actor=request.user,
                    assessment=assessment,
                    sharing_level=form.cleaned_data["sharing_level"],
                )
                messages.success(request, _("Sharing was updated."))
            elif action in services.TRANSITIONS:
                services.assessment_transition(
                    actor=request.user, assessment=assessment, action=action
                )
                messages.success(
                    request,
                    _("The assessment is now: %(status)s.")
                    % {"status": Assessment.objects.get(pk=pk).get_status_display()},
                )
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            if action == "add_respondent" and respondent_form.is_bound:
                if not respondent_form.errors:
                    add_service_error(respondent_form, exc)
            elif action == "invite_respondent" and invite_form.is_bound:
                if not invite_form.errors:
                    add_service_error(invite_form, exc)
            else:
                for m in exc.messages:
                    messages.error(request, m)
            status = 400
        else:
            return redirect(assessment.get_absolute_url())
    capitals = selectors.framework_with_content(assessment.framework)
    me = selectors.respondent_of(request.user, assessment)
    return render(
        request,
        "capacity/assessment.html",
        {
            "assessment": assessment,
            "can_manage": can_manage,
            "respondents": selectors.respondents(assessment) if can_manage else [],
            "respondent_form": respondent_form,
            "invite_form": invite_form,
            "pending_invitations": Invitation.objects.filter(
                respondent_invitation__assessment=assessment, accepted_at__isnull=True
            )
            if can_manage
            else [],
            "sharing_form": SharingForm(initial={"sharing_level": assessment.sharing_level}),
            "me": me,
            "progress": selectors.progress_of(me, capitals) if me else None,
            "capitals": capitals,
            "transitions": _allowed_transitions(assessment) if can_manage else [],
        },
        status=status,
    )


def _allowed_transitions(assessment: Assessment) -> list[tuple[str, str]]:
    labels = {
        "open": _("Open for answers"),
        "close": _("Close answering"),
        "publish": _("Publish results"),
        "reopen": _("Reopen"),
    }
    return [
        (a, labels[a]) for a, (src, _t) in services.TRANSITIONS.items() if assessment.status in src
    ]


@login_required
def answer_capital(request: HttpRequest, pk: int, capital_key: str) -> HttpResponse:
    """Let a respondent score one capital's statements and note what would strengthen it."""
    assessment = _visible_assessment(request, pk)
    me = selectors.respondent_of(request.user, assessment)
    if me is None:
        raise PermissionDenied
    capitals = selectors.framework_with_content(assessment.framework)
    keys = [c.key for c in capitals]
    if capital_key not in keys:
        raise Http404
    capital = capitals[keys.index(capital_key)]
    next_key = (
        keys[keys.index(capital_key) + 1] if keys.index(capital_key) + 1 < len(keys) else None
    )
    prev_key = keys[keys.index(capital_key) - 1] if keys.index(capital_key) > 0 else None
    answers = selectors.answers_of(me)
    notes = selectors.notes_of(me)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not assessment.accepts_answers:
            messages.error(request, _("The assessment is not open for answers."))
            return redirect(assessment.get_absolute_url())
        parsed = []
        for st in capital.statements.all():
            raw = request.POST.get(f"s{st.pk}-score", "")
            evidence = request.POST.get(f"s{st.pk}-evidence", "").strip()
            values[f"s{st.pk}-score"], values[f"s{st.pk}-evidence"] = raw, evidence
            if raw == "":
                continue  # Unanswered statements may be answered later.
            if raw == "dont_know":
                parsed.append((st, None, True, evidence))
            elif raw in {"0", "1", "2", "3", "4"}:
                parsed.append((st, int(raw), False, evidence))
            else:
                errors[f"s{st.pk}"] = _("Choose a level from 0 to 4 or “don't know”.")
        strengthen = request.POST.get("strengthen", "").strip()
        form_choice = request.POST.get("collaboration_form", "")
        if form_choice and form_choice not in CollaborationForm.values:
            errors["collaboration_form"] = _("Choose a valid collaboration form.")
        if not errors:
            try:
                from django.db import transaction

                with transaction.atomic():
                    for st, score, dont_know, evidence in parsed:
                        services.answer_save(
                            actor=request.user,
                            assessment=assessment,
                            statement=st,
                            score=score,
                            dont_know=dont_know,
                            evidence=evidence,
                        )
                    if strengthen or form_choice or capital.pk in notes:
                        services.capital_note_save(
                            actor=request.user,
                            assessment=assessment,
                            capital=capital,
                            strengthen=strengthen,
                            collaboration_form=form_choice,
                        )
            except ValidationError as exc:
                errors["__all__"] = " ".join(exc.messages)
            else:
                messages.success(
                    request,
                    _("Your answers for %(capital)s were saved.") % {"capital": capital.t.name},
                )
                if request.POST.get("go") == "next" and next_key:
                    return redirect("capacity:answer", pk=pk, capital_key=next_key)
                return redirect("capacity:answer", pk=pk, capital_key=capital_key)
        status = 400
    rows = []
    for st in capital.statements.all():
        a = answers.get(st.pk)
        current = (
            values.get(f"s{st.pk}-score")
            if values
            else (("dont_know" if a.dont_know else str(a.score)) if a else "")
        )
        rows.append(
            {
                "statement": st,
                "levels": [(str(i), tr_dict(st.levels.get(str(i)))) for i in range(5)],
                "current": current,
                "evidence": values.get(f"s{st.pk}-evidence")
                if values
                else (a.evidence if a else ""),
                "error": errors.get(f"s{st.pk}"),
            }
        )
    note = notes.get(capital.pk)
    return render(
        request,
        "capacity/answer.html",
        {
            "assessment": assessment,
            "capital": capital,
            "rows": rows,
            "capitals": capitals,
            "next_key": next_key,
            "prev_key": prev_key,
            "errors": errors,
            "strengthen": request.POST.get("strengthen", "")
            if values
            else (note.strengthen if note else ""),
            "collaboration_form": request.POST.get("collaboration_form", "")
            if values
            else (note.collaboration_form if note else ""),
            "form_choices": collaboration_form_choices(),
            "progress": selectors.progress_of(me, capitals),
            "readonly": not assessment.accepts_answers,
        },
        status=status,
    )


@login_required
@require_POST
def answer_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Save one answer from the answer page's script (progressive enhancement)."""
    assessment = _assessment(pk)
    try:
        statement = Statement.objects.select_related("capital").get(
            pk=int(request.POST.get("statement", "0"))
        )
    except (Statement.DoesNotExist, ValueError):
        return JsonResponse({"ok": False, "error": _("Unknown statement.")}, status=400)
    raw = request.POST.get("score", "")
    try:
        score = None if raw == "dont_know" else int(raw)
    except ValueError:
        return JsonResponse(
            {"ok": False, "error": _("Choose a level from 0 to 4 or “don't know”.")}, status=400
        )
    try:
        services.answer_save(
            actor=request.user,
            assessment=assessment,
            statement=statement,
            score=score,
            dont_know=raw == "dont_know",
            evidence=request.POST.get("evidence", "").strip(),
        )
    except PermissionDenied as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"ok": True, "message": _("Saved")})


@login_required
@require_POST
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(pk)
    try:
        services.respondent_mark_done(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Thank you! Your answers are marked as done."))
    return redirect(assessment.get_absolute_url())


def _results_context(request: HttpRequest, assessment: Assessment) -> dict:
    capitals = selectors.framework_with_content(assessment.framework)
    results = selectors.assessment_capital_results(assessment)
    names = {c.key: c.t.name for c in capitals}
    previous = selectors.previous_assessment(assessment, request.user)
    prev_scores = selectors.stored_scores(previous) if previous else {}
    groups = selectors.peer_groups(assessment.organisation)
    chosen_key = request.GET.get("peers") or (groups[0].key if groups else "")
    chosen = next((g for g in groups if g.key == chosen_key), groups[0] if groups else None)
    comparison = selectors.peer_comparison(chosen, assessment.year) if chosen else None
    rows = []
    for c in capitals:
        r = results[c.key]
        prev = prev_scores.get(c.key)
        rows.append(
            {
                "key": c.key,
                "name": c.t.name,
                "score": r.score,
                "share": r.share_answered,
                "answered": r.answered,
                "total": r.total,
                "consensus": r.consensus,
                "low_consensus": r.low_consensus,
                "change": (
                    round(r.score - prev, 1) if r.score is not None and prev is not None else None
                ),
                "peer": comparison.medians.get(c.key) if comparison and comparison.enough else None,
            }
        )
    start = scoring.where_to_start(
        {k: r.score for k, r in results.items()}, assessment.framework.building_steps
    )
    start_rows = [
        {"key": k, "name": names.get(k, k), "priority": p, "step": s + 1, "score": results[k].score}
        for k, p, s in start
    ]
    chart = charts.horizontal_bars(
        chart_id="profile-chart",
        title=_("Transition capacity profile, %(org)s %(year)s")
        % {"org": assessment.organisation.display_name, "year": assessment.year},
        description=_("Score 0–100 per capital. ")
        + "; ".join(
            f"{row['name']}: {row['score'] if row['score'] is not None else '–'}" for row in rows
        ),
        labels=[row["name"] for row in rows],
        values=[row["score"] for row in rows],
        markers=[row["peer"] for row in rows] if comparison and comparison.enough else None,
        marker_label=_("Peer median"),
        missing_text=_("no answers"),
    )
    can_details = permissions.can_view_respondent_details(request.user, assessment)
    return {
        "assessment": assessment,
        "rows": rows,
        "chart": chart,
        "previous": previous,
        "groups": groups,
        "chosen": chosen,
        "comparison": comparison,
        "min_peers": selectors.MIN_PEERS,
        "start_rows": start_rows,
        "names": names,
        "can_details": can_details,
        "low_consensus_threshold": scoring.LOW_CONSENSUS,
        "results": results,
    }


def assessment_results(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _visible_assessment(request, pk)
    context = _results_context(request, assessment)
    is_insider = permissions.can_view_people(request.user, assessment.organisation)
    if is_insider and assessment.mode == Mode.GROUP:
        context["details"] = selectors.statement_details(assessment, results=context["results"])
        context["can_agree"] = permissions.can_manage_assessment(
            request.user, assessment
        ) and assessment.status in (Status.OPEN, Status.CLOSED)
    if is_insider:
        context["notes"] = selectors.needs_from_notes(assessment)
    return render(request, "capacity/results.html", context)


def assessment_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """One printable page for politicians and managers."""
    assessment = _visible_assessment(request, pk)
    context = _results_context(request, assessment)
    return render(request, "capacity/summary.html", context)


@login_required
@require_POST
def agreed_score(request: HttpRequest, pk: int, statement_id: int) -> HttpResponse:
    assessment = _visible_assessment(request, pk)
    if not permissions.can_manage_assessment(request.user, assessment):
        raise PermissionDenied
    statement = get_object_or_404(Statement.objects.select_related("capital"), pk=statement_id)
    form = AgreedScoreForm(request.POST)
    anchor = f"#st-{statement_id}"
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, f"{statement.key}: {e}")
        return redirect(reverse("capacity:results", kwargs={"pk": pk}) + anchor)
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
        return redirect(reverse("capacity:results", kwargs={"pk": pk}) + anchor)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect(reverse("capacity:results", kwargs={"pk": pk}) + anchor)
    messages.success(request, _("The agreed score for %(key)s was saved.") % {"key": statement.key})
    return redirect(reverse("capacity:results", kwargs={"pk": pk}) + anchor)


@login_required
def regional(request: HttpRequest, slug: str) -> HttpResponse:
    body = get_object_or_404(Organisation, slug=slug)
    if not permissions.can_view_regional_overview(request.user, body):
        raise PermissionDenied
    form = RegionalFilterForm(request.GET or None, years=selectors.regional_years(body))
    year, pop = None, ""
    if form.is_bound and form.is_valid():
        year = form.cleaned_data.get("year")
        pop = form.cleaned_data.get("population_class") or ""
    overview = selectors.regional_overview(
        user=request.user, body=body, year=year, population_class=pop
    )
    capital_names = dict(CapitalKey.choices)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        headers = [_("Municipality"), _("Code"), _("Year")] + [
            str(capital_names[k]) for k, _l in overview.capitals
        ]
        rows = [
            [r["org"].name, r["org"].code or "", overview.year if r["assessment_id"] else ""]
            + [r["scores"].get(k) for k, _l in overview.capitals]
            for r in overview.rows
        ]
        return export_response(
            rows=rows,
            headers=headers,
            fmt=fmt,
            filename=f"kraftsamla-kapacitet-{body.slug}",
            sheet=_("Capacity"),
        )
    cells = []
    for r in overview.rows:
        cells.append(
            {
                "org": r["org"],
                "assessment_id": r["assessment_id"],
                "url": reverse("capacity:results", kwargs={"pk": r["assessment_id"]})
                if r["assessment_id"]
                else "",
                "cells": [
                    (r["scores"].get(k), charts.score_band(r["scores"].get(k)))
                    for k, _l in overview.capitals
                ],
            }
        )
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "capacity/regional.html",
        {
            "body": body,
            "overview": overview,
            "form": form,
            "cells": cells,
            "distribution": overview.distribution(),
            "shared_needs": overview.shared_needs()[:3],
            "query": query.urlencode(),
            "low_score": int(scoring.LOW_SCORE),
        },
    )
