"""Forms for logging in, inviting and accepting invitations."""

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.utils.translation import gettext_lazy as _

from kraftsamla.accounts.models import Role
from kraftsamla.core.forms import SubmitOnceMixin


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, refusal: str = "", **kwargs):
        """`refusal`: the rate limit's message; the password is then not checked at all."""
        self.request = request
        self.user = None
        self.refusal = refusal
        super().__init__(*args, **kwargs)

    @staticmethod
    def submitted_email(data) -> str:
        """The address as typed, normalised: the rate limit counts it before any check."""
        return str(data.get("email") or "").strip().lower()

    def clean(self):
        if self.refusal:
            raise forms.ValidationError(self.refusal, code="throttled")
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user = authenticate(self.request, email=email.lower(), password=password)
            if self.user is None:
                raise forms.ValidationError(
                    _("The e-mail address or the password is wrong."), code="invalid_login"
                )
        return self.cleaned_data


class NextForm(forms.Form):
    """The address to go to after logging in (a hidden field, or `?next=`)."""

    next = forms.CharField(required=False)

    def url(self) -> str:
        return self.cleaned_data["next"] if self.is_valid() else ""


class InvitationForm(SubmitOnceMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not only digits and not a common password."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        if p1:
            from kraftsamla.accounts.models import User

            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
