"""API endpoints of twins and peers: the matching with its components (same form as the page)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.core import access
from kraftsamla.core.api import InvalidFilter, blank_parameters
from kraftsamla.organisations.models import Organisation, OrganisationKind
from kraftsamla.twinning import matching, selectors
from kraftsamla.twinning.forms import MatchingForm
from kraftsamla.twinning.matching import Purpose
from kraftsamla.twinning.models import TwinLink


class ComponentsSerializer(serializers.Serializer):
    """Each component from 0 to 1; null when it was left out (no data, or not shared)."""

    distance = serializers.FloatField(allow_null=True)
    size = serializers.FloatField(allow_null=True)
    emissions = serializers.FloatField(allow_null=True)
    programmes = serializers.FloatField(allow_null=True)
    themes = serializers.FloatField(allow_null=True)
    capitals = serializers.FloatField(allow_null=True)


class CandidateSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    municipality = serializers.CharField(help_text="The candidate's slug.")
    name = serializers.CharField()
    code = serializers.CharField()
    score = serializers.FloatField(help_text="The weighted mean of the available components, 0–1.")
    components = ComponentsSerializer()
    distance_km = serializers.FloatField(allow_null=True)
    neighbours = serializers.BooleanField()
    same_county = serializers.BooleanField()
    same_fa_region = serializers.BooleanField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="In the request's language."
    )


class MatchingSerializer(serializers.Serializer):
    municipality = serializers.CharField()
    # A plain string: a choice field would clash with the capacity assessments' "purpose" enum.
    purpose = serializers.CharField(help_text="twin, peer, complement or pilot_twin.")
    weights = ComponentsSerializer()
    programme = serializers.CharField(allow_null=True)
    candidates = CandidateSerializer(many=True)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class Matching(APIView):
    """Ranked candidates for a municipality and purpose, with every component.

    Parameters as on the page: `purpose`, `w_<component>` weights (blank: the purpose's
    preset) and `programme` (slug; needed for `pilot_twin`). Negative or all-zero weights,
    or a pilot–twin pair without a pilot group, answer 400 with the fields at fault.
    Themes and capital profiles count only where both sides share them with the caller.
    """

    access_rules = ("twinning.matching.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("purpose", str, enum=Purpose.values),
            OpenApiParameter("programme", str, description="Slug of a body or programme."),
            OpenApiParameter("limit", int, description="How many candidates (1–500, default 25)."),
            *[
                OpenApiParameter(f"w_{key}", float, description="A weight from 0 to 100.")
                for key in matching.COMPONENTS
            ],
        ],
        responses={200: MatchingSerializer},
    )
    def get(self, request, slug: str):
        organisation = get_object_or_404(
            Organisation, slug=slug, kind=OrganisationKind.MUNICIPALITY
        )
        access.require(request, "twinning.matching.view", organisation)
        form = MatchingForm(request.query_params)
        errors = {} if form.is_valid() else dict(form.errors)
        # The page's form takes a blank weight as the preset; the API wants a value or none.
        errors.update(blank_parameters(request.query_params, [*form.fields, "limit"]))
        limit = _limit(request.query_params.get("limit"), errors)
        if errors:
            raise InvalidFilter(
                {name: [str(message) for message in messages] for name, messages in errors.items()}
            )
        data = form.cleaned_data
        result = selectors.matching_for(
            request,
            organisation,
            purpose=data["purpose"],
            weights=data["weights"],
            programme=data.get("programme"),
            shown=limit,
        )
        return Response(
            {
                "municipality": organisation.slug,
                "purpose": result.purpose,
                "weights": result.weights,
                "programme": result.programme.slug if result.programme else None,
                "candidates": [
                    {
                        "rank": rank,
                        "municipality": match.place.slug,
                        "name": match.place.name,
                        "code": match.place.code,
                        "score": round(match.score, 4),
                        "components": {
                            key: _round(match.values.get(key)) for key in matching.COMPONENTS
                        },
                        "distance_km": _round(match.details["km"]),
                        "neighbours": match.details["neighbours"],
                        "same_county": match.details["same_county"],
                        "same_fa_region": match.details["same_fa"],
                        "reasons": match.reasons,
                    }
                    for rank, match in enumerate(result.shown, start=1)
                ],
            }
        )


def _limit(raw: str | None, errors: dict) -> int:
    if raw in (None, ""):
        return matching.SHOWN
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 500:
        errors["limit"] = [_("Give a whole number from 1 to 500.")]
        return matching.SHOWN
    return value


class LinkMemberSerializer(serializers.Serializer):
    municipality = serializers.CharField(source="organisation.slug")
    name = serializers.CharField(source="organisation.display_name")
    role = serializers.CharField(help_text="pioneer, pilot, twin or peer.")


class LinkSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="pioneer_twin, pilot_twin or peer_group.")
    programme = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    description = serializers.SerializerMethodField()
    members = LinkMemberSerializer(many=True, read_only=True)

    class Meta:
        model = TwinLink
        fields = [
            "id",
            "kind",
            "programme",
            "start_date",
            "end_date",
            "description",
            "members",
            "is_demo",
        ]

    def get_description(self, link) -> str:
        """In the request's language; Swedish if not translated."""
        return str(link.description or "")


