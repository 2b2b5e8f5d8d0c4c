"""API endpoints for organisations: the list with the page's filters, and one organisation."""

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics
from rest_framework.response import Response

from kraftsamla.core import access
from kraftsamla.core.api import InvalidFilter, IsAllowed
from kraftsamla.core.api_schema import ApiSchema
from kraftsamla.core.caching import BLOCK_TIMEOUT, block_key, declare
from kraftsamla.organisations import selectors
from kraftsamla.organisations.forms import FILTER_FIELDS, OrganisationFilterForm
from kraftsamla.organisations.scopes import REGISTER
from kraftsamla.organisations.serializers import (
    ClimateProfileSerializer,
    OrganisationDetailSerializer,
    OrganisationListSerializer,
)

# The list's pages and the detail's public part (facts, memberships, emissions), cached
# per register version (the climate profile is added per request).
API_LIST = declare("organisations.api.list", depends_on=(REGISTER,))
API_DETAIL = declare("organisations.api.detail", depends_on=(REGISTER,))

CONTROL_PARAMS = {"page", "page_size", "format"}

DESCRIPTIONS = {
    "q": "Search in name, short name or code.",
    "county": "Two-digit county code, e.g. 14.",
    "fa_region": "FA region code.",
    "member_of": "Slug of a body, e.g. goteborgsregionen.",
    "code": "Official code (2 or 4 digits).",
}


class OrganisationListSchema(ApiSchema):
    """The filters as the page's form accepts them: the same choices, length and pattern.

    An empty value means "no filter", as on the page.
    """

    def get_override_parameters(self):
        form = OrganisationFilterForm()
        parameters = []
        for name in FILTER_FIELDS:
            field = form.fields[name]
            schema = {"type": "string"}
            if isinstance(field, forms.ChoiceField):
                schema["enum"] = [str(value) for value, _label in field.choices]
            if isinstance(field, forms.RegexField):
                schema["pattern"] = f"^$|{field.regex.pattern}"
            if getattr(field, "max_length", None):
                schema["maxLength"] = field.max_length
            parameters.append(
                OpenApiParameter(name, schema, description=DESCRIPTIONS.get(name, ""))
            )
        return parameters


class OrganisationList(generics.ListAPIView):
    """List organisations with the same filters as the organisation page."""

    serializer_class = OrganisationListSerializer
    schema = OrganisationListSchema()
    permission_classes = [IsAllowed]
    access_rules = ("organisations.organisation.view",)

    def list(self, request, *args, **kwargs):
        """Answer from the cache when the same page was asked since the last change (the
        key holds the query string and the host, which is in the links)."""
        access.require(request, "organisations.organisation.view")
        key = block_key(
            request, API_LIST, parts=(request.build_absolute_uri(), request.accepted_media_type)
        )
        data = cache.get(key)
        if data is None:
            data = super().list(request, *args, **kwargs).data
            cache.set(key, data, BLOCK_TIMEOUT)
        return Response(data)

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


class OrganisationDetail(generics.RetrieveAPIView):
    """One organisation with memberships, emissions and, if visible, its climate profile.

    One query reads the organisation with its climate profile (county and FA region come
    from the cached reference data); the public part comes from
    the cache (keyed by the data version and the host, which is in the links), and the
    profile is added per request, only when the caller may see it.
    """

    serializer_class = OrganisationDetailSerializer
    permission_classes = [IsAllowed]
    access_rules = ("organisations.organisation.view",)
    lookup_field = "slug"

    def get_object(self):
        return access.get_visible(
            self.request,
            "organisations.organisation.view",
            selectors.organisation_for_api_detail_queryset(),
            slug=self.kwargs["slug"],
        )

    def retrieve(self, request, *args, **kwargs):
        organisation = self.get_object()
        key = block_key(
            request, API_DETAIL, parts=(organisation.pk, request.build_absolute_uri("/"))
        )
        public = cache.get(key)
        if public is None:
            public = self.get_serializer().public_representation(organisation)
            cache.set(key, public, BLOCK_TIMEOUT)
        profile = selectors.climate_profile_for(request, organisation)
        shown_profile = ClimateProfileSerializer(profile).data if profile else None
        return Response({**public, "climate_profile": shown_profile})
