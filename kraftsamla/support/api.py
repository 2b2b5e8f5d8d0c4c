"""API endpoints for regional support: the pages' policies, selectors and filter form."""

import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.core import access
from kraftsamla.core.api import InvalidFilter
from kraftsamla.core.caching import cached_block, declare, not_modified, with_etag
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import Organisation
from kraftsamla.support import selectors
from kraftsamla.support.forms import GridFilterForm
from kraftsamla.support.models import Need, Offer, TargetGroup
from kraftsamla.support.services import NEED_FIELDS, OFFER_FIELDS

IN_REQUEST_LANGUAGE = gettext_lazy("In the request's language; Swedish if not translated.")


class OfferSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(read_only=True, help_text=IN_REQUEST_LANGUAGE)
    description = serializers.CharField(read_only=True, help_text=IN_REQUEST_LANGUAGE)
    enrolled = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)
    avg_rating = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "provider",
            *OFFER_FIELDS,
            "source_ref",
            "enrolled",
            "waiting",
            "avg_rating",
            "is_demo",
        ]


class NeedSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Need
        fields = ["id", "organisation", *NEED_FIELDS, "is_demo"]


class CellSerializer(serializers.Serializer):
    capital = serializers.CharField()
    collaboration_form = serializers.CharField()
    needs = serializers.IntegerField()
    municipalities = serializers.ListField(child=serializers.CharField())
    offers = serializers.IntegerField()
    open_offers = serializers.IntegerField()
    seats = serializers.IntegerField(allow_null=True)
    uptake = serializers.IntegerField()
    gap = serializers.BooleanField()
    unused = serializers.BooleanField()


class RecommendationSerializer(serializers.Serializer):
    offer = OfferSerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class OfferList(generics.ListAPIView):
    """A body's offers (public), with uptake."""

    access_rules = ("support.offer.view",)
    serializer_class = OfferSerializer

    def get_queryset(self):
        body = organisation_selectors.coordinating_body_get(self.kwargs["slug"])
        return access.scope(self.request, "support.offer.view", selectors.offers_of(body))


class NeedList(generics.ListAPIView):
    """Needs the caller may see: their own organisations' and those shared with them."""

    access_rules = ("support.need.view",)
    serializer_class = NeedSerializer

    @extend_schema(
        parameters=[OpenApiParameter("organisation", str, description="Slug of the organisation.")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        needs = selectors.needs_visible(self.request).order_by(
            "organisation__name", "priority", "id"
        )
        organisation = self.request.query_params.get("organisation")
        return needs.filter(organisation__slug=organisation) if organisation else needs


def _cell_data(cell: selectors.Cell) -> dict:
    return {
        "capital": cell.capital,
        "collaboration_form": cell.collaboration_form,
        "needs": cell.need_count,
        "municipalities": cell.municipalities,
        "offers": len(cell.offers),
        "open_offers": len(cell.available_offers),
        "seats": cell.seats,
        "uptake": cell.uptake,
        "gap": cell.is_gap,
        "unused": cell.is_unused,
    }


# The same data as the coverage page (kraftsamla.support.views.COVERAGE_PAGE).
COVERAGE_API = declare("support.api.coverage", depends_on=("support", "capacity", "organisations"))


class Coverage(APIView):
    """The capitals × collaboration forms grid of a body (for the body's people).

    Filters as on the page: `target_group` and `year`; an invalid one answers 400.
    """

    access_rules = ("support.overview.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("target_group", str, enum=TargetGroup.values),
            OpenApiParameter("year", int),
        ],
        responses=CellSerializer(many=True),
    )
    def get(self, request, slug: str):
        body = organisation_selectors.coordinating_body_get(slug)
        access.require(request, "support.overview.view", body)
        form = GridFilterForm(request.query_params, years=selectors.coverage_years(body))
        if not form.is_valid():
            raise InvalidFilter(
                {name: [str(message) for message in errors] for name, errors in form.errors.items()}
            )
        filters = {
            "target_group": form.cleaned_data.get("target_group") or "",
            "year": form.cleaned_data.get("year"),
        }
        etag, unchanged = not_modified(request, COVERAGE_API, parts=(body.pk,))
        if unchanged:
            return unchanged

        def build() -> str:
            grid = selectors.coverage_grid(body=body, **filters)
            return json.dumps([_cell_data(cell) for cell in grid.cells.values()])

        parts = (body.pk, filters["target_group"], filters["year"])
        cells = json.loads(cached_block(request, COVERAGE_API, parts=parts, build=build))
        return with_etag(Response(cells), etag)


RECOMMENDATIONS_API = declare(
    "support.api.recommendations", depends_on=selectors.RECOMMENDATIONS.depends_on
)


class Recommendations(APIView):
    """Ranked open offers for an organisation, with reasons (for its people)."""

    access_rules = ("support.recommendation.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=RecommendationSerializer(many=True))
    def get(self, request, slug: str):
        organisation = get_object_or_404(Organisation, slug=slug)
        access.require(request, "support.recommendation.view", organisation)
        # The ranking depends on the person's target groups: their id keeps a 304 theirs.
        etag, unchanged = not_modified(
            request, RECOMMENDATIONS_API, parts=(organisation.pk, request.user.pk)
        )
        if unchanged:
            return unchanged
        ranked, _info = selectors.offers_recommended(organisation=organisation, user=request)
        # One serializer for all offers: DRF builds a serializer's fields once per instance.
        offers = OfferSerializer([recommendation.offer for recommendation in ranked], many=True)
        response = Response(
            [
                {
                    "offer": offer | {"enrolled": None, "waiting": None, "avg_rating": None},
                    "score": recommendation.score,
                    "reasons": [str(reason) for reason in recommendation.reasons],
                }
                for offer, recommendation in zip(offers.data, ranked, strict=True)
            ]
        )
        return with_etag(response, etag)
