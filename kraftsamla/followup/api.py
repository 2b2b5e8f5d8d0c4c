"""API endpoints of follow-up: indicator definitions, an organisation's indicators with
values, targets and status, its emission targets with their plans, commitments, promise
menus, rounds, and a body's capacity follow-up.

The rules are those of followup/policies.py, asked through the pages' selectors: values,
targets and emission targets are scoped to what the caller may see.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions as drf_permissions
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import TranslatedTextField
from kraftsamla.followup import selectors, services, trends
from kraftsamla.followup.models import (
    YEAR_MAX,
    YEAR_MIN,
    Action,
    Commitment,
    Direction,
    EmissionSeries,
    EmissionTarget,
    EmissionTargetKind,
    IndicatorDefinition,
    ProgressStatus,
    ReportStatus,
    RoundStatus,
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


class OrganisationCommitments(APIView):
    """An organisation's commitments the caller may see, with their progress."""

    access_rules = ("followup.commitment.view",)

    @extend_schema(responses=CommitmentSerializer(many=True))
    def get(self, request, slug: str):
        organisation = selectors.organisation_get(slug)
        items = selectors.commitments_with_progress(request, organisation)
        context = {"progress": {c.pk: progress for c, progress in items}}
        return Response(
            CommitmentSerializer([c for c, _p in items], many=True, context=context).data
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
    previous_status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_blank=True)
    status = serializers.ChoiceField(choices=ProgressStatus.choices, allow_blank=True)
    progress = serializers.IntegerField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    comment = serializers.CharField()

    def get_action_title(self, entry) -> str | None:
        return entry.action.title if entry.action_id else None


class RoundReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField(source="organisation.slug")
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    review_comment = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    entries = serializers.SerializerMethodField()

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
                {"round": round_, "reports": reports}, context={"entries": entries}
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
