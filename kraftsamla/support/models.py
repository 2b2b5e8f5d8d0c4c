"""Structure regional support: offers by capital × collaboration form, needs, uptake, ratings."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.limits import COMMENT_MAX, DESCRIPTION_MAX, TITLE_MAX, text_limit
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.translation import TranslatedField


class TargetGroup(models.TextChoices):
    POLITICIANS = "politicians", _("Politicians")
    SENIOR_MANAGERS = "senior_managers", _("Senior managers")
    STRATEGIC = "strategic_coordinators", _("Strategic coordinators")
    OPERATIONAL = "operational_units", _("Operational units")
    PARTNERS = "partners", _("Partners")


# Capacity respondents' role groups, mapped to the offers' target groups.
TARGET_GROUP_BY_ROLE_GROUP = {
    "politicians": TargetGroup.POLITICIANS,
    "senior_managers": TargetGroup.SENIOR_MANAGERS,
    "strategic_coordinators": TargetGroup.STRATEGIC,
    "operational_staff": TargetGroup.OPERATIONAL,
}


class OfferFormat(models.TextChoices):
    TRAINING = "training", _("Training")
    NETWORK = "network", _("Network")
    FACILITATION = "facilitation", _("Facilitation")
    SHARED_EXPERT = "shared_expert", _("Shared expert")
    JOINT_PROCUREMENT = "joint_procurement", _("Joint procurement")
    FUNDING_SUPPORT = "funding_application_support", _("Funding-application support")
    POLICY_LAB = "policy_lab", _("Policy lab")
    TESTBED = "testbed", _("Testbed")
    PLATFORM = "platform", _("Platform")
    ANALYSIS = "analysis", _("Analysis")
    GUIDANCE = "guidance", _("Guidance")


class OfferStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for enrolment")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


# Offers a municipality can still take part in.
AVAILABLE_STATUSES = (OfferStatus.OPEN, OfferStatus.RUNNING)


# The starter catalogue cites the report in English ("appendix 2, human capital, knowledge
# base; ch. 4.4"); these are the words of such a reference, shown in the active language.
SOURCE_TERMS = {
    "overall transition capacity": _("overall transition capacity"),
    "knowledge base": _("knowledge base"),
    "resource base": _("resource base"),
    "room for action": _("room for action"),
    **{f"{key.value} capital": key.label for key in CapitalKey},
}
SOURCE_APPENDIX = re.compile(r"^appendix (\d+)$")
SOURCE_CHAPTER = re.compile(r"^ch\. ([\d.]+)$")


def _source_term(term: str) -> str:
    if match := SOURCE_APPENDIX.match(term):
        return _("appendix %(number)s") % {"number": match[1]}
    if match := SOURCE_CHAPTER.match(term):
        return _("ch. %(number)s") % {"number": match[1]}
    if term in SOURCE_TERMS:
        return str(SOURCE_TERMS[term]).lower()
    return term


def source_reference_display(reference: str) -> str:
    """Render a catalogue source reference in the active language; other text unchanged."""
    return "; ".join(
        ", ".join(_source_term(term) for term in part.split(", ")) for part in reference.split("; ")
    )


class Offer(models.Model):
    """A support offer from a regional body or programme to its member municipalities."""

    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("offered by"),
        on_delete=models.CASCADE,
        related_name="support_offers",
    )
    # Typed-in offers hold the text the provider wrote in the Swedish slot (English optional);
    # offers from the starter catalogue hold both languages.
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    description = TranslatedField(_("description"), max_length=DESCRIPTION_MAX)
    capitals = models.JSONField(_("capitals it strengthens"), default=list)
    collaboration_form = models.CharField(
        _("collaboration form"), max_length=20, choices=CollaborationForm.choices
    )
    # Empty: meant for anyone.
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    format = models.CharField(_("format"), max_length=32, choices=OfferFormat.choices)
    delivered_by = models.CharField(_("delivered by"), max_length=200, blank=True)
    seats = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    is_continuous = models.BooleanField(_("continuous"), default=False)
    start_date = models.DateField(_("starts"), null=True, blank=True)
    end_date = models.DateField(_("ends"), null=True, blank=True)
    cost = models.CharField(_("cost"), max_length=200, blank=True, help_text=_("Empty if free."))
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PLANNED
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    open_to_all_members = models.BooleanField(_("open to all members"), default=True)
    open_to = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("open to these members"),
        blank=True,
        related_name="+",
    )
    catalogue_key = models.SlugField(_("starter catalogue key"), max_length=80, blank=True)
    source_ref = models.CharField(_("source"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["title__sv"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="offer_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["provider", "catalogue_key"],
                condition=~Q(catalogue_key=""),
                name="offer_catalogue_key_once_per_provider",
            ),
        ]
        indexes = [models.Index(fields=["provider", "status"])]

    def __str__(self) -> str:
        return str(self.title)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("support:offer", kwargs={"pk": self.pk})

    @property
    def source_display(self) -> str:
        return source_reference_display(self.source_ref)

    def capital_labels(self) -> list[str]:
        labels = dict(CapitalKey.choices)
        return [str(labels.get(k, k)) for k in self.capitals]

    def target_group_labels(self) -> list[str]:
        labels = dict(TargetGroup.choices)
        return [str(labels.get(k, k)) for k in self.target_groups]

    @property
    def is_available(self) -> bool:
        return self.status in AVAILABLE_STATUSES


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Need(models.Model):
    """A municipality's need for support in one capital."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="support_needs",
    )
    capital = models.CharField(_("capital"), max_length=20, choices=CapitalKey.choices)
    collaboration_form = models.CharField(
        _("preferred collaboration form"),
        max_length=20,
        choices=CollaborationForm.choices,
        blank=True,
    )
    description = models.TextField(_("description"), **text_limit(DESCRIPTION_MAX))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    target_group = models.CharField(
        _("target group"), max_length=30, choices=TargetGroup.choices, blank=True
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sharing_level = models.CharField(
        _("sharing"), max_length=16, choices=SharingLevel.choices, default=SharingLevel.REGION
    )
    source_note = models.OneToOneField(
        "capacity.CapitalNote",
        verbose_name=_("from assessment note"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="need",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["priority", "-created_at"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["organisation", "year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="need_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_capital_display()}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Enrolment(models.Model):
    """A person from a member municipality taking part in an offer."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="enrolments"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="support_enrolments",
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="support_enrolments",
    )
    status = models.CharField(_("status"), max_length=10, choices=EnrolmentStatus.choices)
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["offer", "created_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["offer", "participant"], name="enrol_once"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.offer_id} ({self.status})"


class Rating(models.Model):
    """A participant's rating of an offer's usefulness after it ended."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(_("usefulness (1–5)"))
    comment = models.TextField(_("comment"), blank=True, **text_limit(COMMENT_MAX))
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.score}/5"


class DigestSubscription(models.Model):
    """Opt-in to a weekly e-mail of new offers relevant to one's municipality."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="digest_subscription",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.organisation_id})"
