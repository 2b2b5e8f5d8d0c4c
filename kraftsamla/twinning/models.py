"""Twin and peer links between municipalities, with dates and the programme they belong to."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kraftsamla.core.limits import NOTE_MAX
from kraftsamla.core.translation import TranslatedField


class LinkKind(models.TextChoices):
    PIONEER_TWIN = "pioneer_twin", _("Pioneer city and twin city")
    PILOT_TWIN = "pilot_twin", _("Pilot city and twin city")
    PEER_GROUP = "peer_group", _("Peer group")


class LinkRole(models.TextChoices):
    PIONEER = "pioneer", _("Pioneer city")
    PILOT = "pilot", _("Pilot city")
    TWIN = "twin", _("Twin city")
    PEER = "peer", _("Peer")


# The role that leads each kind of link (one member has it); the others are twins or peers.
LEAD_ROLE = {
    LinkKind.PIONEER_TWIN: LinkRole.PIONEER,
    LinkKind.PILOT_TWIN: LinkRole.PILOT,
    LinkKind.PEER_GROUP: None,
}
FOLLOWER_ROLE = {
    LinkKind.PIONEER_TWIN: LinkRole.TWIN,
    LinkKind.PILOT_TWIN: LinkRole.TWIN,
    LinkKind.PEER_GROUP: LinkRole.PEER,
}


class TwinLink(models.Model):
    """A pioneer–twin pair, a pilot–twin pair or a peer group, for a period."""

    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    programme = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="twin_links",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    description = TranslatedField(_("description"), max_length=NOTE_MAX, blank=True, default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("twin or peer link")
        verbose_name_plural = _("twin and peer links")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="twinlink_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%Y-%m-%d}"


class TwinLinkMember(models.Model):
    """One municipality in a link, with its role."""

    link = models.ForeignKey(
        TwinLink, verbose_name=_("link"), on_delete=models.CASCADE, related_name="members"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="twin_link_memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=LinkRole.choices)

    class Meta:
        ordering = ["link", "role", "organisation__name"]
        verbose_name = _("member of a link")
        verbose_name_plural = _("members of links")
        constraints = [
            models.UniqueConstraint(
                fields=["link", "organisation"],
                name="twinlink_member_once",
                violation_error_message=_("A municipality cannot be linked with itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} ({self.role})"


# --- Twinning programmes -------------------------------------------------------------------


class ProgrammeStatus(models.TextChoices):
    OPEN = "open", _("Running")
    CLOSED = "closed", _("Closed")


class TwinningProgramme(models.Model):
    """A twinning or peer-learning programme with modules, participants and meetings."""

    title = TranslatedField(_("title"), max_length=200)
    organiser = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="twinning_programmes",
    )
    start_date = models.DateField(_("starts"))
    months = models.PositiveSmallIntegerField(
        _("length in months"), default=20, validators=[MinValueValidator(1)]
    )
    travel_ceiling = models.DecimalField(
        _("travel-cost ceiling per participant (SEK)"),
        max_digits=10,
        decimal_places=0,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgrammeStatus.choices, default=ProgrammeStatus.OPEN
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("twinning programme")
        verbose_name_plural = _("twinning programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gte=1), name="twinning_programme_months_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)


class Module(models.Model):
    """One ordered module of a programme, with its goal and dates."""

    programme = models.ForeignKey(
        TwinningProgramme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="modules",
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = TranslatedField(_("title"), max_length=200)
    goal = TranslatedField(_("goal"), max_length=NOTE_MAX, blank=True, default=dict)
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"))
    done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["programme", "order"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        constraints = [
            models.UniqueConstraint(fields=["programme", "order"], name="module_order_once"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="module_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Participant(models.Model):
    """A municipality taking part in a programme, with its role and travel claims."""

    programme = models.ForeignKey(
        TwinningProgramme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="twinning_participations",
    )
    role = models.CharField(_("role"), max_length=20, choices=LinkRole.choices)
    left_on = models.DateField(_("took part until"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "role", "organisation__name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation"],
                name="participant_once",
                violation_error_message=_("The municipality already takes part."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"

    @property
    def needs_plan(self) -> bool:
        """Twin cities and peers replicate, so each needs a replication plan (unless it has
        left the programme)."""
        return self.role in (LinkRole.TWIN, LinkRole.PEER) and self.left_on is None


class MeetingKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    DIGITAL = "digital", _("Digital meeting")
    SITE_VISIT = "site_visit", _("Site visit")
    PEER_MEETING = "peer_meeting", _("Peer meeting")


class Meeting(models.Model):
    """A meeting of a programme with its agenda, notes and decisions."""

    programme = models.ForeignKey(
        TwinningProgramme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True, max_length=NOTE_MAX)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX)
    decisions = models.TextField(_("decisions"), blank=True, max_length=NOTE_MAX)
    follow_up = models.TextField(_("follow-up actions"), blank=True, max_length=NOTE_MAX)
    participants = models.ManyToManyField(
        Participant, verbose_name=_("participants"), blank=True, related_name="meetings"
    )

    class Meta:
        ordering = ["programme", "starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="meeting_times_ordered",
                violation_error_message=_("A meeting cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TravelClaim(models.Model):
    """Travel costs a participant claims, checked against the programme's ceiling.

    A participant's own people submit claims and the organiser approves or rejects them;
    claims the organiser enters are approved at once. Rejected claims do not count
    towards the ceiling.
    """

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="travel_claims",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(
        _("amount (SEK)"),
        max_digits=10,
        decimal_places=0,
        validators=[MinValueValidator(Decimal(1))],
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("travel claim")
        verbose_name_plural = _("travel claims")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="travel_claim_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.amount}"


class ReplicationTemplate(models.Model):
    """A version of the replication plan's template: its sections, in Swedish and English."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    sections = models.JSONField(_("sections"))
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]
        get_latest_by = "loaded_at"
        verbose_name = _("replication plan template")
        verbose_name_plural = _("replication plan templates")

    def __str__(self) -> str:
        return self.version


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class ReplicationPlan(models.Model):
    """A twin or peer city's plan for replicating a solution, by the template's sections."""

    participant = models.OneToOneField(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="replication_plan",
    )
    template = models.ForeignKey(
        ReplicationTemplate,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    answers = models.JSONField(_("answers"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("replication plan")
        verbose_name_plural = _("replication plans")

    def __str__(self) -> str:
        return f"{self.participant}"
