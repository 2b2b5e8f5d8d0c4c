"""Pages for regional support: offers, needs, coverage grid, recommendations, uptake.

Each view parses its input with a form, calls one service and answers with a
redirect, or the page again with the form's errors (status 400).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kraftsamla.accounts import selectors as account_selectors
from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC, checks
from kraftsamla.core.caching import cached_block, cached_value, declare, not_modified, with_etag
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.support import selectors, services
from kraftsamla.support.forms import (
    DigestForm,
    EnrolForm,
    GridFilterForm,
    NeedForm,
    NeedsFromAssessmentForm,
    OfferForm,
    RatingForm,
)
from kraftsamla.support.models import Enrolment, EnrolmentStatus, Offer
from kraftsamla.support.tables import needs_rows


@checks(PUBLIC)
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/index.html",
        {
            "bodies": selectors.bodies_with_offers(),
            "own": account_selectors.organisations_of(request.user),
        },
    )


@checks(PUBLIC)
def ranking_help(request: HttpRequest) -> HttpResponse:
    return render(request, "support/ranking.html", {"points": selectors.RANKING})


# --- Offers ------------------------------------------------------------------------------

SEATS_NOTE = gettext_lazy(
    "Seats is the total of the cell's open offers; it is empty where no offer is open "
    "or an open offer has no limit on the number of seats."
)
UPTAKE_EXPLANATION = gettext_lazy(
    "Uptake is the number of organisations enrolled in the cell's offers (not counting "
    "the waiting list)."
)


def _offers_export(body: Organisation, offers, fmt: str) -> HttpResponse:
    return export_table(
        items=offers,
        columns=[
            (_("Title"), lambda offer: offer.title),
            (_("Capitals"), lambda offer: ", ".join(offer.capital_labels())),
            (_("Collaboration form"), lambda offer: offer.get_collaboration_form_display()),
            (_("Target groups"), lambda offer: ", ".join(offer.target_group_labels())),
            (_("Format"), lambda offer: offer.get_format_display()),
            (_("Status"), lambda offer: offer.get_status_display()),
            (_("Seats"), lambda offer: offer.seats),
            (_("Enrolled"), lambda offer: offer.enrolled),
            (_("Waiting"), lambda offer: offer.waiting),
            (_("Starts"), lambda offer: offer.start_date),
            (_("Ends"), lambda offer: offer.end_date),
            (_("Source"), lambda offer: offer.source_display),
        ],
        fmt=fmt,
        filename=f"kraftsamla-erbjudanden-{body.slug}",
        sheet=_("Offers"),
        source=body.name,
        notes=[_("Seats is empty for an offer with no limit on the number of seats.")],
        demo=any(offer.is_demo for offer in offers),
    )


@checks("support.offer.view", "support.offer.manage")
def offer_list(request: HttpRequest, slug: str) -> HttpResponse:
    body = organisation_selectors.coordinating_body_get(slug)
    can_manage = access.allows(request, "support.offer.manage", body)
    offers = selectors.offers_of(body)
    fmt = export_format(request)
    if fmt:
        return _offers_export(body, offers, fmt)
    return render(
        request,
        "support/offers.html",
        {"body": body, "offers": offers, "can_manage": can_manage},
    )


@checks("support.offer.manage")
@login_required
@require_POST
def import_catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    body = organisation_selectors.coordinating_body_get(slug)
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


@checks("support.offer.manage")
@login_required
def offer_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "support.offer.manage", body)
    offer = get_object_or_404(Offer, pk=pk, provider=body) if pk else None
    if offer:
        initial = {name: getattr(offer, name) for name in services.OFFER_FIELDS}
    else:
        initial = OfferForm.initial_from_query(request.GET)
    form = OfferForm(request.POST or None, initial=initial)
    if request.method == "POST":
        response = submit_form(
            request,
            form,
            lambda data: services.offer_save(
                actor=request.user, provider=body, data=data, offer=offer
            ),
            redirect_to=lambda saved: saved.get_absolute_url(),
            message=_("The offer was saved."),
        )
        if response is not None:
            return response
    return render(
        request,
        "support/offer_form.html",
        {"body": body, "offer": offer, "form": form},
        status=form_status(form),
    )


def _enrol_forms(request: HttpRequest, offer: Offer) -> list[tuple[Organisation, EnrolForm, bool]]:
    """One enrolment form per organisation of the person that the offer is open to.

    Each form gets its own ids (auto_id), not id_participant.
    """
    if not offer.is_available:
        return []
    forms = []
    for organisation in selectors.organisations_to_enrol(request.user, offer):
        form = EnrolForm(
            organisation=organisation,
            offer=offer,
            initial={"participant": request.user.pk},
            auto_id=f"id_{organisation.slug}_%s",
        )
        can_others = access.allows(request, "support.enrolment.create_for_others", organisation)
        people = form.fields["participant"].queryset
        # No form when nobody is left to enrol: not oneself, nor (for managers) a colleague.
        if people.filter(pk=request.user.pk).exists() or (can_others and people.exists()):
            forms.append((organisation, form, can_others))
    return forms


def _rating_form(offer: Offer, mine: Enrolment | None) -> RatingForm | None:
    """The participant's rating form, once the offer has ended."""
    if not (mine and mine.status == EnrolmentStatus.ENROLLED and selectors.offer_has_ended(offer)):
        return None
    existing = getattr(mine, "rating", None)
    return RatingForm(
        initial={"score": existing.score, "comment": existing.comment} if existing else None
    )


