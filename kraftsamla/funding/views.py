"""Pages of funding calls: the list, a call with its rules, the forms, the JSON document,
sending a call to members and "where the money is" for a body.

Each view parses its input with a form, calls one service and answers with a redirect,
or the page again with the form's errors (status 400).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.core import access
from kraftsamla.core.access import checks
from kraftsamla.core.exports import export_format, export_table, page_query
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.funding import rules as engine
from kraftsamla.funding import selectors, services, transfer
from kraftsamla.funding.forms import (
    CallCreateForm,
    CallFilterForm,
    CallForm,
    CallImportForm,
    SendForm,
)
from kraftsamla.funding.models import Call, CallStatus
from kraftsamla.organisations import selectors as organisation_selectors

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
