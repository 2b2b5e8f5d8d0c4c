"""API endpoints for the project bank: the pages' policy, selectors and filter form.

A project's detail carries its checklist when the caller may see it (else null); the
project template is public, like the page /projekt/mall/.
"""

from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import InvalidFilter, TranslatedTextField
from kraftsamla.organisations.models import EmissionSector
from kraftsamla.projects import selectors
from kraftsamla.projects.forms import YEAR_MAX, YEAR_MIN, ProjectFilterForm
from kraftsamla.projects.models import (
    Checklist,
    ChecklistItem,
    FundingSource,
    Participation,
    Project,
    ProjectEvent,
    ProjectStatus,
    ProjectTemplate,
    TemplateStep,
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


class ChecklistItemSerializer(serializers.ModelSerializer):
    title = TranslatedTextField()
    responsible = serializers.CharField(read_only=True, help_text="The person's name.")
    overdue = serializers.BooleanField(read_only=True, help_text="Past its due date, not done.")

    class Meta:
        model = ChecklistItem
        fields = [
            "key",
            "phase",
            "order",
            "role",
            "title",
            "responsible",
            "due",
            "done",
            "done_at",
            "overdue",
            "note",
        ]


class ChecklistSerializer(serializers.ModelSerializer):
    template_version = serializers.CharField(source="template.version", read_only=True)
    items = ChecklistItemSerializer(source="items_in_order", many=True, read_only=True)

    class Meta:
        model = Checklist
        fields = ["template_version", "created_at", "items"]


class ProjectDetailSerializer(ProjectSerializer):
    participants = ParticipationSerializer(source="participations", many=True, read_only=True)
    funding_sources = FundingSourceSerializer(many=True, read_only=True)
    timeline = ProjectEventSerializer(source="events", many=True, read_only=True)
    checklist = serializers.SerializerMethodField(
        help_text="The checklist made from the project template; null when the project has "
        "none or the caller may not see it (people of the organisations taking part may)."
    )

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "results",
            "lessons",
            "reusable",
            "participants",
            "funding_sources",
            "timeline",
            "checklist",
        ]

    @extend_schema_field(ChecklistSerializer(allow_null=True))
    def get_checklist(self, obj) -> dict | None:
        request = self.context["request"]
        if not access.allows(request, "projects.project.view_checklist", obj):
            return None
        checklist = selectors.checklist_of(obj)
        return ChecklistSerializer(checklist).data if checklist is not None else None


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
    """One idea or project with its participants, funding, timeline and checklist (404 when
    hidden)."""

    access_rules = ("projects.project.view", "projects.project.view_checklist")
    serializer_class = ProjectDetailSerializer

    def get_object(self):
        return selectors.project_page(selectors.project_get(self.request, self.kwargs["pk"]))


class TemplateRoleSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = TranslatedTextField()
    description = TranslatedTextField()


class TemplateStepSerializer(serializers.ModelSerializer):
    title = TranslatedTextField()
    guidance = TranslatedTextField(help_text="Who takes part and what is done.")
    involves = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Keys of the roles taking part."
    )

    class Meta:
        model = TemplateStep
        fields = ["key", "phase", "order", "role", "involves", "title", "guidance"]


class ProjectTemplateSerializer(serializers.ModelSerializer):
    title = TranslatedTextField()
    introduction = TranslatedTextField()
    roles = TemplateRoleSerializer(many=True, read_only=True)
    steps = TemplateStepSerializer(source="steps_in_order", many=True, read_only=True)

    class Meta:
        model = ProjectTemplate
        fields = [
            "version",
            "title",
            "introduction",
            "source",
            "is_published",
            "created_at",
            "roles",
            "steps",
        ]


@extend_schema_view(get=extend_schema(operation_id="projects_template_current"))
class ProjectTemplateCurrent(generics.RetrieveAPIView):
    """The current project template for municipalities with small staffs: roles and steps
    by phase (404 before one is loaded)."""

    access_rules = (PUBLIC,)
    serializer_class = ProjectTemplateSerializer

    def get_object(self):
        return selectors.template_get()


@extend_schema_view(get=extend_schema(operation_id="projects_template_version"))
class ProjectTemplateVersion(generics.RetrieveAPIView):
    """One published version of the project template (checklists name the version they
    were made from)."""

    access_rules = (PUBLIC,)
    serializer_class = ProjectTemplateSerializer
    lookup_field = "version"
    queryset = ProjectTemplate.objects.none()

    def get_object(self):
        return selectors.template_get(self.kwargs["version"])
