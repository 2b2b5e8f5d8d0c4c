"""API endpoints for organisations: the list with the page's filters, and one organisation."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from kraftsamla.core import access
from kraftsamla.core.api import InvalidFilter, IsAllowed
from kraftsamla.organisations import selectors
from kraftsamla.organisations.forms import FILTER_FIELDS, OrganisationFilterForm
from kraftsamla.organisations.models import OrganisationKind, PopulationClass
from kraftsamla.organisations.serializers import (
    OrganisationDetailSerializer,
    OrganisationListSerializer,
)

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


class OrganisationList(generics.ListAPIView):
    """List organisations with the same filters as the organisation page."""

    serializer_class = OrganisationListSerializer
    permission_classes = [IsAllowed]
    access_rules = ("organisations.organisation.view",)

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
        return access.scope(
            self.request,
            "organisations.organisation.view",
            selectors.organisation_list(**form.filters()),
        )

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OrganisationDetail(generics.RetrieveAPIView):
    """One organisation with memberships, emissions and, if visible, its climate profile."""

    serializer_class = OrganisationDetailSerializer
    permission_classes = [IsAllowed]
    access_rules = ("organisations.organisation.view",)
    lookup_field = "slug"

    def get_object(self):
        return access.get_visible(
            self.request,
            "organisations.organisation.view",
            selectors.organisation_queryset(),
            slug=self.kwargs["slug"],
        )
