"""API endpoints for the project bank: the pages' policy, selectors and filter form."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.api import InvalidFilter
from kraftsamla.organisations.models import EmissionSector
from kraftsamla.projects import selectors
from kraftsamla.projects.forms import YEAR_MAX, YEAR_MIN, ProjectFilterForm
from kraftsamla.projects.models import (
    FundingSource,
    Participation,
    Project,
    ProjectEvent,
    ProjectStatus,
)
from kraftsamla.projects.services import PROJECT_FIELDS

FILTERS = ("status", "capital", "collaboration_form", "sector", "municipality", "year")


class ParticipationSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Participation
        fields = ["organisation", "role"]


class FundingSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingSource
        fields = ["funder_name", "amount"]


class ProjectEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectEvent
        fields = ["created_at", "actor_label", "from_status", "to_status", "reason", "next_step"]


class ProjectSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Project
        fields = ["id", "owner", "status", *PROJECT_FIELDS, "origin", "is_demo"]


class ProjectDetailSerializer(ProjectSerializer):
    participants = ParticipationSerializer(source="participations", many=True, read_only=True)
    funding_sources = FundingSourceSerializer(many=True, read_only=True)
    timeline = ProjectEventSerializer(source="events", many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "results",
            "lessons",
            "reusable",
            "participants",
            "funding_sources",
            "timeline",
        ]


class ProjectList(generics.ListAPIView):
    """Ideas and projects the caller may see, filtered as on a body's project list."""

    access_rules = ("projects.project.view",)
    serializer_class = ProjectSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ProjectStatus.values),
            OpenApiParameter("capital", str, enum=CapitalKey.values),
            OpenApiParameter("collaboration_form", str, enum=CollaborationForm.values),
            OpenApiParameter("sector", str, enum=EmissionSector.values),
            OpenApiParameter(
                "municipality",
                {"type": "string", "pattern": "^[-a-zA-Z0-9_]*$"},
                description="Slug of the owner.",
            ),
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
                description="Start year (creation year if none).",
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        form = ProjectFilterForm({name: params.get(name) for name in FILTERS if name in params})
        if not form.is_valid():
            raise InvalidFilter(
                {name: [str(message) for message in errors] for name, errors in form.errors.items()}
            )
        return selectors.projects_filtered(
            selectors.projects_visible(self.request), form.cleaned_data
        ).order_by("-created_at", "-id")


class ProjectDetail(generics.RetrieveAPIView):
    """One idea or project with its participants, funding and timeline (404 when hidden)."""

    access_rules = ("projects.project.view",)
    serializer_class = ProjectDetailSerializer

    def get_object(self):
        return selectors.project_page(selectors.project_get(self.request, self.kwargs["pk"]))
