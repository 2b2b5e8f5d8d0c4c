"""Helpers shared by the apps' forms and views: one way from a form to a service."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from kraftsamla.core.numbers import parse_decimal
from kraftsamla.core.services import form_submission_once

SUBMISSION_TOKEN = "submission_token"


def _new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class SubmitOnceMixin(forms.Form):
    """A form that is saved once: each rendering carries a new one-time token.

    `submit_form` saves a form with a token once per person; sending the same
    rendering again (a double click, a reload after posting) leads to the first
    submission's result instead. A post without a token is saved as usual.
    """

    submission_token = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput, initial=_new_submission_token
    )


def _submission_token(request: HttpRequest, form: forms.BaseForm) -> str:
    if not isinstance(form, SubmitOnceMixin) or not request.user.is_authenticated:
        return ""
    return form.cleaned_data.get(SUBMISSION_TOKEN) or ""


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: at its field if the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def submit_form(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], Any],
    *,
    redirect_to: str | Callable[[Any], str],
    message: str | Callable[[Any], str] = "",
) -> HttpResponse | None:
    """Validate `form`, call `save(cleaned_data)` and redirect; None when it has errors.

    `cleaned_data` is given without the submission token of a `SubmitOnceMixin` form.

    A ValidationError from the service is shown at the field that caused it, so
    the view renders the same form again (with status 400, see `form_status`).
    `redirect_to` and `message` may be callables that get the saved result. A
    `SubmitOnceMixin` form sent again leads to its first result and saves nothing.
    """
    if not form.is_valid():
        return None

    def target(result: Any) -> str:
        return redirect_to(result) if callable(redirect_to) else redirect_to

    token = _submission_token(request, form)
    data = {name: value for name, value in form.cleaned_data.items() if name != SUBMISSION_TOKEN}
    try:
        if token:
            saved, result, url = form_submission_once(
                user=request.user,
                token=token,
                save=lambda: save(data),
                result_url=target,
            )
        else:
            saved, result = True, save(data)
            url = target(result)
    except ValidationError as exc:
        add_service_error(form, exc)
        return None
    if not saved:
        messages.info(request, _("This form had already been sent: it was saved only once."))
        return redirect(url)
    text = message(result) if callable(message) else message
    if text:
        messages.success(request, text)
    return redirect(url)


def form_status(*forms_: forms.BaseForm | None) -> int:
    """Return 400 when any bound form has errors, else 200."""
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms_) else 200


def current_year() -> int:
    """Return this year, as the initial value of year fields (evaluated per form)."""
    from django.utils import timezone

    return timezone.localdate().year


def sharing_level_field(label) -> forms.ChoiceField:
    """Return the sharing-level choice every app's forms use (shared with the region first)."""
    from kraftsamla.core.models import SharingLevel

    return forms.ChoiceField(
        label=label,
        choices=SharingLevel.choices,
        initial=SharingLevel.REGION,
        widget=forms.RadioSelect,
    )


class SwedishDecimalField(forms.DecimalField):
    """A decimal field that understands "1 000 000,50" as well as "1000000.50".

    It is a text input (a number input refuses spaces and the decimal comma) with the
    numeric keyboard on phones, and shows its value the Swedish way, with spaces between
    thousands and a decimal comma.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            number = parse_decimal(value)
            if number is None:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            value = str(number)
        return super().to_python(value)

    def widget_attrs(self, widget):
        # DecimalField would add step/min/max for a number input; a text input takes none.
        attrs = forms.Field.widget_attrs(self, widget)
        attrs.setdefault("inputmode", "decimal")
        return attrs

    def prepare_value(self, value):
        if value in self.empty_values or not isinstance(value, Decimal | int | float):
            return value
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return value
        decimals = 0 if number == number.to_integral_value() else 2
        text = f"{number:,.{decimals}f}".replace(",", " ")
        return text.replace(".", ",")


class LongSelect(forms.Select):
    """A plain <select> rendered in Python, for long lists (e.g. 290 municipalities).

    Django's Select renders each option through a template, which costs about a
    millisecond per hundred options on every page view; this writes the same markup
    directly. Flat choices only (no groups); attributes as for Select.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    option_value,
                    mark_safe(" selected") if str(option_value) in selected else "",
                    label,
                )
                for option_value, label in self.choices
            ),
        )
        attributes = flatatt({key: val for key, val in final.items() if val not in (None, False)})
        return format_html("<select{}>{}</select>", attributes, options)
