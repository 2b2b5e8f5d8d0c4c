"""Helpers shared by the apps' forms and views: one way from a form to a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


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

    A ValidationError from the service is shown at the field that caused it, so
    the view renders the same form again (with status 400, see `form_status`).
    `redirect_to` and `message` may be callables that get the saved result.
    """
    if not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        add_service_error(form, exc)
        return None
    text = message(result) if callable(message) else message
    if text:
        messages.success(request, text)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def form_status(*forms_: forms.BaseForm | None) -> int:
    """Return 400 when any bound form has errors, else 200."""
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms_) else 200
