"""Pages of twinning programmes: the list, the progress page with its timeline, a replication
plan's form, approving a plan and closing the programme."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.forms import submit_form
from kraftsamla.core.models import EDIT_ROLES
from kraftsamla.organisations.models import Organisation
from kraftsamla.twinning import selectors, services
from kraftsamla.twinning.forms import (
    MeetingForm,
    ModuleForm,
    ParticipantAddForm,
    ParticipantForm,
    ProgrammeForm,
    ReplicationPlanForm,
    TravelClaimForm,
    bilingual,
    module_initial,
)
from kraftsamla.twinning.models import (
    ClaimStatus,
    LinkRole,
    ReplicationPlan,
    ReplicationTemplate,
    TravelClaim,
)
from kraftsamla.twinning.timeline import timeline_svg

VIEW = "twinning.programme.view"
MANAGE = "twinning.programme.manage"
EDIT_PLAN = "twinning.plan.edit"
APPROVE_PLAN = "twinning.plan.approve"
CREATE = "twinning.programme.create"
SUBMIT_CLAIM = "twinning.claim.submit"
DECIDE_CLAIM = "twinning.claim.decide"


@checks(VIEW, CREATE)
@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    """The programmes the person follows: as organiser or as a participant."""
    can_create = any(access.allows(request, CREATE, org) for org in _organisers(request))
    return render(
        request,
        "twinning/programmes.html",
        {"programmes": selectors.programmes_visible(request), "can_create": can_create},
    )


def _progress_page(
    request,
    programme,
    *,
    error: str = "",
    status: int = 200,
    meeting_form: MeetingForm | None = None,
    claim_form: TravelClaimForm | None = None,
    participant_form: ParticipantAddForm | None = None,
) -> HttpResponse:
    progress = selectors.progress_of(programme)
    can_manage = access.allows(request, MANAGE, programme)
    if can_manage:
        meeting_form = meeting_form or MeetingForm(programme=programme, auto_id="meeting-%s")
        participant_form = participant_form or ParticipantAddForm(auto_id="participant-%s")
    claimants = _claimants(request, programme)
    if claim_form is None and claimants.exists():
        claim_form = TravelClaimForm(participants=claimants, auto_id="claim-%s")
    submitted = [
        claim
        for claim in progress.claims
        if claim.status == ClaimStatus.SUBMITTED and access.allows(request, DECIDE_CLAIM, claim)
    ]
    timeline = timeline_svg(
        title=_("Timeline of %(programme)s") % {"programme": programme.title},
        start=programme.start_date,
        end=progress.end,
        modules=progress.modules,
        meetings=progress.meetings,
        today=timezone.localdate(),
    )
    rows = [
        {
            "participant": participant,
            "plan": getattr(participant, "replication_plan", None),
            "claimed": progress.claimed[participant.pk],
            "can_edit": participant.needs_plan and access.allows(request, EDIT_PLAN, participant),
            "can_approve": access.allows(request, APPROVE_PLAN, participant),
        }
        for participant in progress.participants
    ]
    return render(
        request,
        "twinning/progress.html",
        {
            "programme": programme,
            "progress": progress,
            "timeline": timeline,
            "rows": rows,
            "can_manage": can_manage,
            "meeting_form": meeting_form if can_manage else None,
            "participant_form": participant_form if can_manage else None,
            "claim_form": claim_form,
            "submitted_claims": submitted,
            "close_error": error,
            "now": timezone.now(),
        },
        status=status,
    )


def _claimants(request, programme):
    """The participants the person may submit travel claims for."""
    return access.scope(request, SUBMIT_CLAIM, programme.participants.all())


@checks(VIEW, MANAGE, EDIT_PLAN, APPROVE_PLAN, SUBMIT_CLAIM, DECIDE_CLAIM)
@login_required
def programme_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Modules done, meetings held, plans approved, a timeline and the table behind it."""
    return _progress_page(request, selectors.programme_get(request, pk))


@checks(MANAGE)
@login_required
@require_POST
def programme_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the programme, or show which replication plans are missing (status 400)."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    try:
        services.programme_close(actor=request.user, programme=programme)
    except ValidationError as exc:
        return _progress_page(request, programme, error=" ".join(exc.messages), status=400)
    return redirect("twinning:programme", pk=programme.pk)


