"""Helpers shared by the apps' forms and views."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: at its field if the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