class LinkList(generics.ListAPIView):
    """Recorded twin and peer links (a public register), optionally of one municipality."""

    access_rules = ("twinning.link.view",)
    serializer_class = LinkSerializer
    permission_classes = [drf_permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "municipality", str, description="A municipality's slug (unknown: no links)."
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # An unknown slug is a municipality without links: an empty list, as for any filter.
        return selectors.links_visible(
            self.request, municipality_slug=self.request.query_params.get("municipality")
        ).order_by("-start_date", "pk")


class ModuleSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    title = serializers.CharField(help_text="In the request's language; Swedish if not translated.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    done = serializers.BooleanField()


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="workshop, digital, site_visit or peer_meeting.")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField()
    agenda = serializers.CharField()
    notes = serializers.CharField()
    decisions = serializers.CharField()
    follow_up = serializers.CharField()


class ParticipantSerializer(serializers.Serializer):
    municipality = serializers.CharField()
    role = serializers.CharField(help_text="pioneer, pilot, twin or peer.")
    plan_status = serializers.CharField(
        allow_null=True, help_text="draft or approved; null without a plan."
    )
    plan = serializers.DictField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="The plan's sections, for the municipality's editors and the organiser's.",
    )
    travel_claimed = serializers.IntegerField()


class ProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organiser = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    months = serializers.IntegerField()
    status = serializers.CharField(help_text="open or closed.")
    travel_ceiling = serializers.IntegerField(allow_null=True)
    modules = ModuleSerializer(many=True)
    meetings = MeetingSerializer(many=True)
    participants = ParticipantSerializer(many=True)
    is_demo = serializers.BooleanField()


def _programme_data(request, programme) -> dict:
    progress = selectors.progress_of(programme)
    participants = []
    for participant in progress.participants:
        plan = getattr(participant, "replication_plan", None)
        may_read = access.allows(request, "twinning.plan.edit", participant) or access.allows(
            request, "twinning.plan.approve", participant
        )
        participants.append(
            {
                "municipality": participant.organisation.slug,
                "role": participant.role,
                "plan_status": plan.status if plan else None,
                "plan": plan.answers if plan and may_read else None,
                "travel_claimed": int(progress.claimed[participant.pk]),
            }
        )
    return {
        "id": programme.pk,
        "title": str(programme.title),
        "organiser": programme.organiser.slug,
        "start_date": programme.start_date,
        "end_date": progress.end,
        "months": programme.months,
        "status": programme.status,
        "travel_ceiling": None
        if programme.travel_ceiling is None
        else int(programme.travel_ceiling),
        "modules": [
            {
                "order": m.order,
                "title": str(m.title),
                "start_date": m.start_date,
                "end_date": m.end_date,
                "done": m.done,
            }
            for m in progress.modules
        ],
        "meetings": [
            {
                "id": m.pk,
                "kind": m.kind,
                "title": m.title,
                "starts_at": m.starts_at,
                "ends_at": m.ends_at,
                "place": m.place,
                "agenda": m.agenda,
                "notes": m.notes,
                "decisions": m.decisions,
                "follow_up": m.follow_up,
            }
            for m in progress.meetings
        ],
        "participants": participants,
        "is_demo": programme.is_demo,
    }


class ProgrammeList(APIView):
    """The twinning programmes the caller follows (as organiser or participant), in full."""

    access_rules = ("twinning.programme.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=ProgrammeSerializer(many=True))
    def get(self, request):
        programmes = selectors.programmes_visible(request)
        return Response(
            ProgrammeSerializer([_programme_data(request, p) for p in programmes], many=True).data
        )


class ProgrammeDetail(APIView):
    """One programme with modules, meetings, participants and replication plans; 404 when
    the caller does not follow it."""

    access_rules = ("twinning.programme.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=ProgrammeSerializer)
    def get(self, request, pk: int):
        programme = selectors.programme_get(request, pk)
        return Response(ProgrammeSerializer(_programme_data(request, programme)).data)