@checks(EDIT_PLAN)
@login_required
def plan_edit(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    """A twin or peer city's replication plan, section by section of its template version."""
    programme = selectors.programme_get(request, pk)
    participant = selectors.participant_get(programme, participant_pk)
    access.require(request, EDIT_PLAN, participant)
    plan = (
        ReplicationPlan.objects.filter(participant=participant).select_related("template").first()
    )
    template = plan.template if plan else ReplicationTemplate.objects.latest()
    form = ReplicationPlanForm(
        request.POST or None,
        sections=template.sections,
        initial=plan.answers if plan else {},
        auto_id="plan-%s",
    )
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.plan_save(
                actor=request.user, participant=participant, answers=data
            ),
            redirect_to=lambda saved: f"{programme_url(programme)}#plans-heading",
            message=_("The replication plan was saved."),
        )
        if response is not None:
            return response
    return render(
        request,
        "twinning/plan_form.html",
        {
            "programme": programme,
            "participant": participant,
            "plan": plan,
            "form": form,
            "template": template,
        },
        status=400 if form.errors else 200,
    )


@checks(APPROVE_PLAN)
@login_required
@require_POST
def plan_approve(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    programme = selectors.programme_get(request, pk)
    participant = selectors.participant_get(programme, participant_pk)
    access.require(request, APPROVE_PLAN, participant)
    plan = ReplicationPlan.objects.filter(participant=participant).first()
    if plan is None:
        return _progress_page(
            request, programme, error=_("There is no plan to approve yet."), status=400
        )
    try:
        services.plan_approve(actor=request.user, plan=plan)
    except ValidationError as exc:
        return _progress_page(request, programme, error=" ".join(exc.messages), status=400)
    return redirect(f"{programme_url(programme)}#plans-heading")


def programme_url(programme) -> str:
    return reverse("twinning:programme", kwargs={"pk": programme.pk})


@checks(VIEW)
@login_required
def programme_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's meetings and module deadlines as an iCalendar file."""
    from kraftsamla.twinning.calendar import programme_calendar

    programme = selectors.programme_get(request, pk)
    document = programme_calendar(
        programme, list(programme.modules.all()), list(programme.meetings.all())
    )
    response = HttpResponse(document, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kraftsamla-program-{programme.pk}.ics"'
    )
    return response


@checks(MANAGE)
@login_required
@require_POST
def meeting_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a meeting; errors show at the form's fields on the progress page (status 400)."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    form = MeetingForm(request.POST, programme=programme, auto_id="meeting-%s")

    def save(data: dict):
        participants = data.pop("participants")
        return services.meeting_save(
            actor=request.user, programme=programme, data=data, participants=participants
        )

    response = submit_form(
        request,
        form,
        save,
        redirect_to=f"{programme_url(programme)}#meetings-heading",
        message=_("The meeting was saved."),
    )
    return response or _progress_page(request, programme, status=400, meeting_form=form)


@checks(MANAGE)
@login_required
def meeting_edit(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """Change a meeting: time, place, agenda, participants, notes, decisions, follow-up."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    meeting = get_object_or_404(programme.meetings, pk=meeting_pk)
    initial = {name: getattr(meeting, name) for name in services.MEETING_FIELDS}
    initial["participants"] = list(meeting.participants.all())
    form = MeetingForm(request.POST or None, programme=programme, initial=initial)

    def save(data: dict):
        participants = data.pop("participants")
        return services.meeting_save(
            actor=request.user,
            programme=programme,
            data=data,
            participants=participants,
            meeting=meeting,
        )

    return _edit_page(
        request,
        programme,
        form,
        save,
        anchor="meetings-heading",
        message=_("The meeting was saved."),
        title=_("Change the meeting %(title)s") % {"title": meeting.title},
        button=_("Save the meeting"),
    )


def _edit_page(
    request, programme, form, save, *, anchor: str, message: str, title: str, button: str
) -> HttpResponse:
    """Save a posted form through `save` and go back to the progress page at `anchor`, or
    show the form (again, with its errors and status 400)."""
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            save,
            redirect_to=f"{programme_url(programme)}#{anchor}",
            message=message,
        )
        if response is not None:
            return response
    return render(
        request,
        "twinning/edit_form.html",
        {"programme": programme, "form": form, "title": title, "button": button},
        status=400 if form.errors else 200,
    )


@checks(VIEW, SUBMIT_CLAIM)
@login_required
@require_POST
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit a travel claim, checked against the ceiling; errors at the fields (status 400).

    A participant's editors claim for their municipality; the organiser's for anyone.
    """
    programme = selectors.programme_get(request, pk)
    claimants = _claimants(request, programme)
    if not claimants.exists():
        raise PermissionDenied
    form = TravelClaimForm(request.POST, participants=claimants, auto_id="claim-%s")
    response = submit_form(
        request,
        form,
        lambda data: services.travel_claim_add(actor=request.user, **data),
        redirect_to=f"{programme_url(programme)}#plans-heading",
        message=lambda claim: (
            _("The travel claim was added.")
            if claim.status == ClaimStatus.APPROVED
            else _("The travel claim was sent to the organiser.")
        ),
    )
    return response or _progress_page(request, programme, status=400, claim_form=form)


@checks(DECIDE_CLAIM)
@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int, claim_pk: int) -> HttpResponse:
    """Approve (`decision=approve`) or reject (`decision=reject`) a submitted claim."""
    programme = selectors.programme_get(request, pk)
    claim = get_object_or_404(
        TravelClaim.objects.select_related("participant__programme__organiser"),
        participant__programme=programme,
        pk=claim_pk,
    )
    access.require(request, DECIDE_CLAIM, claim)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        return _progress_page(request, programme, error=_("Choose approve or reject."), status=400)
    try:
        services.travel_claim_decide(actor=request.user, claim=claim, approve=decision == "approve")
    except ValidationError as exc:
        return _progress_page(request, programme, error=" ".join(exc.messages), status=400)
    return redirect(f"{programme_url(programme)}#claims-heading")


@checks(MANAGE)
@login_required
def module_edit(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    """Change a module's title, goal, dates and place in the order."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    module = get_object_or_404(programme.modules, order=order)
    form = ModuleForm(request.POST or None, initial=module_initial(module))

    def save(data: dict):
        return services.module_update(
            actor=request.user,
            module=module,
            title=bilingual(data["title_sv"], data["title_en"]),
            goal=bilingual(data["goal_sv"], data["goal_en"]),
            start_date=data["start_date"],
            end_date=data["end_date"],
            order=data["order"],
        )

    return _edit_page(
        request,
        programme,
        form,
        save,
        anchor="modules-heading",
        message=_("The module was saved."),
        title=_("Change module %(order)s") % {"order": module.order},
        button=_("Save the module"),
    )


@checks(MANAGE)
@login_required
@require_POST
def participant_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a municipality with a role; errors at the fields on the progress page (400)."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    form = ParticipantAddForm(request.POST, auto_id="participant-%s")
    response = submit_form(
        request,
        form,
        lambda data: services.participant_add(actor=request.user, programme=programme, **data),
        redirect_to=f"{programme_url(programme)}#plans-heading",
        message=_("The municipality was added."),
    )
    return response or _progress_page(request, programme, status=400, participant_form=form)


@checks(MANAGE)
@login_required
def participant_edit(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    """Change a participant's role, or end its part in the programme."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    participant = selectors.participant_get(programme, participant_pk)
    form = ParticipantForm(
        request.POST or None, initial={"role": participant.role, "left_on": participant.left_on}
    )
    return _edit_page(
        request,
        programme,
        form,
        lambda data: services.participant_update(
            actor=request.user, participant=participant, **data
        ),
        anchor="plans-heading",
        message=_("The participant was saved."),
        title=_("Change the part of %(name)s") % {"name": participant.organisation.display_name},
        button=_("Save"),
    )


@checks(MANAGE)
@login_required
@require_POST
def module_done(request: HttpRequest, pk: int, order: int) -> HttpResponse:
    """Mark a module done, or not done again (`done=0`)."""
    programme = selectors.programme_get(request, pk)
    access.require(request, MANAGE, programme)
    module = get_object_or_404(programme.modules, order=order)
    services.module_mark_done(
        actor=request.user, module=module, done=request.POST.get("done", "1") != "0"
    )
    return redirect(f"{programme_url(programme)}#modules-heading")


def _organisers(request):
    """The organisations the person may create programmes for."""
    if access.access_of(request).is_staff:
        return selectors.programme_choices()
    ids = access.access_of(request).organisation_ids(EDIT_ROLES)
    return Organisation.objects.filter(pk__in=ids).order_by("name")


@checks(CREATE)
@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    """Start a programme: title, organiser, period, modules and participants."""
    organisers = _organisers(request)
    if not any(access.allows(request, CREATE, org) for org in organisers):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None, organisers=organisers, auto_id="programme-%s")

    def save(data: dict):
        participants = [
            *((o, data["lead_role"]) for o in data["leads"]),
            *((o, LinkRole.TWIN) for o in data["twins"]),
            *((o, LinkRole.PEER) for o in data["peers"]),
        ]
        title = {"sv": data["title_sv"], **({"en": data["title_en"]} if data["title_en"] else {})}
        return services.programme_create(
            actor=request.user,
            organiser=data["organiser"],
            title=title,
            start_date=data["start_date"],
            months=data["months"],
            travel_ceiling=data["travel_ceiling"],
            modules=services.modules_evenly(
                data["module_titles"], data["start_date"], data["months"]
            ),
            participants=participants,
        )

    if request.method == "POST":
        response = submit_form(
            request,
            form,
            save,
            redirect_to=programme_url,
            message=_("The programme was created."),
        )
        if response is not None:
            return response
    return render(
        request, "twinning/programme_form.html", {"form": form}, status=400 if form.errors else 200
    )
