"""The project bank: ideas and projects that move through one lifecycle, with a timeline.

One `Project` record goes from idea to completed (and replicated); every change of
status is a service that writes a `ProjectEvent`, which the project page shows as
its timeline. A completed project may be held up as a good example by the regional
body (also on the timeline). Texts that people write (title, summary, results...) are
plain text in the author's language, shown escaped. Files attached to a project
(`ProjectAttachment`) are stored through Django's storage API under names of our own.

The project template for municipalities with small staffs is versioned content
(`ProjectTemplate` with its `TemplateStep`s, loaded from template_data/ like the
capacity framework); a project instantiates it once as its `Checklist`, one
`ChecklistItem` per step.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kraftsamla.accounts.models import EmailStatus
from kraftsamla.capacity.models import CapitalKey, CollaborationForm
from kraftsamla.core.limits import CONTENT_MAX, DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX, text_limit
from kraftsamla.core.models import SharingLevel
from kraftsamla.core.translation import TranslatedField, TranslatedText, translated
from kraftsamla.core.uploads import FILE_TYPES
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


# Statuses of a project with results: it may be replicated and be a good example.
WITH_RESULTS = (ProjectStatus.COMPLETED, ProjectStatus.REPLICATED)

# Statuses in which another organisation may still ask to join (not declined or finished).
JOINABLE = frozenset(
    {
        ProjectStatus.IDEA,
        ProjectStatus.IN_PREPARATION,
        ProjectStatus.PRIORITISED,
        ProjectStatus.PARKED,
        ProjectStatus.RUNNING,
    }
)


class EventKind(models.TextChoices):
    """What a step on the timeline records."""

    STATUS = "status", _("Status change")
    GOOD_EXAMPLE = "good_example", _("Marked as a good example")
    GOOD_EXAMPLE_REMOVED = "good_example_removed", _("No longer a good example")


class AttachmentKind(models.TextChoices):
    """The types of file a project may have attached (see kraftsamla/core/uploads.py)."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    XLSX = "xlsx", "XLSX"
    ODT = "odt", "ODT"
    PNG = "png", "PNG"
    JPEG = "jpeg", "JPEG"
    GIF = "gif", "GIF"
    WEBP = "webp", "WebP"


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
    # Set by the regional body (never by the owner); empty when it is no good example.
    good_example_since = models.DateTimeField(_("good example since"), null=True, blank=True)
    good_example_reason = models.TextField(
        _("why it is a good example"), blank=True, **text_limit(NOTE_MAX)
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
                condition=Q(good_example_since__isnull=True) | Q(status__in=WITH_RESULTS),
                name="project_good_example_has_results",
                violation_error_message=_("Only a completed project can be a good example."),
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
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["good_example_since"], name="project_good_example_idx"),
        ]

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

    @property
    def is_good_example(self) -> bool:
        return self.good_example_since is not None


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
    # A good-example step keeps the status (from and to are the status it had).
    kind = models.CharField(
        _("kind"), max_length=24, choices=EventKind.choices, default=EventKind.STATUS
    )
    reason = models.TextField(_("reason or decision"), blank=True, **text_limit(NOTE_MAX))
    next_step = models.TextField(_("next step"), blank=True, **text_limit(NOTE_MAX))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("project event")
        verbose_name_plural = _("project events")

    def __str__(self) -> str:
        return f"{self.project}: {self.from_status} → {self.to_status}"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The roles the owner may give an organisation that asked to join.
JOIN_ROLES = (ParticipationRole.PARTICIPANT, ParticipationRole.PARTNER)


class JoinRequest(models.Model):
    """An organisation asking to take part in another organisation's project.

    The owner's administrators and editors accept it (the organisation then takes
    part, with the role they choose) or decline it with a reason; the asking
    organisation may withdraw it while it waits. The e-mail fields record the latest
    notice about it (the new request to the owner, or the decision to the requester).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="join_requests"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation asking"),
        on_delete=models.CASCADE,
        related_name="project_join_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True, **text_limit(NOTE_MAX))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    role = models.CharField(
        _("role given"), max_length=12, choices=ParticipationRole.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, **text_limit(NOTE_MAX))
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    email_status = models.CharField(
        _("e-mail"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("sending attempts"), default=0)
    email_error = models.CharField(_("last sending error"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"],
                condition=Q(status="pending"),
                name="join_request_one_pending",
                violation_error_message=_(
                    "The organisation has already asked to join the project; the answer is "
                    "still to come."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="join_request_answered_when_closed",
                violation_error_message=_("A closed request needs the time it was answered."),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(reason=""),
                name="join_request_decline_has_reason",
                violation_error_message=_("Give the reason for declining."),
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", role__in=[role.value for role in JOIN_ROLES])
                | (~Q(status="accepted") & Q(role="")),
                name="join_request_role_when_accepted",
                violation_error_message=_(
                    "An accepted request gives a participant or partner role."
                ),
            ),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.project}"

    @property
    def is_pending(self) -> bool:
        return self.status == JoinRequestStatus.PENDING


def attachment_path(instance: "ProjectAttachment", filename: str) -> str:
    """Store a file under its project with a random name and its type's extension: the
    sender's file name is never part of the path (it is kept apart, for display)."""
    extension = FILE_TYPES[instance.kind].extensions[0]
    return f"projects/{instance.project_id}/{uuid.uuid4().hex}{extension}"


