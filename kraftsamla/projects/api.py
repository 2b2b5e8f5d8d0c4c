"""API endpoints for the project bank: the pages' policy, selectors, filter form and services.

A project's detail carries its checklist when the caller may see it (else null); the
project template is public, like the page /projekt/mall/.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework import permissions as drf_permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import InvalidFilter, Pagination, TranslatedTextField, blank_parameters
from kraftsamla.core.limits import NOTE_MAX
from kraftsamla.organisations import selectors as organisation_selectors
from kraftsamla.organisations.models import EmissionSector, Organisation, PopulationClass
from kraftsamla.projects import selectors, services
from kraftsamla.projects.forms import (
    SIMILAR_TEXT_MAX,
    YEAR_MAX,
    YEAR_MIN,
    PortfolioApiFilterForm,
    ProjectApiFilterForm,
    SimilarQueryForm,
)
from kraftsamla.projects.models import (
    Checklist,
    ChecklistItem,
    FundingSource,
    JoinRequest,
    Participation,
    Project,
    ProjectAttachment,
    ProjectEvent,
    ProjectStatus,
    ProjectTemplate,
    TemplateStep,
)
from kraftsamla.projects.services import PROJECT_FIELDS

FILTERS = (
    "status",
    "capital",
    "collaboration_form",
    "sector",
    "municipality",
    "year",
    "population_class",
    "good_example",
)


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
        fields = [
            "created_at",
            "actor_label",
            "kind",
            "from_status",
            "to_status",
            "reason",
            "next_step",
        ]


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="Answers the file to whoever may see the project."
    )

    class Meta:
        model = ProjectAttachment
        fields = ["id", "name", "kind", "content_type", "size", "uploaded_at", "download_url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: ProjectAttachment) -> str:
        request = self.context.get("request")
        url = attachment.get_absolute_url()
        return request.build_absolute_uri(url) if request is not None else url


class ProjectSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    good_example = serializers.BooleanField(
        source="is_good_example",
        read_only=True,
        help_text="A regional body holds the completed project up as a good example.",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "owner",
            "status",
            *PROJECT_FIELDS,
            "origin",
            "good_example",
            "good_example_since",
            "good_example_reason",
            "is_demo",
        ]


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
    attachments = AttachmentSerializer(many=True, read_only=True)
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
            "attachments",
            "checklist",
        ]

    @extend_schema_field(ChecklistSerializer(allow_null=True))
    def get_checklist(self, obj) -> dict | None:
        request = self.context["request"]
        if not access.allows(request, "projects.project.view_checklist", obj):
            return None
        checklist = selectors.checklist_of(obj)
        return ChecklistSerializer(checklist).data if checklist is not None else None


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


# The filters of the project list and of a body's portfolio (as on their pages).
FILTER_PARAMETERS = [
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
    OpenApiParameter(
        "population_class",
        str,
        enum=PopulationClass.values,
        description="Size class of the owner (by population).",
    ),
]


class ProjectList(generics.ListAPIView):
    """Ideas and projects the caller may see, filtered as on a body's project list; with
    `good_example=true`, the good examples."""

    access_rules = ("projects.project.view",)
    serializer_class = ProjectSerializer

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "good_example",
                bool,
                description=(
                    "true: only the good examples (completed projects a regional body "
                    "holds up); false: all but them."
                ),
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        form = ProjectApiFilterForm({name: params.get(name) for name in FILTERS if name in params})
        if not form.is_valid():
            raise _invalid(form)
        return selectors.projects_filtered(
            selectors.projects_visible(self.request), form.cleaned_data
        ).order_by("-created_at", "-id")


class ProjectDetail(generics.RetrieveAPIView):
    """One idea or project with its participants, funding, timeline, attachments and
    checklist (404 when hidden)."""

    access_rules = ("projects.project.view", "projects.project.view_checklist")
    serializer_class = ProjectDetailSerializer

    def get_object(self):
        return selectors.project_page(selectors.project_get(self.request, self.kwargs["pk"]))


@extend_schema_field({"type": "string", "description": "The person's name (never the e-mail)."})
class PersonNameField(serializers.Field):
    """A person's name, or "" when the account is gone (read-only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.source)

    def to_representation(self, value) -> str:
        return value.full_name if value is not None else ""


class JoinRequestSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = PersonNameField()
    decided_by = PersonNameField()

    class Meta:
        model = JoinRequest
        fields = [
            "id",
            "project",
            "organisation",
            "status",
            "message",
            "requested_by",
            "created_at",
            "role",
            "reason",
            "decided_by",
            "decided_at",
        ]


class JoinRequestInSerializer(serializers.Serializer):
    organisation = serializers.SlugField(help_text="Slug of the organisation that asks.")
    message = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=NOTE_MAX
    )


