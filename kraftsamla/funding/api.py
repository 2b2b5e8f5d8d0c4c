"""API endpoints for funding calls: calls with their rules, the rule kinds, checking an
application's facts against a call, the joint applications visible to the caller and the
rules' outcomes for one of them.

The rules are those of funding/policies.py, asked through the pages' selectors: the list
is scoped, and a hidden call answers 404 as a missing one does.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework import permissions as drf_permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core import access
from kraftsamla.core.access import PUBLIC
from kraftsamla.core.api import InvalidFilter, TranslatedTextField
from kraftsamla.funding import rules as engine
from kraftsamla.funding import selectors
from kraftsamla.funding.facts import AttachmentType, PartyRole, SignerRole
from kraftsamla.funding.forms import CallFilterForm
from kraftsamla.funding.models import (
    AMOUNT_DECIMALS,
    AMOUNT_DIGITS,
    ApplicationStatus,
    Call,
    CallStatus,
    Invitation,
    Party,
)
from kraftsamla.funding.rules import OutcomeStatus
from kraftsamla.organisations.models import ActorGroup, EmissionSector

FILTERS = ("status", "capital", "sector", "funder")
# Bounds on what one evaluation may hold (a consortium is tens of parties, not thousands).
PARTIES_MAX, ATTACHMENTS_MAX, ALLOCATIONS_MAX = 100, 20, 20


class TextsSerializer(serializers.Serializer):
    sv = serializers.CharField()
    en = serializers.CharField()


class RuleSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(help_text="The kind's name, in the request's language.")
    parameters = serializers.JSONField()
    description = TextsSerializer(help_text="The rule in plain words.")
    source = TranslatedTextField(help_text="Where in the call's text the rule comes from.")
    interpretation = TranslatedTextField(
        help_text="How the call's text was read where it leaves room (confirm with the funder)."
    )


class CallSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    title = TranslatedTextField()
    summary = TranslatedTextField()
    who_may_apply = TranslatedTextField()
    required_attachments = TranslatedTextField()
    status = serializers.ChoiceField(choices=CallStatus.choices, read_only=True)
    max_support = serializers.DecimalField(
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        coerce_to_string=False,
        read_only=True,
        allow_null=True,
    )
    max_support_share = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    rules = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "funder",
            "programme",
            "title",
            "link",
            "summary",
            "who_may_apply",
            "applicant_kinds",
            "opens_on",
            "closes_on",
            "decision_on",
            "project_start_earliest",
            "project_end_latest",
            "max_support",
            "max_support_share",
            "required_attachments",
            "capitals",
            "emission_sectors",
            "sharing_level",
            "owner",
            "status",
            "is_demo",
            "is_invented_example",
            "rules",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = instance.status()
        return data

    @staticmethod
    def _rule(rule, names) -> dict:
        return {
            "kind": rule.kind,
            "label": str(engine.KINDS[rule.kind].label) if rule.kind in engine.KINDS else rule.kind,
            "parameters": rule.parameters,
            "description": engine.describe(rule.spec(), names).as_dict(),
            "source": rule.source.as_dict(),
            "interpretation": rule.interpretation.as_dict(),
        }

    @extend_schema_field(RuleSerializer(many=True))
    def get_rules(self, call) -> list[dict]:
        names = self.context.get("names", {})
        return [self._rule(rule, names) for rule in call.rules.all()]


def _with_rule_names(calls) -> dict[str, str]:
    return selectors.rule_names(rule.spec() for call in calls for rule in call.rules.all())


class CallList(generics.ListAPIView):
    """Funding calls the caller may see, with their rules, filtered as on the list page."""

    access_rules = ("funding.call.view",)
    serializer_class = CallSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CallStatus.values),
            OpenApiParameter("capital", str, enum=CapitalKey.values),
            OpenApiParameter("sector", str, enum=EmissionSector.values),
            OpenApiParameter(
                "funder", {"type": "string", "maxLength": 200}, description="The funder's name."
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        form = CallFilterForm({name: params.get(name) for name in FILTERS if name in params})
        if not form.is_valid():
            raise InvalidFilter(
                {name: [str(message) for message in errors] for name, errors in form.errors.items()}
            )
        return (
            selectors.calls_filtered(selectors.calls_visible(self.request), form.cleaned_data)
            .prefetch_related("rules")
            .order_by("closes_on", "id")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), "names": _with_rule_names(page)}
        return self.get_paginated_response(CallSerializer(page, many=True, context=context).data)


class CallDetail(generics.RetrieveAPIView):
    """One call with its rules (404 when hidden)."""

    access_rules = ("funding.call.view",)
    serializer_class = CallSerializer

    def get_object(self):
        return selectors.call_page(selectors.call_get(self.request, self.kwargs["pk"]))

    def retrieve(self, request, *args, **kwargs):
        call = self.get_object()
        context = {**self.get_serializer_context(), "names": _with_rule_names([call])}
        return Response(CallSerializer(call, context=context).data)


class RuleKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    parameters = serializers.JSONField(help_text="A JSON Schema of the kind's parameters.")


class RuleKindList(APIView):
    """The kinds of eligibility rules and their parameters (for writing a call's rules)."""

    access_rules = (PUBLIC,)

    @extend_schema(responses=RuleKindSerializer(many=True))
    def get(self, request):
        return Response(
            [
                {"kind": key, "label": str(kind.label), "parameters": kind.schema.describe()}
                for key, kind in engine.KINDS.items()
            ]
        )


# --- Evaluate facts against a call ----------------------------------------------------------


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        min_value=Decimal(0),
        coerce_to_string=False,
        **kwargs,
    )


class AttachmentInSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=AttachmentType.choices)
    signer_role = serializers.ChoiceField(choices=SignerRole.choices, required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PartyInSerializer(serializers.Serializer):
    organisation = serializers.SlugField(
        max_length=120,
        required=False,
        help_text="The organisation's slug: its name, actor group and memberships are read "
        "from the register. An unknown slug is listed in `unknown_organisations`.",
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=PartyRole.choices)
    actor_group = serializers.ChoiceField(
        choices=ActorGroup.choices,
        required=False,
        help_text="Overrides the register's (needed for an organisation not in it).",
    )
    support = _amount(required=False, allow_null=True, help_text="Support requested, SEK.")
    cofunding_money = _amount(required=False, allow_null=True, help_text="Own money, SEK.")
    cofunding_time = _amount(required=False, allow_null=True, help_text="Own time, valued in SEK.")
    allocations = serializers.DictField(
        child=_amount(),
        required=False,
        help_text='SEK set aside per named activity, e.g. {"Transition Lab": 200000}.',
    )
    attachments = serializers.ListField(
        child=AttachmentInSerializer(), required=False, max_length=ATTACHMENTS_MAX
    )

    def validate_allocations(self, value):
        if len(value) > ALLOCATIONS_MAX:
            raise serializers.ValidationError(f"At most {ALLOCATIONS_MAX} activities.")
        return value


class FactsInSerializer(serializers.Serializer):
    parties = serializers.ListField(child=PartyInSerializer(), max_length=PARTIES_MAX)
    attachments = serializers.ListField(
        child=AttachmentInSerializer(),
        required=False,
        max_length=ATTACHMENTS_MAX,
        help_text="Attachments of the application as a whole.",
    )
    support_requested = _amount(
        required=False, allow_null=True, help_text="Default: the sum of the parties' support."
    )
    total_budget = _amount(
        required=False, allow_null=True, help_text="Default: the sum of the parties' budgets."
    )
    project_start = serializers.DateField(required=False, allow_null=True)
    project_end = serializers.DateField(required=False, allow_null=True)
    submission_date = serializers.DateField(required=False, allow_null=True)


class OutcomeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=OutcomeStatus.choices)
    reason = TextsSerializer(help_text="Why, with the numbers.")
    description = TextsSerializer(help_text="The rule in plain words.")
    source = TextsSerializer()
    interpretation = TextsSerializer()


class EvaluationSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    all_passed = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    outcomes = OutcomeSerializer(many=True)
    unknown_organisations = serializers.ListField(child=serializers.CharField())


def _outcome(outcome: engine.Outcome) -> dict:
    return {
        "kind": outcome.kind,
        "label": str(outcome.label),
        "status": outcome.status,
        "reason": outcome.reason.as_dict(),
        "description": outcome.description.as_dict(),
        "source": outcome.source.as_dict(),
        "interpretation": outcome.interpretation.as_dict(),
    }


class CallEvaluate(APIView):
    """Check an application's facts against every rule of a call; nothing is stored."""

    access_rules = ("funding.call.view",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(request=FactsInSerializer, responses=EvaluationSerializer)
    def post(self, request, pk: int):
        call = selectors.call_page(selectors.call_get(request, pk))
        data = FactsInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        facts, unknown = selectors.facts_build(
            parties=values.pop("parties"),
            attachments=values.pop("attachments", []),
            **values,
        )
        outcomes = selectors.call_evaluate(call, facts)
        counts = engine.outcome_counts(outcomes)
        return Response(
            {
                "call": call.pk,
                "all_passed": counts[OutcomeStatus.PASSED] == len(outcomes),
                "counts": counts,
                "outcomes": [_outcome(outcome) for outcome in outcomes],
                "unknown_organisations": unknown,
            }
        )


# --- Joint applications -----------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    organisation = serializers.CharField(source="organisation.slug")
    name = serializers.CharField(source="organisation.display_name")
    role = serializers.ChoiceField(choices=PartyRole.choices)
    actor_group = serializers.ChoiceField(choices=ActorGroup.choices)
    invitation = serializers.ChoiceField(choices=Invitation.choices)


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    call = serializers.IntegerField(source="call_id")
    coordinator = serializers.CharField(source="coordinator.slug")
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)
    project_start = serializers.DateField(allow_null=True)
    project_end = serializers.DateField(allow_null=True)
    submitted_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    is_demo = serializers.BooleanField()
    parties = PartySerializer(many=True, help_text="Every party, with its role and answer.")


