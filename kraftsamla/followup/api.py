"""API endpoints of follow-up: indicator definitions, an organisation's indicators with
values, targets and status, its emission targets with their plans, commitments, promise
menus, rounds, and a body's capacity follow-up.

The rules are those of followup/policies.py, asked through the pages' selectors: values,
targets and emission targets are scoped to what the caller may see.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions as drf_permissions
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import TranslatedTextField
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from kraftsamla.core.models import SharingLevel
from kraftsamla.followup import selectors, services, trends
from kraftsamla.followup.models import (
    YEAR_MAX,
    YEAR_MIN,
    Action,
    Commitment,
    CommitmentKind,
    Direction,
    EmissionSeries,
    EmissionTarget,
    EmissionTargetKind,
    Gender,
    IndicatorDefinition,
    IndicatorValue,
    ProgressStatus,
    ReportStatus,
    ResponsibleUnit,
    RoundStatus,
    Trajectory,
)
from kraftsamla.organisations.models import EmissionSector
from kraftsamla.projects import selectors as project_selectors
from kraftsamla.projects.models import Project


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
            "reason": str(assessment.reason),
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


class IndicatorValueInSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=YEAR_MIN, max_value=YEAR_MAX, help_text="Not after the current year."
    )
    value = serializers.FloatField()
    gender = serializers.ChoiceField(
        choices=Gender.choices, default=Gender.TOTAL, help_text="Kolada's split; T: total."
    )
    source = serializers.CharField(max_length=300, required=False, allow_blank=True)
    sharing_level = serializers.ChoiceField(
        choices=SharingLevel.choices,
        required=False,
        help_text="Who sees the value; a new value is shared with the region unless given.",
    )


class IndicatorValueSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    gender = serializers.ChoiceField(choices=Gender.choices)
    sharing_level = serializers.ChoiceField(choices=SharingLevel.choices)

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "organisation",
            "year",
            "gender",
            "value",
            "source",
            "sharing_level",
            "updated_at",
        ]


class OrganisationIndicatorValues(APIView):
    """Report (or correct) the organisation's value of an indicator for a year, as the
    indicator page does: its administrators and editors may, anyone else gets 403 (whether
    or not a value is stored). A value for the year and gender is replaced."""

    access_rules = ("followup.organisation.edit", "followup.value.edit")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=IndicatorValueInSerializer, responses={201: IndicatorValueSerializer})
    def post(self, request, slug: str, pk: int):
        organisation = selectors.organisation_get(slug)
        access.require(
            request,
            "followup.organisation.edit",
            organisation,
            _("Only the organisation's administrators and editors report its values."),
        )
        indicator = selectors.indicator_get(pk)
        data = IndicatorValueInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        value = services.indicator_value_set(
            actor=request.user,
            organisation=organisation,
            indicator=indicator,
            year=values["year"],
            gender=values["gender"],
            data={name: values[name] for name in services.VALUE_FIELDS if name in values},
        )
        return Response(IndicatorValueSerializer(value).data, status=status.HTTP_201_CREATED)


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


class YearFigureSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    tonnes_co2e = serializers.FloatField()


class EmissionTargetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = TranslatedTextField()
    kind = serializers.ChoiceField(choices=EmissionTargetKind.choices)
    reduction_percent = serializers.FloatField(allow_null=True)
    base_year = serializers.IntegerField()
    target_year = serializers.IntegerField()
    sector = serializers.CharField(help_text="Empty for the total of all sectors.")
    series = serializers.ChoiceField(
        choices=EmissionSeries.choices,
        help_text="The figures the target is followed on: SMHI's or the municipality's own.",
    )
    figures = YearFigureSerializer(
        many=True,
        help_text="The series by year (tonnes CO2e): SMHI's, or the own figures the caller "
        "may see.",
    )
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
        "series": target.series,
        "figures": [{"year": y, "tonnes_co2e": t} for y, t in sorted(page.series.items())],
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
    its series, SMHI's or the municipality's own (required reduction per year, reductions
    achieved)."""

    access_rules = ("followup.emissiontarget.view", "followup.emissionfigure.view")

    @extend_schema(responses=EmissionTargetSerializer(many=True))
    def get(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        pages = selectors.emission_target_pages(request, organisation)
        return Response(
            EmissionTargetSerializer([_emission_target(p) for p in pages], many=True).data
        )


# --- Commitments, actions and promise menus ----------------------------------------------------


class CommitmentSerializer(serializers.ModelSerializer):
    title = TranslatedTextField()
    description = TranslatedTextField()
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    responsible_unit = serializers.StringRelatedField(allow_null=True)
    promise = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(
        help_text="Weighted mean progress of the actions, per cent; null without actions."
    )

    class Meta:
        model = Commitment
        fields = [
            "id",
            "organisation",
            *services.COMMITMENT_FIELDS,
            "promise",
            "is_demo",
            "progress",
        ]

    def get_progress(self, commitment) -> float | None:
        return self.context.get("progress", {}).get(commitment.pk)


class ActionSerializer(serializers.ModelSerializer):
    unit = serializers.StringRelatedField(allow_null=True)
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    projects = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    progress_effective = serializers.SerializerMethodField(
        help_text="The progress that counts: weighted from sub-actions when it has any."
    )

    class Meta:
        model = Action
        fields = [
            "id",
            "parent",
            "title",
            "unit",
            "starts_on",
            "ends_on",
            "cost",
            "funding",
            "status",
            "status_comment",
            "progress",
            "weight",
            "projects",
            "progress_effective",
        ]

    def get_progress_effective(self, action) -> float | None:
        return self.context.get("progress", {}).get(action.pk)


class CommitmentDetailSerializer(serializers.Serializer):
    commitment = CommitmentSerializer()
    actions = ActionSerializer(many=True)


class TranslatedTextInSerializer(serializers.Serializer):
    """Text in Swedish (required) and English (optional)."""

    sv = serializers.CharField(max_length=TITLE_MAX)
    en = serializers.CharField(max_length=TITLE_MAX, required=False, allow_blank=True)


class TranslatedDescriptionInSerializer(serializers.Serializer):
    sv = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    en = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)