class ProjectAttachment(models.Model):
    """A file attached to a project: a report, a spreadsheet, a picture.

    Its type was checked by content when it was attached; `name` is the sender's file
    name made safe, shown and offered for download. The stored file is deleted when the
    row is (see receivers.py).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=TITLE_MAX)
    kind = models.CharField(_("type"), max_length=8, choices=AttachmentKind.choices)
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
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(size__gt=0),
                name="attachment_not_empty",
                violation_error_message=_("The file is empty."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AttachmentKind.values),
                name="attachment_kind_known",
                violation_error_message=_("Files of this type cannot be attached."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """Return the download address (it asks whether the person may see the project)."""
        return reverse(
            "projects:attachment", kwargs={"pk": self.project_id, "attachment_pk": self.pk}
        )


# --- The project template and a project's checklist ---------------------------------------

# A template's keys (of roles and steps): stable across versions, readable in URLs and exports.
TEMPLATE_KEY_MAX = 50


class TemplatePhase(models.TextChoices):
    """The phases of a project in the template, in the order they come."""

    PREPARE = "prepare", pgettext_lazy("project phase", "Prepare")
    START = "start", pgettext_lazy("project phase", "Start")
    RUN = "run", pgettext_lazy("project phase", "Run")
    CLOSE = "close", pgettext_lazy("project phase", "Close")
    FOLLOW_UP = "follow_up", pgettext_lazy("project phase", "Follow up")


class ProjectTemplate(models.Model):
    """One version of the project template: roles and the steps a project plans by.

    The roles are content of the version (`roles`: a list of {"key", "name", "description"},
    texts in Swedish and English), so a later version may add or rename roles.
    """

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = TranslatedField(_("title"), max_length=TITLE_MAX)
    introduction = TranslatedField(
        _("introduction"), blank=True, default=dict, max_length=CONTENT_MAX
    )
    source = models.CharField(_("source"), max_length=300)
    roles = models.JSONField(
        _("roles"), help_text=_('A list of {"key", "name", "description"}, texts in sv and en.')
    )
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Published versions are shown and can be used for new checklists."),
    )
    # A hash of the loaded file's content: loading the same version with other content is refused.
    checksum = models.CharField(_("checksum"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project template")
        verbose_name_plural = _("project templates")

    def __str__(self) -> str:
        return f"{self.title.sv} ({self.version})"

    def get_absolute_url(self) -> str:
        return reverse("projects:template_version", kwargs={"version": self.version})

    def role_list(self) -> list[tuple[str, TranslatedText, TranslatedText]]:
        """Return (key, name, description) of each role, in the active language."""
        return [
            (role["key"], translated(role.get("name")), translated(role.get("description")))
            for role in self.roles or []
        ]

    def role_names(self) -> dict[str, TranslatedText]:
        """Return each role's name by key."""
        return {key: name for key, name, _description in self.role_list()}