@checks(
    "support.offer.view",
    "support.offer.manage",
    "support.enrolment.view",
    "support.enrolment.cancel",
    "support.enrolment.create_for_others",
)
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = selectors.offer_get(pk)
    can_manage = access.allows(request, "support.offer.manage", offer.provider)
    enrolments = selectors.enrolments_of_offer(offer)
    visible_enrolments = selectors.enrolments_visible(request, offer)
    for enrolment in visible_enrolments:
        enrolment.can_cancel = access.allows(request, "support.enrolment.cancel", enrolment)
    mine = next(
        (e for e in enrolments if request.user.is_authenticated and e.participant == request.user),
        None,
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
            "enrol_forms": _enrol_forms(request, offer),
            "rating_form": _rating_form(offer, mine),
            "effect": selectors.offer_effect(offer=offer) if can_manage else None,
        },
    )


# --- Enrol, cancel, rate: forms on the offer page, answered there with messages ---------


def _error_texts(form: forms.BaseForm) -> list[str]:
    texts = list(form.non_field_errors())
    for name in form.fields:
        texts += form.errors.get(name, [])
    return texts


def _submit_on_offer_page(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], Any],
    offer: Offer,
    *,
    message: str = "",
) -> HttpResponse:
    """Form → service → back to the offer page; the form's errors become messages there."""
    back = offer.get_absolute_url()
    response = submit_form(request, form, save, redirect_to=back, message=message)
    if response is None:
        for text in _error_texts(form):
            messages.error(request, text)
        response = redirect(back)
    return response


def _enrolled_message(request: HttpRequest, enrolment: Enrolment) -> None:
    if enrolment.status == EnrolmentStatus.WAITING:
        messages.warning(
            request,
            _("The offer is full: %(who)s is on the waiting list.")
            % {"who": enrolment.participant},
        )
    else:
        messages.success(request, _("%(who)s is enrolled.") % {"who": enrolment.participant})


