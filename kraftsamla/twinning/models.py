"""Twin and peer links between municipalities, with dates and the programme they belong to."""

from django.conf import settings
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