class ApplicationList(generics.ListAPIView):
    """The joint applications the caller coordinates or takes part in (budgets are not
    listed: each party sees only its own in the workspace)."""

    access_rules = ("funding.application.view",)
    permission_classes = [drf_permissions.IsAuthenticated]
    serializer_class = ApplicationSerializer

    def get_queryset(self):
        return (
            selectors.applications_visible(self.request)
            .prefetch_related(
                Prefetch("parties", queryset=Party.objects.select_related("organisation"))
            )
            .order_by("-created_at", "-id")
        )


class BudgetLineSerializer(serializers.Serializer):
    activity = serializers.CharField()
    support = _amount()
    cofunding_money = _amount()
    hours = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)
    hourly_rate = serializers.DecimalField(max_digits=9, decimal_places=2, coerce_to_string=False)
    cofunding_time = _amount(help_text="Hours × hourly rate.")
    total = _amount()


class PartyBudgetSerializer(serializers.Serializer):
    organisation = serializers.CharField(source="party.organisation.slug")
    role = serializers.ChoiceField(source="party.role", choices=PartyRole.choices)
    lines = BudgetLineSerializer(many=True)
    support = _amount()
    cofunding_money = _amount()
    cofunding_time = _amount()
    total = _amount()
    share = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text="The party's share of the budget shown, in %.",
    )


class BudgetSerializer(serializers.Serializer):
    parties = PartyBudgetSerializer(many=True)
    support = _amount()
    cofunding_money = _amount()
    cofunding_time = _amount()
    total = _amount()
    support_share = serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    complete = serializers.BooleanField(
        help_text="True when every party's budget is included (the coordinator's view)."
    )


class WorkPackageSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    lead = serializers.CharField(source="lead.organisation.slug")
    parties = serializers.SerializerMethodField()
    goal = serializers.CharField()
    deliverables = serializers.CharField()
    start_month = serializers.IntegerField()
    end_month = serializers.IntegerField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_parties(self, package) -> list[str]:
        return [party.organisation.slug for party in package.parties.all()]


class ApplicationDetailSerializer(ApplicationSerializer):
    summary = serializers.CharField()
    decision = serializers.CharField()
    work_packages = WorkPackageSerializer(many=True)
    budget = BudgetSerializer(
        help_text=(
            "The budgets the caller may see: every party's for the coordinator's people, "
            "otherwise only their own organisation's (totals over those rows)."
        )
    )


class ApplicationDetail(APIView):
    """One joint application as its workspace shows it: parties, work packages and the
    budgets the caller may see. A hidden application answers 404."""

    access_rules = ("funding.application.view", "funding.party.view")
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=ApplicationDetailSerializer)
    def get(self, request, pk: int):
        application = selectors.application_page(selectors.application_get(request, pk))
        visible = selectors.parties_visible(request, application)
        summary = selectors.budget_summary(application, visible)
        complete = len(visible) == len(application.parties.all())
        data = {
            **ApplicationSerializer(application).data,
            "summary": application.summary,
            "decision": application.decision,
            "work_packages": WorkPackageSerializer(application.work_packages.all(), many=True).data,
            "budget": BudgetSerializer(
                {
                    "parties": summary.parties,
                    "support": summary.support,
                    "cofunding_money": summary.cofunding_money,
                    "cofunding_time": summary.cofunding_time,
                    "total": summary.total,
                    "support_share": summary.support_share,
                    "complete": complete,
                }
            ).data,
        }
        return Response(data)


class ApplicationOutcomes(APIView):
    """Every rule's outcome for an application, for a submission today (or on the day it
    was submitted): only for the coordinator's people, since the reasons name every
    party's figures. A hidden application answers 404."""

    access_rules = ("funding.application.view_all",)
    permission_classes = [drf_permissions.IsAuthenticated]

    @extend_schema(responses=EvaluationSerializer)
    def get(self, request, pk: int):
        application = selectors.application_get(request, pk)
        if not access.allows(request, "funding.application.view_all", application):
            raise PermissionDenied
        page = selectors.application_page(application)
        outcomes = selectors.application_evaluate(page)
        counts = engine.outcome_counts(outcomes)
        return Response(
            {
                "call": page.call_id,
                "all_passed": counts[OutcomeStatus.PASSED] == len(outcomes),
                "counts": counts,
                "outcomes": [_outcome(outcome) for outcome in outcomes],
                "unknown_organisations": [],
            }
        )