def _unit_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    """A unit id; the view narrows the choice to the organisation's own units."""
    return serializers.PrimaryKeyRelatedField(
        queryset=ResponsibleUnit.objects.none(),
        required=False,
        allow_null=True,
        error_messages={
            "does_not_exist": gettext_lazy("Choose a unit of the organisation itself.")
        },
        **kwargs,
    )


class CommitmentInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[c for c in CommitmentKind.choices if c[0] != CommitmentKind.CLIMATE_PROMISE],
        help_text="A climate promise is adopted from a body's promise menu, not here.",
    )
    title = TranslatedTextInSerializer()
    description = TranslatedDescriptionInSerializer(required=False)
    adopted_by = serializers.CharField(max_length=200, required=False, allow_blank=True)
    adopted_on = serializers.DateField(required=False, allow_null=True)
    decision_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    responsible_unit = _unit_field(help_text="Id of one of the organisation's units.")
    responsible_person = serializers.CharField(max_length=200, required=False, allow_blank=True)
    capitals = serializers.ListField(
        child=serializers.ChoiceField(choices=CapitalKey.choices), required=False
    )
    emission_sectors = serializers.ListField(
        child=serializers.ChoiceField(choices=EmissionSector.choices), required=False
    )
    status = serializers.ChoiceField(choices=ProgressStatus.choices, required=False)
    sharing_level = serializers.ChoiceField(
        choices=SharingLevel.choices,
        required=False,
        help_text="Who sees the commitment; shared with the region unless given.",
    )
    indicators = serializers.PrimaryKeyRelatedField(
        queryset=IndicatorDefinition.objects.all(), many=True, required=False
    )

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            units = ResponsibleUnit.objects.filter(organisation=organisation)
            self.fields["responsible_unit"].queryset = units


