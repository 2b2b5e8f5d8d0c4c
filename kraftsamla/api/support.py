"""API endpoints for regional support, with the same permissions as the pages."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework import permissions as drf_permissions
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.core import permissions
from kraftsamla.organisations.models import COORDINATING_KINDS, Organisation
from kraftsamla.support import selectors
from kraftsamla.support.models import Need, Offer

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
            "title",
            "description",
            "capitals",
            "collaboration_form",
            "target_groups",
            "format",
            "delivered_by",
            "seats",
            "is_continuous",
            "start_date",
            "end_date",
            "cost",
            "status",
            "contact_name",
            "contact_email",
            "open_to_all_members",
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
        fields = [
            "id",
            "organisation",
            "capital",
            "collaboration_form",
            "description",
            "priority",
            "target_group",
            "year",
            "sharing_level",
            "is_demo",
        ]


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


def _body(slug: str) -> Organisation:
    body = Organisation.objects.filter(slug=slug, kind__in=COORDINATING_KINDS).first()
    if body is None:
        raise NotFound(_("No such regional body."))
    return body


class OfferList(generics.ListAPIView):
    """A body's offers (public), with uptake."""

    serializer_class = OfferSerializer

    def get_queryset(self):
        return selectors.offers_of(_body(self.kwargs["slug"]))


class NeedList(generics.ListAPIView):
    """Needs the caller may see: their own organisations' and those shared with them."""

    serializer_class = NeedSerializer

    def get_queryset(self):
        qs = selectors.visible_needs(self.request.user).order_by(
            "organisation__name", "priority", "id"
        )
        org = self.request.query_params.get("organisation")
        return qs.filter(organisation__slug=org) if org else qs


class Coverage(APIView):
    """The capitals × collaboration forms grid of a body (for the body's people)."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=CellSerializer(many=True))
    def get(self, request, slug: str):
        body = _body(slug)
        if not permissions.can_view_coverage(request.user, body):
            raise PermissionDenied
        year = request.query_params.get("year")
        grid = selectors.coverage_grid(
            body=body,
            target_group=request.query_params.get("target_group", ""),
            year=int(year) if year and year.isdigit() else None,
        )
        return Response(
            [
                {
                    "capital": c.capital,
                    "collaboration_form": c.form,
                    "needs": len(c.needs),
                    "municipalities": c.municipalities,
                    "offers": len(c.offers),
                    "open_offers": len(c.available_offers),
                    "seats": c.seats,
                    "uptake": c.uptake,
                    "gap": c.is_gap,
                    "unused": c.is_unused,
                }
                for c in grid.cells.values()
            ]
        )


class Recommendations(APIView):
    """Ranked open offers for an organisation, with reasons (for its people)."""

    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=RecommendationSerializer(many=True))
    def get(self, request, slug: str):
        org = Organisation.objects.filter(slug=slug).first()
        if org is None:
            raise NotFound(_("No such organisation."))
        if not permissions.can_view_recommendations(request.user, org):
            raise PermissionDenied
        ranked, _info = selectors.recommendations(organisation=org, user=request.user)
        return Response(
            [
                {
                    "offer": OfferSerializer(r.offer).data
                    | {"enrolled": None, "waiting": None, "avg_rating": None},
                    "score": r.score,
                    "reasons": [str(x) for x in r.reasons],
                }
                for r in ranked
            ]
        )
