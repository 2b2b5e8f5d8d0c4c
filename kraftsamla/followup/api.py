"""API endpoints of follow-up: indicator definitions, an organisation's indicators with
values, targets and status, and its emission targets with their plans.

The rules are those of followup/policies.py, asked through the pages' selectors: values,
targets and emission targets are scoped to what the caller may see.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import TranslatedTextField
from kraftsamla.followup import selectors, trends
from kraftsamla.followup.models import (
    Direction,
    EmissionTarget,
    EmissionTargetKind,
    IndicatorDefinition,
    Trajectory,
)


class IndicatorSerializer(serializers.ModelSerializer):
    name = TranslatedTextField()
    description = TranslatedTextField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = IndicatorDefinition
        fields = [
            "id",
            "name",
            "unit",
            "direction",
            "description",
            "source",
            "kolada_kpi",
            "owner",
            "is_demo",
        ]


class TargetSerializer(serializers.Serializer):
    target_value = serializers.FloatField()
    target_year = serializers.IntegerField()
    base_year = serializers.IntegerField()
    base_value = serializers.FloatField(allow_null=True)
    trajectory = serializers.ChoiceField(choices=Trajectory.choices)


class YearValueSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    value = serializers.FloatField()


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=trends.Status.choices)
    label = serializers.CharField(help_text="The status in the request's language.")
    reason = serializers.CharField()
    projected = serializers.FloatField(
        allow_null=True, help_text="The trend's value in the target year."
    )
    expected_latest = serializers.FloatField(
        allow_null=True, help_text="The trajectory's value in the latest year with a value."
    )


class IndicatorRowSerializer(serializers.Serializer):
    indicator = IndicatorSerializer()
    values = YearValueSerializer(many=True, help_text="Totals (gender T) by year.")
    values_by_gender = serializers.DictField(
        child=YearValueSerializer(many=True), help_text='By gender code: "T", "K", "M".'
    )
    target = TargetSerializer(allow_null=True)
    status = StatusSerializer(allow_null=True)


def _series(values: dict[int, float]) -> list[dict]:
    return [{"year": year, "value": value} for year, value in sorted(values.items())]


def _row(row: selectors.IndicatorRow) -> dict:
    target, assessment = row.target, row.assessment
    return {
        "indicator": IndicatorSerializer(row.indicator).data,
        "values": _series(row.values),
        "values_by_gender": {g: _series(v) for g, v in sorted(row.by_gender.items())},
        "target": None
        if target is None
        else {
            "target_value": target.target_value,
            "target_year": target.target_year,
            "base_year": target.base_year,
            "base_value": row.base_value,
            "trajectory": target.trajectory,
        },
        "status": None
        if assessment is None
        else {
            "status": assessment.status,
            "label": assessment.label,
            "reason": assessment.reason,
            "projected": assessment.projected,
            "expected_latest": assessment.expected_latest,
        },
    }


class IndicatorList(APIView):
    """Every indicator definition on the platform (public facts)."""

    access_rules = (PUBLIC,)

    @extend_schema(responses=IndicatorSerializer(many=True))
    def get(self, request):
        return Response(IndicatorSerializer(selectors.indicators(), many=True).data)


class OrganisationIndicators(APIView):
    """An organisation's indicators with the values and targets the caller may see, and
    each indicator's status (see the indicator page for how it is decided)."""

    access_rules = ("followup.value.view",)

    @extend_schema(responses=IndicatorRowSerializer(many=True))
    def get(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        return Response([_row(row) for row in selectors.indicator_rows(request, organisation)])


class StepSerializer(serializers.Serializer):
    from_year = serializers.IntegerField()
    to_year = serializers.IntegerField()
    tonnes_per_year = serializers.FloatField(
        help_text="Average reduction per year (negative: rise)."
    )
    percent_per_year = serializers.FloatField(allow_null=True, help_text="As a share, 0.03 = 3 %.")


class PlanSerializer(serializers.Serializer):
    base_value = serializers.FloatField()
    target_value = serializers.FloatField()
    latest_year = serializers.IntegerField()
    latest_value = serializers.FloatField()
    required_tonnes_per_year = serializers.FloatField()
    required_percent_per_year = serializers.FloatField(allow_null=True)
    steps = StepSerializer(many=True)


class EmissionTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = TranslatedTextField()
    kind = serializers.ChoiceField(choices=EmissionTargetKind.choices)
    reduction_percent = serializers.FloatField(allow_null=True)
    base_year = serializers.IntegerField()
    target_year = serializers.IntegerField()
    sector = serializers.CharField(help_text="Empty for the total of all sectors.")
    decision = serializers.CharField()
    sharing_level = serializers.CharField()
    is_demo = serializers.BooleanField()
    plan = PlanSerializer(allow_null=True)
    problem = serializers.CharField(help_text="Why there is no plan, if there is none.")


def _emission_target(page: selectors.EmissionTargetPage) -> dict:
    target: EmissionTarget = page.target
    plan = page.plan
    return {
        "id": target.pk,
        "name": target.name,
        "kind": target.kind,
        "reduction_percent": target.reduction_percent,
        "base_year": target.base_year,
        "target_year": target.target_year,
        "sector": target.sector,
        "decision": target.decision,
        "sharing_level": target.sharing_level,
        "is_demo": target.is_demo,
        "plan": None
        if plan is None
        else {
            "base_value": plan.base_value,
            "target_value": plan.target_value,
            "latest_year": plan.latest_year,
            "latest_value": plan.latest_value,
            "required_tonnes_per_year": plan.required_tonnes_per_year,
            "required_percent_per_year": plan.required_percent_per_year,
            "steps": [vars(step) for step in plan.steps],
        },
        "problem": page.problem,
    }


class OrganisationEmissionTargets(APIView):
    """A municipality's emission targets the caller may see, each with its plan against
    SMHI's series (required reduction per year, reductions achieved)."""

    access_rules = ("followup.emissiontarget.view",)

    @extend_schema(responses=EmissionTargetSerializer(many=True))
    def get(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        pages = selectors.emission_target_pages(request, organisation)
        return Response(
            EmissionTargetSerializer([_emission_target(p) for p in pages], many=True).data
        )
