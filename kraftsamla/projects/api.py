"""API endpoints for the project bank: the pages' policy, selectors and filter form."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core import access
from kraftsamla.core.api import InvalidFilter
from kraftsamla.organisations.models import EmissionSector
from kraftsamla.projects import selectors
from kraftsamla.projects.forms import (
    SIMILAR_TEXT_MAX,
    YEAR_MAX,
    YEAR_MIN,
    ProjectFilterForm,
    SimilarQueryForm,
)
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


class SimilarProjectSerializer(serializers.Serializer):
    project = ProjectSerializer()
    score = serializers.FloatField(help_text="Similarity to the text, 0 to 1.")
    shared_words = serializers.ListField(
        child=serializers.CharField(),
        help_text="The project's words (as written there) that it shares with the text.",
    )


def _choice(choices) -> dict:
    """A filter's schema: one of the choices, or empty for "all" (as on the page)."""
    return {"type": "string", "enum": ["", *choices.values]}


def _invalid(form) -> InvalidFilter:
    return InvalidFilter(
        {name: [str(message) for message in errors] for name, errors in form.errors.items()}
    )


class ProjectList(generics.ListAPIView):
    """Ideas and projects the caller may see, filtered as on a body's project list."""

    access_rules = ("projects.project.view",)
    serializer_class = ProjectSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", _choice(ProjectStatus)),
            OpenApiParameter("capital", _choice(CapitalKey)),
            OpenApiParameter("collaboration_form", _choice(CollaborationForm)),
            OpenApiParameter("sector", _choice(EmissionSector)),
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
            raise _invalid(form)
        return selectors.projects_filtered(
            selectors.projects_visible(self.request), form.cleaned_data
        ).order_by("-created_at", "-id")


class ProjectDetail(generics.RetrieveAPIView):
    """One idea or project with its participants, funding and timeline (404 when hidden)."""

    access_rules = ("projects.project.view",)
    serializer_class = ProjectDetailSerializer

    def get_object(self):
        return selectors.project_page(selectors.project_get(self.request, self.kwargs["pk"]))


class ProjectSimilar(APIView):
    """The visible ideas and projects of other organisations most similar to a text, best first.

    GET, with the text as a query parameter: a read that may be repeated and cached, and
    that needs no CSRF token. The text is limited to 1,000 characters, since the title and
    the opening of the summary say what an idea is about and a URL should stay short;
    a longer text answers 400 (send its beginning). Only what the caller may see is
    compared, so another organisation's private idea is never in the answer.
    """

    access_rules = ("projects.project.view",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "text",
                {"type": "string", "minLength": 1, "maxLength": SIMILAR_TEXT_MAX},
                required=True,
                description="The idea's text: its title, then its summary and challenge.",
            ),
            OpenApiParameter(
                "owner",
                {"type": "string", "pattern": "^[-a-zA-Z0-9_]*$"},
                description=(
                    "Leave out this organisation's ideas (its slug; an unknown one leaves "
                    "out none); by default those of the organisations the caller belongs to."
                ),
            ),
            OpenApiParameter(
                "exclude",
                {"type": "integer", "minimum": 1},
                description="Leave out this project (the one being edited).",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": SimilarQueryForm.LIMIT_MAX},
                description=f"How many to answer at most (default {selectors.SIMILAR_LIMIT}).",
            ),
        ],
        responses=SimilarProjectSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        names = ("text", "owner", "exclude", "limit")
        form = SimilarQueryForm({name: params.get(name) for name in names if name in params})
        if not form.is_valid():
            raise _invalid(form)
        data = form.cleaned_data
        owner = data.get("owner")
        exclude = data.get("exclude")
        own = access.access_of(request).organisation_ids()
        found = selectors.projects_similar(
            request,
            data["text"],
            owner=owner if owner is not None and owner.pk else None,
            exclude_owners=() if owner is not None else own,
            exclude=(exclude,) if exclude else (),
            limit=data.get("limit") or selectors.SIMILAR_LIMIT,
        )
        return Response(SimilarProjectSerializer(found, many=True).data)
