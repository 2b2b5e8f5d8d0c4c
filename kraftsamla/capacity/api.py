"""API endpoints for transition capacity, with their serializers.

kraftsamla/api/urls.py mounts them under /api/v1/capacity/. The rules are those of
capacity/policies.py, asked through the same selectors the pages use: the list is
scoped, and a hidden assessment answers 404 as a missing one does.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework import permissions as drf_permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.capacity import selectors, services
from kraftsamla.capacity.models import Assessment, Capital, Framework, Statement
from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import TranslatedTextField
from kraftsamla.core.limits import EVIDENCE_MAX


class StatementSerializer(serializers.ModelSerializer):
    text = TranslatedTextField()

    class Meta:
        model = Statement
        fields = ["id", "key", "order", "text", "levels"]


class CapitalSerializer(serializers.ModelSerializer):
    name = TranslatedTextField()
    definition = TranslatedTextField()
    question = TranslatedTextField()
    statements = StatementSerializer(many=True, read_only=True)

    class Meta:
        model = Capital
        fields = [
            "key",
            "order",
            "name",
            "definition",
            "question",
            "statements",
        ]


class FrameworkSerializer(serializers.ModelSerializer):
    title = TranslatedTextField()
    overall = TranslatedTextField()
    capitals = CapitalSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = [
            "version",
            "title",
            "overall",
            "source",
            "building_steps",
            "scale",
            "collaboration_forms",
            "is_current",
            "capitals",
        ]


class FrameworkSummarySerializer(serializers.ModelSerializer):
    title = TranslatedTextField()

    class Meta:
        model = Framework
        fields = ["version", "title", "is_current", "created_at"]


class CapitalResultSerializer(serializers.Serializer):
    capital = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    share_answered = serializers.FloatField()
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    consensus = serializers.FloatField(allow_null=True)
    low_consensus = serializers.BooleanField()


class AssessmentSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    framework_version = serializers.CharField(source="framework.version", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "organisation",
            "framework_version",
            "year",
            "purpose",
            "purpose_note",
            "mode",
            "status",
            "sharing_level",
            "published_at",
            "is_demo",
        ]


class AssessmentDetailSerializer(AssessmentSerializer):
    results = serializers.SerializerMethodField()

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "results"]

    @extend_schema_field(CapitalResultSerializer(many=True))
    def get_results(self, obj) -> list[dict]:
        results = selectors.assessment_capital_results(obj)
        return [
            {
                "capital": key,
                "score": r.score,
                "share_answered": round(r.share_answered, 3),
                "answered": r.answered,
                "total": r.total,
                "consensus": r.consensus,
                "low_consensus": r.low_consensus,
            }
            for key, r in results.items()
        ]


class AnswerInSerializer(serializers.Serializer):
    statement = serializers.CharField(help_text="Statement key, e.g. political-1.")
    score = serializers.IntegerField(allow_null=True, required=False)
    dont_know = serializers.BooleanField(default=False)
    evidence = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=EVIDENCE_MAX
    )
    framework_version = serializers.CharField(required=False)


class AnswerOutSerializer(serializers.Serializer):
    statement = serializers.CharField()
    score = serializers.IntegerField(allow_null=True)
    dont_know = serializers.BooleanField()
    evidence = serializers.CharField()


class FrameworkList(generics.ListAPIView):
    """Framework versions."""

    access_rules = (PUBLIC,)
    serializer_class = FrameworkSummarySerializer
    queryset = Framework.objects.order_by("-created_at")


class FrameworkDetail(generics.RetrieveAPIView):
    """One framework version with capitals, statements and level descriptors."""

    access_rules = (PUBLIC,)
    serializer_class = FrameworkSerializer
    lookup_field = "version"
    queryset = Framework.objects.prefetch_related("capitals__statements")


class AssessmentList(generics.ListAPIView):
    """Assessments the caller may see: their own organisations', and published shared ones."""

    access_rules = ("capacity.assessment.view",)
    serializer_class = AssessmentSerializer

    @extend_schema(
        parameters=[OpenApiParameter("organisation", str, description="Slug of the organisation.")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.assessments_visible(self.request)
        org = self.request.query_params.get("organisation")
        if org:
            qs = qs.filter(organisation__slug=org)
        return qs


class AssessmentDetail(generics.RetrieveAPIView):
    """One assessment with its per-capital results."""

    access_rules = ("capacity.assessment.view",)
    serializer_class = AssessmentDetailSerializer

    def get_object(self):
        return selectors.assessment_visible(self.request, self.kwargs["pk"])


class AnswerWrite(APIView):
    """Save the caller's answer to one statement (same rules as the answer page)."""

    access_rules = ("capacity.assessment.view", "capacity.assessment.answer")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=AnswerInSerializer, responses=AnswerOutSerializer)
    def put(self, request, pk: int):
        assessment = selectors.assessment_visible(request, pk)
        data = AnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        statement = (
            Statement.objects.select_related("capital")
            .filter(capital__framework_id=assessment.framework_id, key=values["statement"])
            .first()
        )
        if statement is None:
            raise ValidationError(
                {
                    "statement": _(
                        "No statement with this key in the assessment's framework version."
                    )
                }
            )
        answer = services.answer_save(
            actor=request.user,
            assessment=assessment,
            statement=statement,
            score=values.get("score"),
            dont_know=values.get("dont_know", False),
            evidence=values.get("evidence", ""),
            framework_version=values.get("framework_version"),
        )
        return Response(
            {
                "statement": statement.key,
                "score": answer.score,
                "dont_know": answer.dont_know,
                "evidence": answer.evidence,
            }
        )
