"""Log in and out, manage passwords, people, invitations and API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from kraftsamla.accounts import services, throttle
from kraftsamla.accounts.forms import AcceptInvitationForm, InvitationForm, LoginForm
from kraftsamla.core import permissions
from kraftsamla.core.forms import add_service_error
from kraftsamla.organisations import selectors as org_selectors
from kraftsamla.organisations.models import Organisation


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    status = 200
    if request.method == "POST":
        form = LoginForm(request, data=request.POST)
        email = (request.POST.get("email") or "").strip().lower()
        ip = throttle.client_ip(request)
        if throttle.is_locked(email, ip):
            form.is_valid()
            form.errors.clear()
            form.add_error(
                None,
                _("Too many failed attempts. Wait 15 minutes or reset your password."),
            )
            status = 429
        elif form.is_valid():
            throttle.reset(email, ip)
            login(request, form.user)
            return redirect(next_url or reverse("core:home"))
        else:
            throttle.record_failure(email, ip)
            status = 400
    else:
        form = LoginForm(request)
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("core:home")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    roles = request.user.organisation_roles.select_related("organisation")
    return render(request, "accounts/account.html", {"token": token, "roles": roles})


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_use_api_token(request.user):
        raise PermissionDenied
    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    messages.success(
        request,
        _("Your new API token is shown below. Keep it secret; the old one no longer works."),
    )
    request.session["new_token_shown"] = token.key[:6]
    return redirect("accounts:account")


@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        org = org_selectors.organisation_get(slug=slug)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No such organisation.")) from exc
    if not permissions.can_view_people(request.user, org):
        raise PermissionDenied
    can_manage = permissions.can_manage_people(request.user, org)
    form = InvitationForm()
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_create(
                    actor=request.user,
                    organisation=org,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    accept_url_builder=lambda token: request.build_absolute_uri(
                        reverse("accounts:accept_invitation", kwargs={"token": token})
                    ),
                )
            except ValidationError as exc:
                add_service_error(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("An invitation was sent to %(email)s.")
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("organisations:people", slug=org.slug)
        else:
            status = 400
    context = {"org": org, "form": form, "can_manage": can_manage, **org_selectors.people_of(org)}
    return render(request, "accounts/people.html", context, status=status)


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_get_open(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    needs_account = not request.user.is_authenticated
    form = AcceptInvitationForm(email=invitation.email) if needs_account else None
    status = 200
    if request.method == "POST":
        try:
            if needs_account:
                form = AcceptInvitationForm(request.POST, email=invitation.email)
                if not form.is_valid():
                    raise ValidationError(_("Correct the errors below."))
                user = services.invitation_accept(
                    token=token,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                services.invitation_accept(token=token, actor=request.user)
        except ValidationError as exc:
            if form is not None and not form.errors:
                form.add_error(None, exc)
            elif form is None:
                messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(
                request,
                _("Welcome to %(org)s in Kraftsamla.") % {"org": invitation.organisation.name},
            )
            return redirect(invitation.organisation.get_absolute_url())
    return render(
        request,
        "accounts/accept_invitation.html",
        {"invitation": invitation, "form": form},
        status=status,
    )
