"""Log in and out, manage passwords, people, invitations and API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kraftsamla.accounts import selectors, services, throttle
from kraftsamla.accounts.forms import AcceptInvitationForm, InvitationForm, LoginForm, NextForm
from kraftsamla.accounts.models import Invitation
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC, checks
from kraftsamla.core.forms import form_status, submit_form
from kraftsamla.organisations.models import Organisation

# The raw API token waits here between its creation and the one page that shows it.
NEW_TOKEN_SESSION_KEY = "new_api_token"


@checks(PUBLIC)
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    status = 200
    if request.method == "POST":
        attempt = throttle.login_attempt(
            LoginForm.submitted_email(request.POST), throttle.client_ip(request)
        )
        refusal = (
            ""
            if attempt.allowed
            else _("Too many failed attempts. Wait 15 minutes or reset your password.")
        )
        form = LoginForm(request, data=request.POST, refusal=refusal)
        if refusal:
            form.is_valid()
            status = 429
        elif form.is_valid():
            attempt.succeeded()
            login(request, form.user)
            return redirect(next_url or reverse("core:home"))
        else:
            status = 400
    else:
        form = LoginForm(request)
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


def _next_url(request: HttpRequest) -> str:
    """Return where to go after logging in: a local address only, else ""."""
    next_url = NextForm(request.POST).url() or NextForm(request.GET).url()
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return ""
    return next_url


@checks(PUBLIC)
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("core:home")


@checks("accounts.account.view")
@login_required
def account(request: HttpRequest) -> HttpResponse:
    access.require(request, "accounts.account.view")
    context = {
        "token": selectors.api_token_of(request.user),
        # Shown on this one page view only, right after it was created.
        "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
        "roles": request.user.organisation_roles.select_related("organisation"),
    }
    return render(request, "accounts/account.html", context)


@checks("accounts.apitoken.create")
@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    request.session[NEW_TOKEN_SESSION_KEY] = services.api_token_rotate(actor=request.user)
    messages.success(
        request,
        _("Your new API token is shown below. Keep it secret; the old one no longer works."),
    )
    return redirect("accounts:account")


@checks("accounts.people.view", "accounts.people.manage")
@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    org = access.get_visible(
        request, "organisations.organisation.view", Organisation.objects.all(), slug=slug
    )
    access.require(request, "accounts.people.view", org)
    can_manage = access.allows(request, "accounts.people.manage", org)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        access.require(request, "accounts.people.manage", org)
        response = submit_form(
            request,
            form,
            lambda data: services.invitation_create(
                actor=request.user,
                organisation=org,
                email=data["email"],
                role=data["role"],
                accept_url_builder=_accept_url_builder(request),
            ),
            redirect_to=reverse("accounts:people", kwargs={"slug": org.slug}),
            message=lambda _result: (
                _("An invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            ),
        )
        if response is not None:
            return response
    context = {"org": org, "form": form, "can_manage": can_manage, **selectors.people_of(org)}
    return render(request, "accounts/people.html", context, status=form_status(form))


def _accept_url_builder(request: HttpRequest):
    """Return a function from an invitation's token to the absolute link in its e-mail."""
    return lambda token: request.build_absolute_uri(
        reverse("accounts:accept_invitation", kwargs={"token": token})
    )


@checks("accounts.people.manage")
@login_required
@require_POST
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Send an open invitation again with a new link; back to the page that asked."""
    org = access.get_visible(
        request, "organisations.organisation.view", Organisation.objects.all(), slug=slug
    )
    access.require(request, "accounts.people.manage", org)
    invitation = get_object_or_404(Invitation, pk=pk, organisation=org)
    back = _next_url(request) or reverse("accounts:people", kwargs={"slug": org.slug})
    form = NextForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda _data: services.invitation_resend(
            actor=request.user,
            invitation=invitation,
            accept_url_builder=_accept_url_builder(request),
        ),
        redirect_to=back,
        message=_("The invitation to %(email)s was sent again.") % {"email": invitation.email},
    )
    if response is None:
        for error in form.non_field_errors():
            messages.error(request, error)
        response = redirect(back)
    return response


@checks(PUBLIC)
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: a logged-in person confirms; anyone else creates an account."""
    invitation = services.invitation_get_open(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    welcome = _("Welcome to %(org)s in Kraftsamla.") % {"org": invitation.organisation.name}
    joined_url = invitation.organisation.get_absolute_url()
    form = None
    status = 200
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(request, welcome)
                return redirect(joined_url)
    else:
        form = AcceptInvitationForm(
            request.POST if request.method == "POST" else None, email=invitation.email
        )
        if request.method == "POST":
            response = submit_form(
                request,
                form,
                lambda data: _create_account_and_accept(request, token, data),
                redirect_to=joined_url,
                message=welcome,
            )
            if response is not None:
                return response
        status = form_status(form)
    context = {"invitation": invitation, "form": form}
    return render(request, "accounts/accept_invitation.html", context, status=status)


def _create_account_and_accept(request: HttpRequest, token: str, data: dict):
    user = services.invitation_accept(
        token=token, full_name=data["full_name"], password=data["password1"]
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user


# --- Django's password views, each with its declared rule ---------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password; the person's API token stops working with the old password."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(actor=self.request.user, user=self.request.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from the e-mailed link; the API token stops working too."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(actor=self.user, user=self.user)
        return response


def _for_logged_in(view):
    """Wrap one of Django's views for a logged-in person's own account."""

    @checks("accounts.account.change")
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        access.require(request, "accounts.account.change")
        return view(request, *args, **kwargs)

    return wrapper


password_change = _for_logged_in(PasswordChangeView.as_view())
password_change_done = _for_logged_in(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)


class PasswordResetView(auth_views.PasswordResetView):
    """Mail a reset link, a few times an hour per address and per client at most."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if throttle.password_reset_allowed(
            form.cleaned_data["email"], throttle.client_ip(self.request)
        ):
            return super().form_valid(form)
        form.add_error(None, _("Too many requests for a new password. Wait an hour and try again."))
        return self.render_to_response(self.get_context_data(form=form), status=429)


password_reset = checks(PUBLIC)(PasswordResetView.as_view())
password_reset_done = checks(PUBLIC)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = checks(PUBLIC)(PasswordResetConfirmView.as_view())
password_reset_complete = checks(PUBLIC)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)