class OrganisationCommitments(APIView):
    """An organisation's commitments the caller may see, with their progress. POST records
    a commitment, as the page does: the organisation's administrators and editors may."""

    access_rules = ("followup.commitment.view", "followup.commitment.edit")

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [drf_permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(responses=CommitmentSerializer(many=True))
    def get(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        items = selectors.commitments_with_progress(request, organisation)
        context = {"progress": {c.pk: progress for c, progress in items}}
        return Response(
            CommitmentSerializer([c for c, _p in items], many=True, context=context).data
        )

    @extend_schema(request=CommitmentInSerializer, responses={201: CommitmentSerializer})
    def post(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        access.require(
            request,
            "followup.commitment.edit",
            Commitment(organisation=organisation),
            _("Only the organisation's administrators and editors record its commitments."),
        )
        data = CommitmentInSerializer(data=request.data, organisation=organisation)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        indicators = values.pop("indicators", None)
        commitment = services.commitment_create(
            actor=request.user, organisation=organisation, data=values, indicators=indicators
        )
        return Response(
            CommitmentSerializer(commitment, context={"progress": {commitment.pk: None}}).data,
            status=status.HTTP_201_CREATED,
        )


class CommitmentDetail(APIView):
    """One commitment with its actions (404 when hidden)."""

    access_rules = ("followup.commitment.view",)

    @extend_schema(responses=CommitmentDetailSerializer)
    def get(self, request, pk: int):
        commitment = access.get_visible(
            request,
            "followup.commitment.view",
            Commitment.objects.select_related("organisation", "responsible_unit"),
            pk=pk,
        )
        page = selectors.commitment_page(request, commitment)
        nodes = page.actions()
        context = {"progress": {node.action.pk: node.progress for node in nodes}}
        return Response(
            {
                "commitment": CommitmentSerializer(
                    commitment, context={"progress": {commitment.pk: page.progress}}
                ).data,
                "actions": ActionSerializer(
                    [node.action for node in nodes], many=True, context=context
                ).data,
            }
        )


class ActionStatusInSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProgressStatus.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)


class ActionStatus(APIView):
    """Change an action's status: the responsible unit (or a unit above it) and the
    organisation's administrators may; anyone else gets 403."""

    access_rules = ("followup.action.view", "followup.action.change_status")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=ActionStatusInSerializer, responses=ActionSerializer)
    def post(self, request, pk: int):
        action = selectors.action_get(request, pk)
        data = ActionStatusInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        action = services.action_status_set(
            actor=request.user,
            action=action,
            status=values["status"],
            comment=values.get("comment", ""),
            progress=values.get("progress"),
        )
        return Response(ActionSerializer(action).data)


class ActionInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Action.objects.none(),
        required=False,
        allow_null=True,
        help_text="Id of an action of the same commitment: the new one is its sub-action.",
        error_messages={
            "does_not_exist": gettext_lazy("A sub-action belongs to the same commitment.")
        },
    )
    unit = _unit_field(help_text="Id of the responsible unit (one of the organisation's).")
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    funding = serializers.CharField(max_length=300, required=False, allow_blank=True)
    weight = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        help_text="How much the action counts in its parent's progress (1 unless given).",
    )
    projects = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.none(),
        many=True,
        required=False,
        help_text="Ids of projects in the project bank that the organisation takes part in.",
    )

    def __init__(self, *args, commitment=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commitment is not None:
            organisation = commitment.organisation
            self.fields["parent"].queryset = commitment.actions.all()
            self.fields["unit"].queryset = ResponsibleUnit.objects.filter(organisation=organisation)
            self.fields[
                "projects"
            ].child_relation.queryset = project_selectors.projects_of_organisation(
                request, organisation
            )


class CommitmentActions(APIView):
    """Add an action (or a sub-action) under a commitment, as the page does: the
    organisation's administrators and editors may (404 when the commitment is hidden).
    The action's status is changed through its status endpoint."""

    access_rules = ("followup.commitment.view", "followup.commitment.edit")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=ActionInSerializer, responses={201: ActionSerializer})
    def post(self, request, pk: int):
        commitment = access.get_visible(
            request,
            "followup.commitment.view",
            Commitment.objects.select_related("organisation"),
            pk=pk,
        )
        access.require(
            request,
            "followup.commitment.edit",
            commitment,
            _("Only the organisation's administrators and editors add actions."),
        )
        data = ActionInSerializer(data=request.data, commitment=commitment, request=request)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        projects = values.pop("projects", None)
        action = services.action_create(
            actor=request.user, commitment=commitment, data=values, projects=projects
        )
        progress = selectors.ActionNode(action).progress
        return Response(
            ActionSerializer(action, context={"progress": {action.pk: progress}}).data,
            status=status.HTTP_201_CREATED,
        )


class PromiseItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = TranslatedTextField()
    chosen_by = serializers.ListField(
        child=serializers.SlugField(),
        allow_null=True,
        help_text="Members that adopted it (as far as they share it); null without the right "
        "to see the roll-up.",
    )


class MenuSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.SlugField()
    title = TranslatedTextField()
    items = PromiseItemSerializer(many=True)
    by_year = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        allow_null=True,
        help_text="Year adopted → status → number of adopted promises; null without the "
        "right to see the roll-up.",
    )


class MenuDetail(APIView):
    """A body's promise menu; for the body's people also who chose what."""

    access_rules = ("followup.menu.view",)

    @extend_schema(responses=MenuSerializer)
    def get(self, request, pk: int):
        menu = selectors.menu_get(pk)
        access.allows(request, "followup.menu.view", menu)
        rollup = (
            selectors.menu_rollup(request, menu)
            if access.allows(request, "followup.menu.view_rollup", menu)
            else None
        )
        items = rollup.items if rollup else list(menu.items.all())
        return Response(
            MenuSerializer(
                {
                    "id": menu.pk,
                    "body": menu.body.slug,
                    "title": menu.title,
                    "items": [
                        {
                            "id": item.pk,
                            "number": item.number,
                            "title": item.title,
                            "chosen_by": None
                            if rollup is None
                            else [c.organisation.slug for c in rollup.choices.get(item.pk, [])],
                        }
                        for item in items
                    ],
                    "by_year": None
                    if rollup is None
                    else {str(year): counts for year, counts in rollup.by_year.items()},
                }
            ).data
        )


# --- Follow-up rounds ----------------------------------------------------------------------------


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.slug")
    name = serializers.CharField()
    year = serializers.IntegerField()
    deadline = serializers.DateField()
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    published_at = serializers.DateTimeField(allow_null=True)
    is_demo = serializers.BooleanField()


class RoundListSerializer(RoundSerializer):
    report_count = serializers.IntegerField(help_text="Reports the round asks for.")
    approved_count = serializers.IntegerField(help_text="Reports approved so far.")


class ReportEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.IntegerField(source="action_id", allow_null=True)
    action_title = serializers.SerializerMethodField()
    indicator = serializers.IntegerField(source="indicator_id", allow_null=True)
    indicator_name = serializers.SerializerMethodField()
    previous_status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_blank=True)
    previous_progress = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_blank=True)
    progress = serializers.IntegerField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    comment = serializers.CharField()

    def get_action_title(self, entry) -> str | None:
        return entry.action.title if entry.action_id else None

    @extend_schema_field(TranslatedTextField(allow_null=True))
    def get_indicator_name(self, entry) -> dict | None:
        return (
            TranslatedTextField().to_representation(entry.indicator.name)
            if entry.indicator_id
            else None
        )


class RoundReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.slug")
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    review_comment = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(
        help_text="The report in the API: read it, submit it, review it."
    )
    entries = serializers.SerializerMethodField()

    def get_url(self, report) -> str:
        url = reverse("api:followup-report", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(ReportEntrySerializer(many=True))
    def get_entries(self, report):
        return ReportEntrySerializer(self.context["entries"].get(report.pk, []), many=True).data


class RoundDetailSerializer(serializers.Serializer):
    round = RoundSerializer()
    reports = RoundReportSerializer(many=True)


class OrganisationRounds(APIView):
    """The follow-up rounds of an organisation (and of the bodies it reports to) that the
    caller may follow; published rounds for everyone."""

    access_rules = ("followup.round.view",)

    @extend_schema(responses=RoundListSerializer(many=True))
    def get(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        return Response(
            RoundListSerializer(selectors.rounds_of(request, organisation), many=True).data
        )


class RoundDetail(APIView):
    """A round with the reports the caller may see (its organisation's people and the
    round's administrators), each with its lines."""

    access_rules = ("followup.round.view", "followup.report.view")

    @extend_schema(responses=RoundDetailSerializer)
    def get(self, request, pk: int):
        round_ = selectors.round_get(request, pk)
        rows = selectors.round_rows(request, round_)
        reports = selectors.round_reports(request, round_)
        entries: dict[int, list] = {}
        for report, entry in rows:
            entries.setdefault(report.pk, []).append(entry)
        return Response(
            RoundDetailSerializer(
                {"round": round_, "reports": reports},
                context={"entries": entries, "request": request},
            ).data
        )


# --- A body's capacity follow-up ------------------------------------------------------------------


class CapitalLabelSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=CapitalKey.choices)
    label = serializers.CharField(help_text="The capital's name in the request's language.")


class YearScoreSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    score = serializers.FloatField(allow_null=True, help_text="0–100; null when not scored.")


class MemberCapitalSerializer(serializers.Serializer):
    capital = serializers.ChoiceField(choices=CapitalKey.choices)
    scores = YearScoreSerializer(
        many=True, help_text="The years with a shared published assessment, in order."
    )
    change = serializers.FloatField(
        allow_null=True,
        help_text="Latest score minus the score before the first enrolment; null when there "
        "is no assessment before or none after it.",
    )


class MemberCapacitySerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    name = serializers.CharField()
    took_part = serializers.BooleanField(help_text="Enrolled in one of the body's offers.")
    first_enrolled = serializers.DateTimeField(
        allow_null=True, help_text="Its first (kept) enrolment in one of the body's offers."
    )
    baseline_year = serializers.IntegerField(
        allow_null=True, help_text="The last assessment published before that enrolment."
    )
    latest_year = serializers.IntegerField(
        allow_null=True, help_text="The latest assessment, when published after that enrolment."
    )
    capitals = MemberCapitalSerializer(many=True)


class BodyCapacitySerializer(serializers.Serializer):
    body = serializers.SlugField()
    years = serializers.ListField(child=serializers.IntegerField())
    capitals = CapitalLabelSerializer(many=True)
    members = MemberCapacitySerializer(many=True)
    includes_demo = serializers.BooleanField(help_text="Some scores are of demo assessments.")


def _member_capacity(member: selectors.MemberCapacity, capitals, years) -> dict:
    return {
        "organisation": member.organisation.slug,
        "name": member.organisation.name,
        "took_part": member.took_part,
        "first_enrolled": member.first_enrolled,
        "baseline_year": member.baseline_year,
        "latest_year": member.latest_year,
        "capitals": [
            {
                "capital": key,
                "scores": [
                    {"year": year, "score": member.scores[key][year]}
                    for year in years
                    if year in member.scores.get(key, {})
                ],
                "change": member.change(key),
            }
            for key, _label in capitals
        ],
    }


class BodyCapacity(APIView):
    """A body's members: their capital scores by year, as far as each shares its published
    self-assessments with the body, whether they took part in the body's offers, and the
    change per capital since (the capacity follow-up page as data).

    For the body's people (403 for others, 404 for an organisation that is no regional body
    or programme)."""

    access_rules = ("followup.capacity.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=BodyCapacitySerializer)
    def get(self, request, slug: str):
        body = selectors.organisation_get(slug)
        if not body.is_coordinating:
            raise Http404
        access.require(request, "followup.capacity.view", body)
        capacity = selectors.body_capacity(request, body)
        return Response(
            BodyCapacitySerializer(
                {
                    "body": body.slug,
                    "years": capacity.years,
                    "capitals": [
                        {"key": key, "label": str(label)} for key, label in capacity.capitals
                    ],
                    "members": [
                        _member_capacity(member, capacity.capitals, capacity.years)
                        for member in capacity.members
                    ],
                    "includes_demo": capacity.include_demo,
                }
            ).data
        )


# --- The annual report ------------------------------------------------------------------------


class ReportCommitmentSerializer(serializers.Serializer):
    commitment = CommitmentSerializer()
    actions = ActionSerializer(many=True, help_text="Parents before their sub-actions.")
    indicators = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the indicators the caller may see."
    )


class IndicatorChangeSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    previous = serializers.FloatField(allow_null=True, help_text="The year before's total.")
    value = serializers.FloatField(allow_null=True, help_text="The year's total.")


class RoundChangeSerializer(serializers.Serializer):
    action = serializers.IntegerField(source="action_id")
    commitment = serializers.IntegerField(source="action.commitment_id")
    previous_status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_blank=True)
    status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_blank=True)
    previous_progress = serializers.IntegerField(allow_null=True)
    progress = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()


class AnnualReportSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    year = serializers.IntegerField()
    published_round = RoundSerializer(
        allow_null=True, help_text="The published round in which the year was reported."
    )
    round_changes = RoundChangeSerializer(
        many=True, help_text="Actions whose status or progress the published round changed."
    )
    commitments = ReportCommitmentSerializer(many=True)
    indicators = IndicatorRowSerializer(many=True)
    changes = IndicatorChangeSerializer(many=True)
    emission_targets = EmissionTargetSerializer(many=True)


class AnnualReport(APIView):
    """A municipality's report of one year, as its printable page shows it: the commitments
    active in the year with their actions, the indicators and their change since the year
    before, the emission targets and the published round; all as far as the caller may
    see them (404 for a year outside 1900–2100)."""

    access_rules = (
        "followup.commitment.view",
        "followup.value.view",
        "followup.emissiontarget.view",
        "followup.emissionfigure.view",
    )

    @extend_schema(responses=AnnualReportSerializer)
    def get(self, request, slug: str, year: int):
        organisation = selectors.organisation_get(slug)
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise Http404
        report = selectors.annual_report(request, organisation, year)
        published = selectors.published_round(organisation, year)
        commitments = []
        for item in report.commitments:
            nodes = item.actions()
            progress = {node.action.pk: node.progress for node in nodes}
            commitments.append(
                {
                    "commitment": CommitmentSerializer(
                        item.commitment, context={"progress": {item.commitment.pk: item.progress}}
                    ).data,
                    "actions": ActionSerializer(
                        [node.action for node in nodes], many=True, context={"progress": progress}
                    ).data,
                    "indicators": [row.indicator.pk for row in item.rows],
                }
            )
        return Response(
            {
                "organisation": organisation.slug,
                "year": year,
                "published_round": RoundSerializer(published).data if published else None,
                "round_changes": RoundChangeSerializer(
                    selectors.published_changes(request, organisation, published), many=True
                ).data,
                "commitments": commitments,
                "indicators": [_row(row) for row in report.rows],
                "changes": [
                    {"indicator": row.indicator.pk, "previous": previous, "value": value}
                    for row, previous, value in report.changes()
                ],
                "emission_targets": [_emission_target(p) for p in report.emission_targets],
            }
        )


# --- One unit's report in a round: read, submit, review -------------------------------------


class ReportDetailSerializer(RoundReportSerializer):
    round = RoundSerializer()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    accepts_reports = serializers.BooleanField(
        source="round.accepts_reports",
        help_text="The round is open and its deadline has not passed.",
    )
    can_submit = serializers.SerializerMethodField(
        help_text="The caller may submit the report now."
    )
    can_review = serializers.SerializerMethodField(
        help_text="The caller may approve the report or send it back now."
    )

    def get_can_submit(self, report) -> bool:
        return (
            access.allows(self.context["request"], "followup.report.submit", report)
            and report.round.accepts_reports
            and report.status in (ReportStatus.TO_REPORT, ReportStatus.RETURNED)
        )

    def get_can_review(self, report) -> bool:
        return report.status == ReportStatus.SUBMITTED and access.allows(
            self.context["request"], "followup.report.review", report
        )


