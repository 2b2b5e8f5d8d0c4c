"""Funding calls with their eligibility rules as data, and calls a body sends to its members.

A `Call` holds what a funder's call says (dates, ceilings, who may apply, the capitals
and sectors it fits); its `CallRule` rows hold the machine-checkable rules, each a
registered kind with parameters (see `rules.py`). A call belongs to the coordinating
body that published it (or to the platform, when staff add it) and is public unless
the body shares it with its members only.

The report behind the platform asks regional actors to tell their members about calls
and to coordinate joint applications for national and EU funds (Göteborgsregionen &
RISE 2025, ch. 4.4 and 5.2, and appendix 2 on financial capital;
source document 002_9b25a710852bc7c4): hence `CallNotice`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, text_limit
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.translation import TranslatedField
from kraftsamla.funding import rules as engine
from kraftsamla.organisations.models import EmissionSector, OrganisationKind
from kraftsamla.projects.models import validate_capitals, validate_sectors

# Amounts in SEK with öre: at most twelve digits before the decimal mark.
AMOUNT_DIGITS, AMOUNT_DECIMALS = 14, 2
SOURCE_MAX = 300


class CallStatus(models.TextChoices):
    """Where a call is in time (from its dates; not stored)."""

    OPEN = "open", _("Open")
    UPCOMING = "upcoming", _("Upcoming")
    CLOSED = "closed", _("Closed")


def validate_applicant_kinds(values) -> None:
    if not isinstance(values, list) or any(v not in OrganisationKind.values for v in values):
        raise ValidationError(_("Choose kinds of organisation from the list."))


class CallQuerySet(models.QuerySet):
    def with_status(self, status: str, on: datetime.date | None = None):
        """Keep the calls that are open, upcoming or closed on `on` (today by default)."""
        on = on or timezone.localdate()
        if status == CallStatus.OPEN:
            return self.filter(opens_on__lte=on, closes_on__gte=on)
        if status == CallStatus.UPCOMING:
            return self.filter(opens_on__gt=on)
        if status == CallStatus.CLOSED:
            return self.filter(closes_on__lt=on)
        return self


class Call(models.Model):
    """A funder's call for applications, in our own words, with its rules as data."""

    funder = models.CharField(_("funder"), max_length=200)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    link = models.URLField(_("link to the call"), blank=True)
    summary = TranslatedField(_("summary"), max_length=DESCRIPTION_MAX, blank=True, default=dict)
    who_may_apply = TranslatedField(
        _("who may apply"), max_length=DESCRIPTION_MAX, blank=True, default=dict
    )
    applicant_kinds = models.JSONField(
        _("kinds of organisation that may apply"),
        default=list,
        blank=True,
        validators=[validate_applicant_kinds],
        help_text=_("Leave empty when any kind of organisation may apply."),
    )
    opens_on = models.DateField(_("opens"))
    closes_on = models.DateField(_("closes (last day included)"))
    decision_on = models.DateField(_("decision expected"), null=True, blank=True)
    project_start_earliest = models.DateField(
        _("projects start at the earliest"), null=True, blank=True
    )
    project_end_latest = models.DateField(_("projects end at the latest"), null=True, blank=True)
    max_support = models.DecimalField(
        _("maximum support (SEK)"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    max_support_share = models.DecimalField(
        _("maximum support share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    required_attachments = TranslatedField(
        _("required attachments"), max_length=NOTE_MAX, blank=True, default=dict
    )
    capitals = models.JSONField(
        _("capitals it fits"), default=list, blank=True, validators=[validate_capitals]
    )
    emission_sectors = models.JSONField(
        _("emission sectors it fits"), default=list, blank=True, validators=[validate_sectors]
    )
    sharing_level = models.CharField(
        _("who sees the call"),
        max_length=10,
        choices=SharingLevel.choices,
        default=SharingLevel.PUBLIC,
    )
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_calls",
        help_text=_("The coordinating body that published the call; empty for the platform."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    is_invented_example = models.BooleanField(
        _("invented example"),
        default=False,
        help_text=_("An invented call that shows how rules work; never a real funder's call."),
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["closes_on", "id"]
        verbose_name = _("funding call")
        verbose_name_plural = _("funding calls")
        indexes = [models.Index(fields=["closes_on", "opens_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="call_closes_after_it_opens",
                violation_error_message=_("The call cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=Q(project_end_latest__isnull=True)
                | Q(project_start_earliest__isnull=True)
                | Q(project_end_latest__gte=models.F("project_start_earliest")),
                name="call_project_window_ordered",
                violation_error_message=_(
                    "The latest end of projects must not be before their earliest start."
                ),
            ),
            models.CheckConstraint(
                condition=Q(max_support__isnull=True) | Q(max_support__gte=0),
                name="call_max_support_not_negative",
                violation_error_message=_("The maximum support cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(max_support_share__isnull=True)
                | (Q(max_support_share__gte=0) & Q(max_support_share__lte=100)),
                name="call_support_share_is_a_percentage",
                violation_error_message=_("The support share is a percentage from 0 to 100."),
            ),
            # Only a body's call can be kept to the body or its members.
            models.CheckConstraint(
                condition=Q(sharing_level=SharingLevel.PUBLIC) | Q(owner__isnull=False),
                name="call_without_owner_is_public",
                violation_error_message=_("A call that no body published is public."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    def get_absolute_url(self) -> str:
        return reverse("funding:detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = _("The call cannot close before it opens.")
        if (
            self.project_start_earliest
            and self.project_end_latest
            and self.project_end_latest < self.project_start_earliest
        ):
            errors["project_end_latest"] = _(
                "The latest end of projects must not be before their earliest start."
            )
        if self.sharing_level != SharingLevel.PUBLIC and self.owner_id is None:
            errors["sharing_level"] = _("A call that no body published is public.")
        if errors:
            raise ValidationError(errors)

    def status(self, on: datetime.date | None = None) -> str:
        on = on or timezone.localdate()
        if on < self.opens_on:
            return CallStatus.UPCOMING
        return CallStatus.OPEN if on <= self.closes_on else CallStatus.CLOSED

    def get_status_display(self) -> str:
        return str(CallStatus(self.status()).label)

    def capital_labels(self) -> list[str]:
        labels = dict(CapitalKey.choices)
        return [str(labels.get(key, key)) for key in self.capitals]

    def sector_labels(self) -> list[str]:
        labels = dict(EmissionSector.choices)
        return [str(labels.get(key, key)) for key in self.emission_sectors]

    def applicant_kind_labels(self) -> list[str]:
        labels = dict(OrganisationKind.choices)
        return [str(labels.get(key, key)) for key in self.applicant_kinds]


class CallRule(models.Model):
    """One eligibility rule of a call: a registered kind with its parameters."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("kind of rule"), max_length=40)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    source = TranslatedField(
        _("source in the call text"), max_length=SOURCE_MAX, blank=True, default=dict
    )
    interpretation = TranslatedField(
        _("our interpretation"),
        max_length=NOTE_MAX,
        blank=True,
        default=dict,
        help_text=_("How the call's text was read, where it leaves room: confirm with the funder."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["call", "order", "id"]
        verbose_name = _("call rule")
        verbose_name_plural = _("call rules")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "order"],
                name="call_rule_order_unique",
                violation_error_message=_("Two rules of a call cannot have the same place."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} #{self.order}: {self.kind}"

    def clean(self) -> None:
        super().clean()
        _cleaned, problems = engine.parameters_clean(self.kind, self.parameters)
        if problems:
            raise ValidationError({"parameters": [str(problem) for problem in problems]})

    def spec(self) -> engine.RuleSpec:
        return engine.RuleSpec(
            kind=self.kind,
            parameters=self.parameters,
            source=self.source,
            interpretation=self.interpretation,
            order=self.order,
        )


class CallNotice(models.Model):
    """A body sent a call to its members, with a note: shown on their start page, e-mailed."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="notices"
    )
    body = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("sent by"),
        on_delete=models.CASCADE,
        related_name="call_notices",
    )
    note = models.TextField(_("note to the members"), blank=True, **text_limit(NOTE_MAX))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    member_count = models.PositiveIntegerField(_("members reached"), default=0)
    # Bookkeeping of the e-mail task (like the digest's last_sent_at), not an audited change.
    emails_sent = models.PositiveIntegerField(_("e-mails sent"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("call sent to members")
        verbose_name_plural = _("calls sent to members")
        indexes = [models.Index(fields=["body", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.body} → {self.call}"
