"""The OpenAPI document's schema class: the real contract of every endpoint.

Kept apart from core/api.py because drf-spectacular's AutoSchema imports DRF's
generic views, which import the pagination class in core/api.py.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import permissions as drf_permissions
from rest_framework import serializers

from kraftsamla.core import access


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. invalid_filter, not_found.")
    message = serializers.CharField(help_text="In the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For 400: the messages per parameter or body field; a nested field is "
        "named by its path (title.sv, entries[0].status); errors of no one field are "
        "non_field_errors.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error."""

    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid parameters or body; `error.fields` names them.",
    "401": "Not logged in, or the token is wrong or revoked.",
    "403": "Logged in, but not allowed.",
    "404": "Not found, or not visible to the caller; also a page past the end.",
    "413": "The request body is too large.",
}


class ApiSchema(AutoSchema):
    """Describe each endpoint's error answers and whether it needs a login.

    Public endpoints (no `IsAuthenticated`) accept anonymous calls, so their
    security requirement includes `{}`.
    """

    def get_auth(self):
        auths = super().get_auth()
        if not self._requires_login() and {} not in auths:
            auths.append({})
        return auths

    def _requires_login(self) -> bool:
        return any(
            isinstance(permission, drf_permissions.IsAuthenticated)
            for permission in self.view.get_permissions()
        )

    def _error_codes(self) -> list[str]:
        has_body = self.method in ("POST", "PUT", "PATCH")
        has_query = any(parameter["in"] == "query" for parameter in self._get_parameters())
        codes = ["401"]
        if has_body or has_query:
            codes.append("400")
        if self._requires_login() or has_body or access.PUBLIC not in self.view.access_rules:
            codes.append("403")
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        if has_body:
            codes.append("413")
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses.setdefault(code, response)
        return responses