def _report_detail(request, pk: int) -> dict:
    report = selectors.report_get(request, pk)
    entries = {report.pk: selectors.report_entries(report)}
    return ReportDetailSerializer(report, context={"entries": entries, "request": request}).data


class ReportDetail(APIView):
    """One unit's report in a round: its lines (actions with their status and progress,
    indicators with their value for the round's year) and what the caller may do with it.
    The reporting organisation's people and the round's administrators see it; 404 else."""

    access_rules = ("followup.report.view",)

    @extend_schema(responses=ReportDetailSerializer)
    def get(self, request, pk: int):
        return Response(_report_detail(request, pk))


class ReportEntryInSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The line's id, from the report's `entries`.")
    status = serializers.ChoiceField(
        choices=ProgressStatus.choices, required=False, help_text="An action's line only."
    )
    progress = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="An action's line only: per cent.",
    )
    value = serializers.FloatField(
        required=False, allow_null=True, help_text="An indicator's line only."
    )
    comment = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class ReportSubmitInSerializer(serializers.Serializer):
    entries = ReportEntryInSerializer(
        many=True, help_text="The figures per line; lines left out keep what they hold."
    )

    def validate_entries(self, entries):
        ids = [entry["id"] for entry in entries]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Give each line once."))
        return entries


LINE_ERROR = re.compile(r"e(\d+)_(\w+)")


def _named_by_position(exc: ValidationError, ids: list[int]) -> ValidationError:
    """Name the service's errors on a line (e<id>_<field>) as the request does:
    entries[<position>].<field>."""
    if not hasattr(exc, "error_dict"):
        return exc
    position = {pk: index for index, pk in enumerate(ids)}
    fields: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        line = LINE_ERROR.fullmatch(name)
        if line and int(line[1]) in position:
            name = f"entries[{position[int(line[1])]}].{line[2]}"
        elif line:
            name = "entries"
        fields.setdefault(name, []).extend(messages)
    return ValidationError(fields)


class ReportSubmit(APIView):
    """Submit a unit's report for review, as its page does: the unit's editors (or those of
    a unit above it) and the organisation's administrators may (403 else; 404 when the
    report is hidden). Refused with 400 after the round closed, once submitted, and for
    lines of other reports; nothing is saved then. Errors on a line are named
    `entries[<position>].<field>`."""

    access_rules = ("followup.report.view", "followup.report.submit")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=ReportSubmitInSerializer, responses=ReportDetailSerializer)
    def post(self, request, pk: int):
        report = selectors.report_get(request, pk)
        access.require(
            request,
            "followup.report.submit",
            report,
            _("Only the unit's people and the organisation's administrators submit this report."),
        )
        data = ReportSubmitInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data["entries"]
        entries = {line["id"]: {k: v for k, v in line.items() if k != "id"} for line in given}
        try:
            services.report_submit(actor=request.user, report=report, entries=entries)
        except ValidationError as exc:
            raise _named_by_position(exc, [line["id"] for line in given]) from exc
        return Response(_report_detail(request, pk))


class ReportReviewInSerializer(serializers.Serializer):
    approve = serializers.BooleanField(
        help_text="true: approve (the figures become the actions' and indicators'); "
        "false: send it back."
    )
    comment = serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when sending back: what to fix.",
    )


class ReportReview(APIView):
    """Approve a submitted report or send it back with a comment, as the round's page does:
    the round's administrators may (403 else; 404 when the report is hidden)."""

    access_rules = ("followup.report.view", "followup.report.review")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=ReportReviewInSerializer, responses=ReportDetailSerializer)
    def post(self, request, pk: int):
        report = selectors.report_get(request, pk)
        access.require(
            request,
            "followup.report.review",
            report,
            _("Only the round's administrators review reports."),
        )
        data = ReportReviewInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_review(
            actor=request.user,
            report=report,
            approve=data.validated_data["approve"],
            comment=data.validated_data["comment"],
        )
        return Response(_report_detail(request, pk))