@checks("support.enrolment.create", "support.enrolment.create_for_others")
@login_required
@require_POST
def enrol(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    organisation = get_object_or_404(Organisation, slug=slug)
    access.require(
        request,
        "support.enrolment.create",
        organisation,
        _("You can only enrol people from your own organisation."),
    )

    def save(data: dict[str, Any]) -> Enrolment:
        enrolment = services.enrolment_create(
            actor=request.user,
            offer=offer,
            organisation=organisation,
            participant=data["participant"],
        )
        _enrolled_message(request, enrolment)
        return enrolment

    form = EnrolForm(request.POST, organisation=organisation)
    return _submit_on_offer_page(request, form, save, offer)


@checks("support.enrolment.cancel")
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


@checks("support.enrolment.rate")
@login_required
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.select_related("offer", "organisation"), pk=pk)
    access.require(
        request,
        "support.enrolment.rate",
        enrolment,
        _("Only the participant can rate their own participation."),
    )
    return _submit_on_offer_page(
        request,
        RatingForm(request.POST),
        lambda data: services.rating_save(
            actor=request.user, enrolment=enrolment, score=data["score"], comment=data["comment"]
        ),
        enrolment.offer,
        message=_("Thank you for your rating."),
    )


# --- The coverage grid and uptake of a body ----------------------------------------------


def _coverage_export(body: Organisation, grid: selectors.CoverageGrid, fmt: str) -> HttpResponse:
    cells = [(label, cell) for _key, label, cells, _needs in grid.rows() for cell in cells]
    return export_table(
        items=cells,
        columns=[
            (_("Capital"), lambda item: item[0]),
            (_("Collaboration form"), lambda item: item[1].form_label),
            (_("Shared needs"), lambda item: item[1].need_count),
            (_("Municipalities with the need"), lambda item: ", ".join(item[1].municipalities)),
            (_("Offers"), lambda item: len(item[1].offers)),
            (_("Open offers"), lambda item: len(item[1].available_offers)),
            (_("Seats"), lambda item: item[1].seat_count),
            (_("Uptake"), lambda item: item[1].uptake),
            (_("Finding"), lambda item: _finding(item[1])),
            (_("Offer titles"), lambda item: "; ".join(o.title for o in item[1].offers)),
        ],
        fmt=fmt,
        filename=f"kraftsamla-erbjudandestruktur-{body.slug}",
        sheet=_("Offer structure"),
        source=body.name,
        notes=[SEATS_NOTE, UPTAKE_EXPLANATION],
        demo=any(offer.is_demo for _label, cell in cells for offer in cell.offers),
    )


def _finding(cell: selectors.Cell) -> str:
    if cell.is_gap:
        return _("gap")
    if cell.is_unused:
        return _("offer without need")
    return _("only closed offers") if cell.only_closed_offers else ""


# The grid, its filter form and the drill-down: members' shared needs, the body's offers
# and enrolments (support), the capitals (capacity) and who is a member (organisations).
COVERAGE_PAGE = declare("support.coverage", depends_on=("support", "capacity", "organisations"))


def _coverage_filters(request: HttpRequest, body: Organisation) -> tuple[GridFilterForm, dict]:
    form = GridFilterForm(request.GET or None, years=selectors.coverage_years(body))
    filters = {}
    if form.is_bound:
        form.is_valid()  # An invalid filter is reported at its field; the valid ones apply.
        filters = form.cleaned_data
    return form, {
        "target_group": filters.get("target_group") or "",
        "year": filters.get("year"),
    }


def _coverage_content(request: HttpRequest, body: Organisation, can_manage: bool) -> str:
    """The page's content: filter form, grid and the drill-down cell (cached per query)."""
    form, filters = _coverage_filters(request, body)
    capital, _colon, collaboration_form = request.GET.get("cell", "").partition(":")
    grid = selectors.coverage_grid(body=body, **filters)
    return render_to_string(
        "support/coverage_grid.html",
        {
            "body": body,
            "grid": grid,
            "form": form,
            "focus_cell": selectors.coverage_cell(
                grid=grid, capital=capital, collaboration_form=collaboration_form, **filters
            ),
            "query": page_query(request, "cell"),
            "can_manage": can_manage,
            "uptake_explanation": UPTAKE_EXPLANATION,
        },
        request=request,
    )


