"""API plumbing shared by every app's api.py: one error shape, pagination.

Error shape: {"error": {"code": "invalid_filter", "message": "...", "fields": {"county": ["..."]}}}

Every API view declares the rules it asks in `access_rules` (as pages do with
`kraftsamla.core.access.checks`), so a test can prove that no endpoint skips
its policy.
"""

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kraftsamla.core.translation import translated


class InvalidFilter(exceptions.ValidationError):
    default_code = "invalid_filter"


def blank_parameters(params, names) -> dict[str, list[str]]:
    """Return an error for each of `names` given with an empty value.

    Pages' GET forms send empty fields and take them as "not given"; the API's contract
    types its parameters (an integer, a weight), so an empty value there is a mistake.
    """
    return {
        name: [_("Give a value or leave the parameter out.")]
        for name in names
        if name in params and not str(params[name]).strip()
    }


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Return a serializer's errors as {field: [messages]}, the error shape's `fields`.

    Errors of nested bodies are named by their path: `title.sv`, `entries[1].status`
    (a nested object's own errors take the object's name); a model's errors that belong
    to no one field (Django's `__all__`) are `non_field_errors`, as DRF names them.
    """
    if isinstance(detail, dict):
        fields: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):  # a list's items, by position
                name = f"{prefix}[{key}]"
            elif key in ("non_field_errors", NON_FIELD_ERRORS):
                name = prefix or "non_field_errors"
            else:
                name = f"{prefix}.{key}" if prefix else key
            for field, messages in flat_errors(value, name).items():
                fields.setdefault(field, []).extend(messages)
        return fields
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return {prefix: [str(item) for item in detail]} if detail else {}
        fields = {}
        for index, item in enumerate(detail):
            for field, messages in flat_errors(item, f"{prefix}[{index}]").items():
                fields.setdefault(field, []).extend(messages)
        return fields
    return {prefix or "non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        message = _("The request is too large.")
        return Response(
            {"error": {"code": "too_large", "message": message}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = response.data
        fields = flat_errors(detail if isinstance(detail, dict) else {"non_field_errors": detail})
        code = "invalid_filter" if isinstance(exc, InvalidFilter) else "invalid"
        message = (
            " ".join(fields["non_field_errors"])
            if set(fields) == {"non_field_errors"}
            else _("The request has invalid values.")
        )
        response.data = {"error": {"code": code, "message": message, "fields": fields}}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        if isinstance(detail, exceptions.ErrorDetail):
            code = detail.code or code
        response.data = {"error": {"code": code, "message": str(detail)}}
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = response.get("WWW-Authenticate", 'Token realm="api"')
    return response


from rest_framework.pagination import PageNumberPagination  # noqa: E402


class Pagination(PageNumberPagination):
    """Page-number pagination with a total `count`; clients may ask for 1 to 500 a page.

    A `page` or `page_size` that is not a whole number in range answers 400 (it is
    not quietly replaced by the default); a page past the end answers 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        return self._whole_number(
            request, self.page_size_query_param, self.page_size, self.max_page_size
        )

    def get_page_number(self, request, paginator):
        return self._whole_number(request, self.page_query_param, 1, None)

    @staticmethod
    def _whole_number(request, name: str, default: int, maximum: int | None) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1 or (maximum is not None and number > maximum):
            message = (
                _("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
                if maximum
                else _("Give a whole number from 1 up.")
            )
            raise InvalidFilter({name: [message]})
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters


@extend_schema_field(
    {
        "type": "object",
        "description": "Text in Swedish (sv) and English (en); English may be empty.",
        "properties": {"sv": {"type": "string"}, "en": {"type": "string"}},
        "required": ["sv", "en"],
    }
)
class TranslatedTextField(serializers.Field):
    """A TranslatedField's content as {"sv": "...", "en": "..."} (read-only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value) -> dict[str, str]:
        return translated(value).as_dict()


from rest_framework import permissions as drf_permissions  # noqa: E402

from kraftsamla.core import access  # noqa: E402


class IsAllowed(drf_permissions.BasePermission):
    """Ask the view's first declared rule (`access_rules[0]`) for each object it returns.

    Views that fetch one object with `access.get_visible` get a 404 for a hidden
    object before this runs; this guards any object a generic view loads itself.
    """

    def has_object_permission(self, request, view, obj):
        return access.allows(request, view.access_rules[0], obj)
