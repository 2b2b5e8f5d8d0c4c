"""Pages for regional support: offers, needs, coverage grid, recommendations, uptake."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.capacity.models import Assessment, CapitalKey, CollaborationForm
from kraftsamla.core import permissions
from kraftsamla.core.exports import export_response
from kraftsamla.core.forms import add_service_error
from kraftsamla.organisations.models import COORDINATING_KINDS, Organisation
from kraftsamla.support import selectors, services
from kraftsamla.support.forms import EnrolForm, GridFilterForm, NeedForm, OfferForm, RatingForm
from kraftsamla.support.models import Enrolment, EnrolmentStatus, Offer


def _body(slug: str) -> Organisation:
    body = get_object_or_404(Organisation, slug=slug)
    if body.kind not in COORDINATING_KINDS:
        raise Http404(_("Not a regional body or programme."))
    return body


def index(request: HttpRequest) -> HttpResponse:
    bodies = Organisation.objects.filter(
        kind__in=COORDINATING_KINDS, support_offers__isnull=False
    ).distinct()
    own = []
    if request.user.is_authenticated:
        own = [
            r.organisation for r in request.user.organisation_roles.select_related("organisation")
        ]
    return render(request, "support/index.html", {"bodies": bodies, "own": own})


def offer_list(request: HttpRequest, slug: str) -> HttpResponse:
    body = _body(slug)
    offers = selectors.offers_of(body)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows = [
            [
                o.title,
                ", ".join(o.capital_labels()),
                o.get_collaboration_form_display(),
                ", ".join(o.target_group_labels()),
                o.get_format_display(),
                o.get_status_display(),
                o.seats,
                o.enrolled,
                o.waiting,
                o.start_date,
                o.end_date,
                o.source_ref,
            ]
            for o in offers
        ]
        headers = [
            _("Title"),
            _("Capitals"),
            _("Collaboration form"),
            _("Target groups"),
            _("Format"),
            _("Status"),
            _("Seats"),
            _("Enrolled"),
            _("Waiting"),
            _("Starts"),
            _("Ends"),
            _("Source"),
        ]
        return export_response(
            rows=rows,
            headers=headers,
            fmt=fmt,
            filename=f"kraftsamla-erbjudanden-{body.slug}",
            sheet=_("Offers"),
        )
    return render(
        request,
        "support/offers.html",
        {
            "body": body,
            "offers": offers,
            "can_manage": permissions.can_manage_offers(request.user, body),
        },
    )


@login_required
@require_POST
def import_catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    body = _body(slug)
    if not permissions.can_manage_offers(request.user, body):
        raise PermissionDenied
    created, existing = services.starter_catalogue_import(actor=request.user, provider=body)
    messages.success(
        request,
        _(
            "Starter catalogue: %(created)d offers imported as planned, %(existing)d "
            "were already there. Edit them and open them when ready."
        )
        % {"created": created, "existing": existing},
    )
    return redirect("support:offers", slug=body.slug)


@login_required
def offer_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    body = _body(slug)
    if not permissions.can_manage_offers(request.user, body):
        raise PermissionDenied
    offer = get_object_or_404(Offer, pk=pk, provider=body) if pk else None
    initial = {f: getattr(offer, f) for f in services.OFFER_FIELDS} if offer else {}
    form = OfferForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                offer = services.offer_save(
                    actor=request.user, provider=body, data=form.cleaned_data, offer=offer
                )
            except ValidationError as exc:
                add_service_error(form, exc)
                status = 400
            else:
                messages.success(request, _("The offer was saved."))
                return redirect(offer.get_absolute_url())
        else:
            status = 400
    return render(
        request,
        "support/offer_form.html",
        {"body": body, "offer": offer, "form": form},
        status=status,
    )


def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = selectors.offer_get(pk)
    except Offer.DoesNotExist as exc:
        raise Http404 from exc
    user = request.user
    can_manage = permissions.can_manage_offers(user, offer.provider)
    my_orgs = []
    if user.is_authenticated:
        my_orgs = [
            r.organisation
            for r in user.organisation_roles.select_related("organisation")
            if services.offer_is_open_to(offer, r.organisation)
        ]
    enrolments = selectors.enrolments_of_offer(offer)
    visible_enrolments = [
        e for e in enrolments if can_manage or permissions.role_in(user, e.organisation)
    ]
    for e in visible_enrolments:
        # Show "Cancel" only to those the service lets cancel: the person or their editors.
        e.can_cancel = e.participant_id == getattr(
            user, "pk", None
        ) or permissions.can_enrol_others(user, e.organisation)
    mine = next((e for e in enrolments if e.participant_id == getattr(user, "pk", None)), None)
    rating_form = None
    if mine and mine.status == EnrolmentStatus.ENROLLED and services.offer_has_ended(offer):
        existing = getattr(mine, "rating", None) if hasattr(mine, "rating") else None
        rating_form = RatingForm(
            initial={"score": existing.score, "comment": existing.comment} if existing else None
        )
    # One form per organisation of the user: each gets its own ids (auto_id), not id_participant.
    enrol_forms = (
        [
            (
                o,
                EnrolForm(
                    organisation=o, initial={"participant": user.pk}, auto_id=f"id_{o.slug}_%s"
                ),
                permissions.can_enrol_others(user, o),
            )
            for o in my_orgs
        ]
        if offer.is_available
        else []
    )
    return render(
        request,
        "support/offer.html",
        {
            "offer": offer,
            "can_manage": can_manage,
            "enrolments": visible_enrolments,
            "mine": mine,
            "taken": sum(1 for e in enrolments if e.status == EnrolmentStatus.ENROLLED),
            "waiting": sum(1 for e in enrolments if e.status == EnrolmentStatus.WAITING),
            "enrol_forms": enrol_forms,
            "rating_form": rating_form,
            "effect": selectors.effect(offer=offer) if can_manage else None,
        },
    )


@login_required
@require_POST
def enrol(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    organisation = get_object_or_404(Organisation, slug=slug)
    form = EnrolForm(request.POST, organisation=organisation)
    if not form.is_valid():
        messages.error(request, _("Choose a participant from your organisation."))
        return redirect(offer.get_absolute_url())
    try:
        enrolment = services.enrolment_create(
            actor=request.user,
            offer=offer,
            organisation=organisation,
            participant=form.cleaned_data["participant"],
        )
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        if enrolment.status == EnrolmentStatus.WAITING:
            messages.warning(
                request,
                _("The offer is full: %(who)s is on the waiting list.")
                % {"who": enrolment.participant},
            )
        else:
            messages.success(request, _("%(who)s is enrolled.") % {"who": enrolment.participant})
    return redirect(offer.get_absolute_url())


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.select_related("offer", "organisation"), pk=pk)
    promoted = services.enrolment_cancel(actor=request.user, enrolment=enrolment)
    messages.success(request, _("The enrolment was cancelled."))
    if promoted:
        messages.info(
            request,
            _("%(who)s got the seat from the waiting list.") % {"who": promoted.participant},
        )
    return redirect(enrolment.offer.get_absolute_url())


@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.select_related("offer", "organisation"), pk=pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_save(
                actor=request.user,
                enrolment=enrolment,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(request, _("Thank you for your rating."))
    else:
        messages.error(request, _("Give a rating from 1 to 5."))
    return redirect(enrolment.offer.get_absolute_url())


@login_required
def coverage(request: HttpRequest, slug: str) -> HttpResponse:
    body = _body(slug)
    if not permissions.can_view_coverage(request.user, body):
        raise PermissionDenied
    form = GridFilterForm(request.GET or None)
    target_group, year = "", None
    if form.is_bound and form.is_valid():
        target_group = form.cleaned_data.get("target_group") or ""
        year = form.cleaned_data.get("year")
    grid = selectors.coverage_grid(body=body, target_group=target_group, year=year)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        rows = []
        for _key, label, cells, _nf in grid.rows():
            for cell in cells:
                rows.append(
                    [
                        label,
                        str(CollaborationForm(cell.form).label),
                        len(cell.needs),
                        ", ".join(cell.municipalities),
                        len(cell.offers),
                        len(cell.available_offers),
                        cell.seats if cell.seats is not None else _("no limit"),
                        cell.uptake,
                        _("gap")
                        if cell.is_gap
                        else (_("offer without need") if cell.is_unused else ""),
                        "; ".join(o.title for o in cell.offers),
                    ]
                )
        headers = [
            _("Capital"),
            _("Collaboration form"),
            _("Shared needs"),
            _("Municipalities with the need"),
            _("Offers"),
            _("Open offers"),
            _("Seats"),
            _("Uptake"),
            _("Finding"),
            _("Offer titles"),
        ]
        return export_response(
            rows=rows,
            headers=headers,
            fmt=fmt,
            filename=f"kraftsamla-erbjudandestruktur-{body.slug}",
            sheet=_("Offer structure"),
        )
    focus = request.GET.get("cell", "")
    focus_cell = None
    if ":" in focus:
        c, f = focus.split(":", 1)
        focus_cell = grid.cells.get((c, f))
        if focus_cell is not None:
            focus_cell.title = f"{CapitalKey(c).label} × {CollaborationForm(f).label}"
    query = request.GET.copy()
    for k in ("format", "cell"):
        query.pop(k, None)
    return render(
        request,
        "support/coverage.html",
        {
            "body": body,
            "grid": grid,
            "form": form,
            "focus_cell": focus_cell,
            "query": query.urlencode(),
            "can_manage": permissions.can_manage_offers(request.user, body),
        },
    )


@login_required
def uptake(request: HttpRequest, slug: str) -> HttpResponse:
    body = _body(slug)
    if not permissions.can_view_coverage(request.user, body):
        raise PermissionDenied
    return render(request, "support/uptake.html", {"body": body, **selectors.uptake(body=body)})


@login_required
def organisation_support(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(Organisation, slug=slug)
    if not permissions.can_view_recommendations(request.user, org):
        raise PermissionDenied
    can_register = permissions.can_register_need(request.user, org)
    form = NeedForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "need":
            form = NeedForm(request.POST)
            if form.is_valid():
                try:
                    services.need_save(actor=request.user, organisation=org, data=form.cleaned_data)
                except ValidationError as exc:
                    add_service_error(form, exc)
                    status = 400
                else:
                    messages.success(request, _("The need was registered."))
                    return redirect("support:organisation", slug=org.slug)
            else:
                status = 400
        elif action == "from_assessment":
            try:
                assessment_pk = int(request.POST.get("assessment", ""))
            except ValueError as exc:
                raise Http404 from exc
            assessment = get_object_or_404(Assessment, pk=assessment_pk, organisation=org)
            n = services.needs_from_assessment(actor=request.user, assessment=assessment)
            messages.success(
                request, _("%(n)d needs were created from the assessment's notes.") % {"n": n}
            )
            return redirect("support:organisation", slug=org.slug)
        elif action == "digest":
            services.digest_subscription_set(
                actor=request.user, organisation=org, active=request.POST.get("active") == "1"
            )
            messages.success(request, _("Your digest setting was saved."))
            return redirect("support:organisation", slug=org.slug)
        else:
            raise PermissionDenied
    ranked, info = selectors.recommendations(organisation=org, user=request.user)
    needs = org.support_needs.all().order_by("priority", "-created_at")
    from kraftsamla.support.models import DigestSubscription

    sub = (
        DigestSubscription.objects.filter(user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    return render(
        request,
        "support/organisation.html",
        {
            "org": org,
            "form": form,
            "can_register": can_register,
            "needs": needs,
            "recommendations": ranked,
            "info": info,
            "assessments": Assessment.objects.filter(organisation=org).order_by("-year")
            if can_register
            else [],
            "enrolments": Enrolment.objects.filter(organisation=org)
            .exclude(status=EnrolmentStatus.CANCELLED)
            .select_related("offer", "participant")
            .order_by("-created_at")[:50],
            "subscription": sub,
            "capital_names": dict(CapitalKey.choices),
        },
        status=status,
    )


def ranking_help(request: HttpRequest) -> HttpResponse:
    return render(request, "support/ranking.html", {"doc": selectors.recommendations.__doc__})


def _reverse_offer(offer) -> str:
    return reverse("support:offer", kwargs={"pk": offer.pk})