@checks("support.overview.view", "support.offer.manage")
@login_required
def coverage(request: HttpRequest, slug: str) -> HttpResponse:
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "support.overview.view", body)
    can_manage = access.allows(request, "support.offer.manage", body)
    fmt = export_format(request)
    if fmt:
        _form, filters = _coverage_filters(request, body)
        return _coverage_export(body, selectors.coverage_grid(body=body, **filters), fmt)
    parts = (body.pk, can_manage, timezone.localdate(), request.get_full_path())
    # The page around the grid names the user (menu): their id keeps a 304 theirs.
    etag, unchanged = not_modified(request, COVERAGE_PAGE, parts=(*parts, request.user.pk))
    if unchanged:
        return unchanged
    content = cached_block(
        request,
        COVERAGE_PAGE,
        parts=parts,
        build=lambda: _coverage_content(request, body, can_manage),
    )
    response = render(request, "support/coverage.html", {"body": body, "content": content})
    return with_etag(response, etag)


@checks("support.overview.view")
@login_required
def uptake(request: HttpRequest, slug: str) -> HttpResponse:
    body = organisation_selectors.coordinating_body_get(slug)
    access.require(request, "support.overview.view", body)
    return render(
        request, "support/uptake.html", {"body": body, **selectors.body_uptake(body=body)}
    )


# --- An organisation's support page and its three actions --------------------------------


# The empty need form's fields: the same for everyone but for the one-time token, which
# is put in at each rendering (a Django form's widgets are slow to render).
NEED_FORM_FIELDS = declare("support.need_form_fields", depends_on=())
_TOKEN_PLACEHOLDER = "kraftsamla-submission-token-placeholder"


def _need_fields(request: HttpRequest) -> str:
    html = cached_block(
        request,
        NEED_FORM_FIELDS,
        build=lambda: render_to_string(
            "support/need_form_fields.html",
            {"form": NeedForm(initial={"submission_token": _TOKEN_PLACEHOLDER})},
        ),
    )
    token = NeedForm()["submission_token"].value()
    return mark_safe(html.replace(_TOKEN_PLACEHOLDER, conditional_escape(token)))  # noqa: S308


@dataclass
class _NeedsTable:
    html: str
    private: bool  # holds a need private to the organisation: never cached


def _needs_table(request: HttpRequest, organisation: Organisation) -> _NeedsTable:
    needs = list(selectors.needs_of(organisation, request))
    html = render_to_string(
        "support/organisation_needs.html", {"needs": needs, "rows": needs_rows(needs)}
    )
    return _NeedsTable(html, any(n.sharing_level == SharingLevel.PRIVATE for n in needs))


def _organisation_sections(
    request: HttpRequest, organisation: Organisation, can_register: bool, needs: _NeedsTable
) -> dict[str, str]:
    """The page's needs table, assessment choices and enrolments, rendered for caching."""
    assessments = selectors.assessments_of(organisation) if can_register else []
    return {
        "needs": None if needs.private else needs.html,
        "assessment_options": render_to_string(
            "support/organisation_assessment_options.html", {"assessments": assessments}
        ).strip(),
        "enrolments": render_to_string(
            "support/organisation_enrolments.html",
            {"enrolments": selectors.enrolments_of_organisation(organisation)},
        ),
    }


def _sections_shown(sections: dict, needs: Callable[[], _NeedsTable]) -> dict:
    """The cached sections as safe HTML, with a needs table that was not cached rendered now."""
    shown = {**sections, "needs": sections["needs"] or needs().html}
    return {name: mark_safe(html) for name, html in shown.items()}  # noqa: S308 - our templates