class ProjectJoinRequests(generics.ListCreateAPIView):
    """Requests to join a project (404 when the project is hidden): the owner's people see
    them all, an asking organisation's people its own. POST asks to join, for an
    organisation the caller administers or edits."""

    access_rules = (
        "projects.project.view",
        "projects.joinrequest.view",
        "projects.project.request_join",
    )
    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = JoinRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI document
            return JoinRequest.objects.none()
        project = selectors.project_get(self.request, self.kwargs["pk"])
        return selectors.join_requests_of_project(self.request, project)

    @extend_schema(request=JoinRequestInSerializer, responses={201: JoinRequestSerializer})
    def post(self, request, pk: int):
        project = selectors.project_get(request, pk)
        data = JoinRequestInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        organisation = Organisation.objects.filter(slug=values["organisation"]).first()
        if organisation is None:
            raise ValidationError({"organisation": [_("No organisation with this slug.")]})
        join_request = services.join_request_create(
            actor=request.user,
            project=project,
            organisation=organisation,
            message=values.get("message", ""),
            link=request.build_absolute_uri(project.get_absolute_url()),
        )
        return Response(JoinRequestSerializer(join_request).data, status=status.HTTP_201_CREATED)


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
        valid = form.is_valid()
        # The page's live suggestions send an empty `exclude` for a new idea; not the API.
        for name, messages in blank_parameters(params, ("exclude", "limit")).items():
            form.add_error(name, messages)
        if not valid or form.errors:
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


# --- A body's portfolio ----------------------------------------------------------------------

PORTFOLIO_FILTERS = PortfolioApiFilterForm.field_order


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(help_text="What a high score (4) means.")
    weight = serializers.IntegerField(min_value=0, max_value=10)
    axis = serializers.ChoiceField(
        choices=["impact", "effort", ""],
        help_text="The impact × effort chart's axis the criterion feeds (empty: neither).",
    )


SCORE_SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 0, "maximum": 4},
        "reason": {"type": "string"},
    },
    "required": ["score", "reason"],
}
CRITERION_SCHEMA = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string", "description": "What a high score (4) means."},
        "weight": {"type": "integer", "minimum": 0, "maximum": 10},
        "axis": {
            "type": "string",
            "enum": ["impact", "effort", ""],
            "description": "The impact × effort chart's axis it feeds (empty: neither).",
        },
    },
    "required": ["key", "name", "description", "weight", "axis"],
}


class PortfolioRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project.pk")
    title = serializers.CharField(source="project.title")
    owner = serializers.SlugField(source="project.owner.slug")
    owner_name = serializers.CharField(source="project.owner.name")
    status = serializers.ChoiceField(source="project.status", choices=ProjectStatus.choices)
    rank = serializers.IntegerField(
        allow_null=True, help_text="Place in the ranked list; null when not scored."
    )
    score = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        allow_null=True,
        help_text=(
            "Weighted score 0–4: Σ(weight × score) / Σ(weight) over the criteria scored; "
            "null when none is."
        ),
    )
    coverage = serializers.DecimalField(
        max_digits=3, decimal_places=2, help_text="Share (0–1) of the weight that is scored."
    )
    impact = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    effort = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        allow_null=True,
        help_text="4 − the weighted score of the effort criteria (4 = much effort).",
    )
    participants = serializers.IntegerField(source="project.participant_count")
    scores = serializers.SerializerMethodField(
        help_text="The body's scores by criterion key; a criterion not scored is absent."
    )

    @extend_schema_field({"type": "object", "additionalProperties": SCORE_SCHEMA})
    def get_scores(self, row) -> dict:
        return {
            key: {"score": score, "reason": row.reasons.get(key, "")}
            for key, score in row.scores.items()
        }


class PortfolioPagination(Pagination):
    """The API's pages, with the body's criteria beside the rows."""

    page_size = 100

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["criteria"] = CriterionSerializer(self.criteria, many=True).data
        return response

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["criteria"] = {
            "type": "array",
            "items": CRITERION_SCHEMA,
            "description": "The body's criteria and weights, in order.",
        }
        result["required"] = [*result.get("required", []), "criteria"]
        return result


@extend_schema_view(get=extend_schema(operation_id="projects_portfolio"))
class ProjectPortfolio(generics.ListAPIView):
    """A regional body's portfolio: its members' ideas and projects shared with it or
    public, ranked by the body's weighted criteria, with each project's scores.

    For the people of the body (403 for others, 404 for an organisation that is no
    regional body or programme). A private project is never included.
    """

    access_rules = ("projects.portfolio.view",)
    serializer_class = PortfolioRowSerializer
    pagination_class = PortfolioPagination
    permission_classes = [drf_permissions.IsAuthenticated]
    queryset = Project.objects.none()

    @extend_schema(parameters=FILTER_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        body = organisation_selectors.coordinating_body_get(self.kwargs["slug"])
        access.require(self.request, "projects.portfolio.view", body)
        params = self.request.query_params
        form = PortfolioApiFilterForm(
            {name: params.get(name) for name in PORTFOLIO_FILTERS if name in params}
        )
        if not form.is_valid():
            raise _invalid(form)
        data = selectors.portfolio_ranked_cached(self.request, body, form.cleaned_data)
        self.paginator.criteria = data.criteria
        self.portfolio = (body, data)
        return data.rows

    def paginate_queryset(self, queryset):
        body, data = self.portfolio
        return selectors.portfolio_load(
            self.request, body, data, super().paginate_queryset(queryset), reasons=True
        )
