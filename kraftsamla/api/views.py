"""The JSON API, version 1. Every endpoint asks kraftsamla.core.permissions."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework import permissions as drf_permissions
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.api.serializers import (
    MeSerializer,
    OrganisationDetailSerializer,
    OrganisationListSerializer,
)
from kraftsamla.core import permissions
from kraftsamla.core.api import InvalidFilter
from kraftsamla.organisations import selectors
from kraftsamla.organisations.forms import FILTER_FIELDS, OrganisationFilterForm
from kraftsamla.organisations.models import Organisation, OrganisationKind, PopulationClass

CONTROL_PARAMS = {"page", "page_size", "format"}

FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Search in name, short name or code."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=OrganisationKind.values),
    OpenApiParameter("county", OpenApiTypes.STR, description="Two-digit county code, e.g. 14."),
    OpenApiParameter("population_class", OpenApiTypes.STR, enum=PopulationClass.values),
    OpenApiParameter("fa_region", OpenApiTypes.STR, description="FA region code."),
    OpenApiParameter(
        "member_of", OpenApiTypes.STR, description="Slug of a body, e.g. goteborgsregionen."
    ),
    OpenApiParameter("code", OpenApiTypes.STR, description="Official code (2 or 4 digits)."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page (max 500)."),
]


class IsAllowed(drf_permissions.BasePermission):
    """Delegate object checks to the shared permission module."""

    def has_object_permission(self, request, view, obj):
        return permissions.can_view_organisation(request.user, obj)


class OrganisationList(generics.ListAPIView):
    """List organisations with the same filters as the organisation page."""

    serializer_class = OrganisationListSerializer
    permission_classes = [IsAllowed]

    def get_queryset(self):
        params = self.request.query_params
        unknown = sorted(set(params) - set(FILTER_FIELDS) - CONTROL_PARAMS)
        if unknown:
            raise InvalidFilter(
                {
                    name: [
                        _("Unknown filter. Allowed: %(allowed)s.")
                        % {"allowed": ", ".join(FILTER_FIELDS)}
                    ]
                    for name in unknown
                }
            )
        form = OrganisationFilterForm({k: params.get(k) for k in FILTER_FIELDS if k in params})
        if not form.is_valid():
            raise InvalidFilter({k: [str(m) for m in v] for k, v in form.errors.items()})
        return selectors.organisation_list(**form.filters())

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrganisationDetail(generics.RetrieveAPIView):
    """One organisation with memberships, emissions and, if visible, its climate profile."""

    serializer_class = OrganisationDetailSerializer
    permission_classes = [IsAllowed]
    lookup_field = "slug"

    def get_object(self):
        try:
            obj = selectors.organisation_get(slug=self.kwargs["slug"])
        except Organisation.DoesNotExist as exc:
            raise NotFound(_("No such organisation.")) from exc
        self.check_object_permissions(self.request, obj)
        return obj


class Me(APIView):
    """The logged-in user and their roles."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        roles = request.user.organisation_roles.select_related("organisation")
        return Response(
            {
                "email": request.user.email,
                "full_name": request.user.full_name,
                "is_platform_staff": permissions.is_platform_staff(request.user),
                "roles": [{"organisation": r.organisation.slug, "role": r.role} for r in roles],
            }
        )


def docs(request):
    """Render the OpenAPI document as an accessible HTML page (no third-party JavaScript)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            operations.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "summary": op.get("summary") or op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "responses": sorted(op.get("responses", {}).keys()),
                    "auth": [list(s)[0] for s in op.get("security", []) if s],
                }
            )
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})
