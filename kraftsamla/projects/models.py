"""The project bank: ideas and projects that move through one lifecycle, with a timeline.

One `Project` record goes from idea to completed (and replicated); every change of
status is a service that writes a `ProjectEvent`, which the project page shows as
its timeline. Texts that people write (title, summary, results...) are plain text in
the author's language, shown escaped.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.limits import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, text_limit
from kraftsamla.core.models import SharingLevel
from kraftsamla.organisations.models import EmissionSector


class ProjectStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    IN_PREPARATION = "in_preparation", _("In preparation")
    PRIORITISED = "prioritised", _("Prioritised")
    PARKED = "parked", _("Parked")
    DECLINED = "declined", _("Declined")
    # Merged by the regional body into a joint project (`Project.merged_into`).
    MERGED = "merged", _("Merged into a joint project")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    # Completed, and at least one later project links back to it as its origin.
    REPLICATED = "replicated", _("Replicated")


class BusinessCollaboration(models.TextChoices):
    """The three kinds of municipality–business climate collaboration (Viable Cities)."""

    SECTOR_SPECIFIC = "sector_specific", _("Sector-specific efforts")
    GENERAL_BUSINESS = "general_business", _("General business efforts")
    INNOVATION = "innovation", _("Innovation collaboration")


class ParticipationRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    PARTICIPANT = "participant", _("Participant")
    PARTNER = "partner", _("Partner")
    FUNDER = "funder", _("Funder")


def _validate_choice_list(values, choices: type[models.TextChoices], message) -> None:
    if not isinstance(values, list) or any(value not in choices.values for value in values):
        raise ValidationError(message)


def validate_capitals(values) -> None:
    _validate_choice_list(values, CapitalKey, _("Choose capitals from the list."))


def validate_sectors(values) -> None:
    _validate_choice_list(values, EmissionSector, _("Choose emission sectors from the list."))


class Project(models.Model):
    """An idea or project of one organisation, from a few lines of idea to its results."""

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), blank=True, **text_limit(DESCRIPTION_MAX))
    challenge = models.TextField(
        _("challenge it addresses"), blank=True, **text_limit(DESCRIPTION_MAX)
    )
    capitals = models.JSONField(
        _("capitals it strengthens"), default=list, blank=True, validators=[validate_capitals]
    )
    collaboration_form = models.CharField(
        _("collaboration form"), max_length=20, choices=CollaborationForm.choices, blank=True
    )
    emission_sectors = models.JSONField(
        _("emission sectors"), default=list, blank=True, validators=[validate_sectors]
    )
    business_collaboration = models.CharField(
        _("business collaboration"),
        max_length=20,
        choices=BusinessCollaboration.choices,
        blank=True,
    )
    owner = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="projects",
    )
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    start_date = models.DateField(_("starts"), null=True, blank=True)
    end_date = models.DateField(_("ends"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget (SEK)"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.IDEA
    )
    sharing_level = models.CharField(
        _("sharing"), max_length=10, choices=SharingLevel.choices, default=SharingLevel.REGION
    )
    results = models.TextField(_("results"), blank=True, **text_limit(DESCRIPTION_MAX))
    lessons = models.TextField(_("lessons learnt"), blank=True, **text_limit(DESCRIPTION_MAX))
    reusable = models.TextField(
        _("what others can reuse"), blank=True, **text_limit(DESCRIPTION_MAX)
    )
    origin = models.ForeignKey(
        "self",
        verbose_name=_("replicates"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replications",
    )
    # Set when a regional body merges this idea with others into one joint project; the
    # idea stays, with its timeline, and its status is then "merged".
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
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

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="project_budget_not_negative",
                violation_error_message=_("The budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(origin=models.F("id")),
                name="project_not_its_own_origin",
                violation_error_message=_("A project cannot replicate itself."),
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")),
                name="project_not_merged_into_itself",
                violation_error_message=_("A project cannot be merged into itself."),
            ),
            # A link to a joint project means the idea is merged (the joint project may be
            # deleted later: the status then still says what happened).
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=ProjectStatus.MERGED),
                name="project_merged_into_means_merged",
                violation_error_message=_(
                    "An idea merged into a joint project has the status “merged”."
                ),
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The end date must not be before the start date.")}
            )

    def capital_labels(self) -> list[str]:
        labels = dict(CapitalKey.choices)
        return [str(labels.get(key, key)) for key in self.capitals]

    def sector_labels(self) -> list[str]:
        labels = dict(EmissionSector.choices)
        return [str(labels.get(key, key)) for key in self.emission_sectors]

    def similarity_text(self) -> str:
        """The text that similar ideas are found by."""
        return f"{self.title}. {self.summary} {self.challenge}"


class FundingSource(models.Model):
    """Where part of a project's budget comes from."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="funding_sources",
    )
    funder_name = models.CharField(_("funder"), max_length=200)
    funder = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("funding organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount = models.DecimalField(
        _("amount (SEK)"),
        max_digits=14,
        decimal_places=0,
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        ordering = ["-amount", "funder_name"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="funding_source_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder_name}: {self.amount}"


class Participation(models.Model):
    """An organisation taking part in a project, with its role."""

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="project_participations",
    )
    role = models.CharField(_("role"), max_length=12, choices=ParticipationRole.choices)

    class Meta:
        ordering = ["role", "organisation__name"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"],
                name="participation_once_per_project",
                violation_error_message=_("The organisation already takes part in the project."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_role_display()}"


class ProjectEvent(models.Model):
    """One step on a project's timeline: who moved it from which status to which, and why."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="events"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The person's name (never the e-mail address), kept if the account is deleted.
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    from_status = models.CharField(
        _("from"), max_length=20, choices=ProjectStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ProjectStatus.choices)
    reason = models.TextField(_("reason or decision"), blank=True, **text_limit(NOTE_MAX))
    next_step = models.TextField(_("next step"), blank=True, **text_limit(NOTE_MAX))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("project event")
        verbose_name_plural = _("project events")

    def __str__(self) -> str:
        return f"{self.project}: {self.from_status} → {self.to_status}"