def _organisation_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    need_form: NeedForm | None = None,
    assessment_form: NeedsFromAssessmentForm | None = None,
    digest_form: DigestForm | None = None,
) -> HttpResponse:
    """Render the page; the forms passed in are bound ones that had errors (status 400)."""
    access.require(request, "support.recommendation.view", organisation)
    can_register = access.allows(request, "support.need.create", organisation)
    need_fields = _need_fields(request) if can_register and need_form is None else None
    ranked, info = selectors.offers_recommended(organisation=organisation, user=request)
    needs_table = functools.cache(lambda: _needs_table(request, organisation))  # at most once
    sections = cached_value(
        request,
        ORGANISATION_SECTIONS,
        parts=(organisation.pk, can_register),
        build=lambda: _organisation_sections(request, organisation, can_register, needs_table()),
    )
    assessment_form = assessment_form or NeedsFromAssessmentForm(organisation=organisation)
    return render(
        request,
        "support/organisation.html",
        {
            "org": organisation,
            "form": need_form or NeedForm(),
            "need_fields": need_fields,
            "assessment_form": assessment_form,
            "digest_form": digest_form,
            "can_register": can_register,
            "recommendations": ranked,
            "info": info,
            "sections": _sections_shown(sections, needs_table),
            "subscription": selectors.digest_subscription_of(request.user),
            "capital_names": dict(CapitalKey.choices),
        },
        status=form_status(need_form, assessment_form, digest_form),
    )


def _organisation_url(organisation: Organisation) -> str:
    return reverse("support:organisation", kwargs={"slug": organisation.slug})


# The page: needs and enrolments (support), ranked offers (support, capacity,
# organisations), assessments to turn into needs (capacity), roles (accounts).
ORGANISATION_PAGE = declare(
    "support.organisation", depends_on=("support", "capacity", "organisations", "accounts")
)
# Its needs (support), assessments (capacity) and enrolments with participants' names
# (support, accounts): the same for every viewer with the same sharing scope, so cached
# per scope; the subscription, the ranking's target groups and CSRF tokens stay per person.
# Private needs never go into a cache entry: a table that holds one is rendered per request.
ORGANISATION_SECTIONS = declare(
    "support.organisation.sections", depends_on=("support", "capacity", "accounts")
)


@checks("support.recommendation.view", "support.need.create", "support.need.view")
@login_required
@require_GET
def organisation_support(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    access.require(request, "support.recommendation.view", organisation)
    # The page is the person's own (their digest subscription, their target groups, the
    # menu with their name): their id is part of the ETag, so a 304 is never someone else's.
    etag, unchanged = not_modified(
        request,
        ORGANISATION_PAGE,
        parts=(organisation.pk, request.user.pk, timezone.localdate()),
    )
    if unchanged:
        return unchanged
    return with_etag(_organisation_page(request, organisation), etag)


@checks("support.need.create", "support.recommendation.view")
@login_required
@require_POST
def need_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    access.require(request, "support.need.create", organisation, services.NEED_DENIED)
    form = NeedForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.need_save(actor=request.user, organisation=organisation, data=data),
        redirect_to=_organisation_url(organisation),
        message=_("The need was registered."),
    )
    return response or _organisation_page(request, organisation, need_form=form)


@checks("support.need.create", "support.recommendation.view")
@login_required
@require_POST
def needs_from_assessment(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    access.require(request, "support.need.create", organisation, services.NEED_DENIED)
    form = NeedsFromAssessmentForm(request.POST, organisation=organisation)
    response = submit_form(
        request,
        form,
        lambda data: services.needs_from_assessment(
            actor=request.user, assessment=data["assessment"]
        ),
        redirect_to=_organisation_url(organisation),
        message=lambda created: (
            _("%(n)d needs were created from the assessment's notes.") % {"n": created}
        ),
    )
    return response or _organisation_page(request, organisation, assessment_form=form)


@checks("support.recommendation.subscribe", "support.recommendation.view")
@login_required
@require_POST
def digest_setting(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    access.require(
        request,
        "support.recommendation.subscribe",
        organisation,
        _("You can only subscribe for an organisation you belong to."),
    )
    form = DigestForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.digest_subscription_set(
            actor=request.user, organisation=organisation, active=data["active"]
        ),
        redirect_to=_organisation_url(organisation),
        message=_("Your digest setting was saved."),
    )
    return response or _organisation_page(request, organisation, digest_form=form)