class StepFacts(models.Model):
    """What a template step says and a checklist item copies: which step (its key, stable
    across versions), its phase and place, the role responsible for it and its title."""

    key = models.SlugField(_("key"), max_length=TEMPLATE_KEY_MAX)
    phase = models.CharField(_("phase"), max_length=12, choices=TemplatePhase.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    role = models.SlugField(_("responsible role"), max_length=TEMPLATE_KEY_MAX)
    title = TranslatedField(_("title"), max_length=TITLE_MAX)

    class Meta:
        abstract = True

    FIELDS = ("key", "phase", "order", "role", "title")


class TemplateStep(StepFacts):
    """One step of a template version: in a phase, led by a role, with others taking part."""

    template = models.ForeignKey(
        ProjectTemplate,
        verbose_name=_("project template"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    involves = models.JSONField(_("roles taking part"), default=list, blank=True)
    guidance = TranslatedField(_("who takes part and what is done"), max_length=CONTENT_MAX)

    class Meta:
        ordering = ["template", "order"]
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")
        constraints = [
            models.UniqueConstraint(fields=["template", "key"], name="template_step_key_unique"),
            models.UniqueConstraint(
                fields=["template", "order"], name="template_step_order_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.version}: {self.key}"


class Checklist(models.Model):
    """A project's plan made from one template version (at most one per project)."""

    project = models.OneToOneField(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="checklist"
    )
    template = models.ForeignKey(
        ProjectTemplate,
        verbose_name=_("project template"),
        # A template version that projects plan by is kept: their items point to its steps.
        on_delete=models.PROTECT,
        related_name="checklists",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return f"{self.project} ({self.template.version})"

    def get_absolute_url(self) -> str:
        return reverse("projects:checklist", kwargs={"pk": self.project_id})


class ChecklistItem(StepFacts):
    """One step of a project's checklist: who is responsible, by when, and whether it is done.

    The step's key, phase, order, role and title are copied when the checklist is made,
    so the checklist reads the same whatever later template versions say.
    """

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    step = models.ForeignKey(
        TemplateStep,
        verbose_name=_("template step"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_name = models.CharField(_("responsible"), max_length=200, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person in Kraftsamla"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due = models.DateField(_("due"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True, **text_limit(NOTE_MAX))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["checklist", "order"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="checklist_item_once"),
            models.CheckConstraint(
                condition=Q(done=True, done_at__isnull=False) | Q(done=False, done_at__isnull=True),
                name="checklist_item_done_at_when_done",
                violation_error_message=_("A done item has the time it was done, and only then."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checklist.project}: {self.title}"

    @property
    def responsible(self) -> str:
        """The name to show: the chosen person's, else the one written."""
        user = self.responsible_user
        if user is not None and user.full_name:
            return user.full_name
        return self.responsible_name

    def is_overdue(self, today=None) -> bool:
        """Whether the due date has passed and the item is not done."""
        return not self.done and self.due is not None and self.due < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


# --- The regional portfolio: a body's criteria and its scores of the members' projects ---

# A score on one criterion: 0 (not at all) to 4 (very well), always "4 = best for the region"
# (so a cheap project scores 4 on cost).
SCORE_MIN, SCORE_MAX = 0, 4
# A criterion's weight: a whole number, 0 (not counted) to 10.
WEIGHT_MIN, WEIGHT_MAX = 0, 10


class CriterionAxis(models.TextChoices):
    """Which axis of the impact × effort chart a criterion feeds."""

    IMPACT = "impact", _("Impact")
    EFFORT = "effort", _("Effort (4 = little effort)")
    NONE = "", _("Neither")


class PortfolioCriterion(models.Model):
    """One criterion by which a coordinating body prioritises its members' projects.

    A body without criteria of its own uses the defaults (kraftsamla/projects/portfolio.py);
    saving its criteria stores all of them, in the body's own words.
    """

    body = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("regional body"),
        on_delete=models.CASCADE,
        related_name="portfolio_criteria",
    )
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("what a high score means"), **text_limit(NOTE_MAX))
    weight = models.PositiveSmallIntegerField(_("weight"))
    axis = models.CharField(
        _("chart axis"), max_length=10, choices=CriterionAxis.choices, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["body", "order"]
        verbose_name = _("portfolio criterion")
        verbose_name_plural = _("portfolio criteria")
        constraints = [
            models.UniqueConstraint(fields=["body", "key"], name="portfolio_criterion_once"),
            models.CheckConstraint(
                condition=Q(weight__gte=WEIGHT_MIN, weight__lte=WEIGHT_MAX),
                name="portfolio_criterion_weight_range",
                violation_error_message=_("A weight is a whole number from 0 to 10."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class PriorityScore(models.Model):
    """A body's score of one project on one criterion (0–4), with the reason."""

    body = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("regional body"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="scores"
    )
    # The criterion's key (stable, so the defaults need no rows of their own).
    criterion = models.SlugField(_("criterion"), max_length=40)
    score = models.PositiveSmallIntegerField(_("score"))
    reason = models.TextField(_("reason"), **text_limit(NOTE_MAX))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scored by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_at = models.DateTimeField(_("scored"), default=timezone.now)

    class Meta:
        ordering = ["project", "criterion"]
        verbose_name = _("priority score")
        verbose_name_plural = _("priority scores")
        constraints = [
            models.UniqueConstraint(
                fields=["body", "project", "criterion"], name="priority_score_once"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="priority_score_range",
                violation_error_message=_("A score is a whole number from 0 to 4."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="priority_score_has_reason",
                violation_error_message=_("Give the reason for the score."),
            ),
        ]
        indexes = [models.Index(fields=["body", "project"])]

    def __str__(self) -> str:
        return f"{self.project}: {self.criterion} = {self.score}"
