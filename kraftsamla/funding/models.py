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
import uuid
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
from kraftsamla.core.uploads import FILE_TYPES
from kraftsamla.funding import facts
from kraftsamla.funding import rules as engine
from kraftsamla.organisations.models import EmissionSector, OrganisationKind
from kraftsamla.projects.models import AttachmentKind, validate_capitals, validate_sectors

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


# --- Joint applications ---------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    READY = "ready_to_submit", _("Ready to submit")
    SUBMITTED = "submitted", _("Submitted")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")


# While an application is being written its parties, budget and attachments change.
EDITABLE_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.READY)
DECIDED_STATUSES = (ApplicationStatus.GRANTED, ApplicationStatus.REJECTED)


class Invitation(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Application(models.Model):
    """A joint application for a call, written by a coordinating organisation with its parties.

    The coordinator is always one of the parties (the party with the role coordinator);
    the services keep the two in step.
    """

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), blank=True, **text_limit(DESCRIPTION_MAX))
    coordinator = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("coordinator"),
        on_delete=models.PROTECT,
        related_name="coordinated_applications",
    )
    projects = models.ManyToManyField(
        "projects.Project",
        verbose_name=_("projects in the project bank"),
        blank=True,
        related_name="funding_applications",
    )
    project_start = models.DateField(_("project starts"), null=True, blank=True)
    project_end = models.DateField(_("project ends"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    submitted_on = models.DateField(_("submitted"), null=True, blank=True)
    decided_on = models.DateField(_("decided"), null=True, blank=True)
    decision = models.TextField(_("decision"), blank=True, **text_limit(NOTE_MAX))
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

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("joint application")
        verbose_name_plural = _("joint applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(project_end__isnull=True)
                | Q(project_start__isnull=True)
                | Q(project_end__gte=models.F("project_start")),
                name="application_project_period_ordered",
                violation_error_message=_("The project cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(submitted_on__isnull=False)
                | Q(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.READY]),
                name="application_submitted_has_date",
                violation_error_message=_("A submitted application has a submission date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("funding:application", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        if self.project_start and self.project_end and self.project_end < self.project_start:
            raise ValidationError({"project_end": _("The project cannot end before it starts.")})

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class Party(models.Model):
    """An organisation in an application, with its role and whether it accepted."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="application_parties",
    )
    role = models.CharField(_("role"), max_length=20, choices=facts.PartyRole.choices)
    invitation = models.CharField(
        _("invitation"), max_length=10, choices=Invitation.choices, default=Invitation.INVITED
    )
    invited_email = models.EmailField(_("invitation sent to"), blank=True)
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organisation"],
                name="party_once_per_application",
                violation_error_message=_("The organisation is already a party."),
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(role="coordinator"),
                name="one_coordinator_party",
                violation_error_message=_("An application has one coordinator."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"

    @property
    def actor_group(self) -> str:
        return self.organisation.actor_group

    def get_actor_group_display(self) -> str:
        return self.organisation.get_actor_group_display()


class WorkPackage(models.Model):
    """A work package: what it aims at and delivers, who leads it, in which months."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="work_packages",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    lead = models.ForeignKey(
        Party, verbose_name=_("lead party"), on_delete=models.RESTRICT, related_name="led_packages"
    )
    parties = models.ManyToManyField(
        Party, verbose_name=_("parties"), blank=True, related_name="work_packages"
    )
    goal = models.TextField(_("goal"), blank=True, **text_limit(DESCRIPTION_MAX))
    deliverables = models.TextField(_("deliverables"), blank=True, **text_limit(DESCRIPTION_MAX))
    start_month = models.PositiveSmallIntegerField(
        _("first month"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    end_month = models.PositiveSmallIntegerField(
        _("last month"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )

    class Meta:
        ordering = ["application", "number", "id"]
        verbose_name = _("work package")
        verbose_name_plural = _("work packages")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"],
                name="work_package_number_unique",
                violation_error_message=_("Another work package has this number."),
            ),
            models.CheckConstraint(
                condition=Q(end_month__gte=models.F("start_month")) & Q(start_month__gte=1),
                name="work_package_months_ordered",
                violation_error_message=_("The last month cannot come before the first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.start_month and self.end_month and self.end_month < self.start_month:
            raise ValidationError({"end_month": _("The last month cannot come before the first.")})


_NOT_NEGATIVE = [MinValueValidator(Decimal(0))]


def _amount_field(label):
    return models.DecimalField(
        label,
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_DECIMALS,
        default=Decimal(0),
        validators=_NOT_NEGATIVE,
    )


class BudgetLine(models.Model):
    """One line of a party's budget: an activity, the support asked for and the co-funding.

    Co-funding in time is valued as hours × hourly rate.
    """

    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    activity = models.CharField(_("activity"), max_length=200)
    support = _amount_field(_("support requested (SEK)"))
    cofunding_money = _amount_field(_("co-funding in money (SEK)"))
    hours = models.DecimalField(
        _("co-funding in time (hours)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal(0),
        validators=_NOT_NEGATIVE,
    )
    hourly_rate = models.DecimalField(
        _("hourly rate (SEK)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal(0),
        validators=_NOT_NEGATIVE,
    )

    class Meta:
        ordering = ["party", "id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(support__gte=0)
                & Q(cofunding_money__gte=0)
                & Q(hours__gte=0)
                & Q(hourly_rate__gte=0),
                name="budget_line_not_negative",
                violation_error_message=_("Amounts in a budget cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.activity}"

    @property
    def cofunding_time(self) -> Decimal:
        return (self.hours * self.hourly_rate).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal:
        return self.support + self.cofunding_money + self.cofunding_time


def application_attachment_path(instance: ApplicationAttachment, filename: str) -> str:
    """Store a file under its application with a random name (never the sender's)."""
    extension = FILE_TYPES[instance.kind].extensions[0]
    return f"applications/{instance.party.application_id}/{uuid.uuid4().hex}{extension}"


class ApplicationAttachment(models.Model):
    """A party's attachment: a support letter (with who signed it), a CV, a budget sheet…"""

    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.CASCADE, related_name="attachments"
    )
    type = models.CharField(_("type"), max_length=20, choices=facts.AttachmentType.choices)
    signed_by = models.CharField(_("signed by"), max_length=200, blank=True)
    signer_role = models.CharField(
        _("signed in the role of"), max_length=30, choices=facts.SignerRole.choices, blank=True
    )
    file = models.FileField(_("file"), upload_to=application_attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=TITLE_MAX)
    kind = models.CharField(_("file type"), max_length=8, choices=AttachmentKind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attached by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("attached"), default=timezone.now)

    class Meta:
        ordering = ["party", "uploaded_at", "id"]
        verbose_name = _("application attachment")
        verbose_name_plural = _("application attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="application_attachment_not_empty",
                violation_error_message=_("The file is empty."),
            ),
            models.CheckConstraint(
                condition=~Q(type="support_letter") | (~Q(signed_by="") & ~Q(signer_role="")),
                name="support_letter_has_signer",
                violation_error_message=_("Say who signed the support letter and in what role."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "funding:attachment",
            kwargs={"pk": self.party.application_id, "attachment_pk": self.pk},
        )

    def clean(self) -> None:
        super().clean()
        if self.type == facts.AttachmentType.SUPPORT_LETTER:
            errors = {}
            if not self.signed_by.strip():
                errors["signed_by"] = _("Say who signed the support letter.")
            if not self.signer_role:
                errors["signer_role"] = _("Say in what role the letter was signed.")
            if errors:
                raise ValidationError(errors)
