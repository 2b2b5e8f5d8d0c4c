"""Capacity's reactions to other apps' hooks (connected in CapacityConfig.ready)."""

from django.dispatch import receiver

from kraftsamla.accounts.signals import invitation_accepted
from kraftsamla.capacity.models import Respondent, RespondentInvitation, RoleGroup, Status


@receiver(invitation_accepted, dispatch_uid="capacity.respondent_from_invitation")
def respondent_from_invitation(sender, invitation, user, **kwargs) -> None:
    """Make the person a respondent when their invitation came with an assessment."""
    link = (
        RespondentInvitation.objects.select_related("assessment")
        .filter(invitation=invitation)
        .first()
    )
    if link is None or link.assessment.status not in (Status.DRAFT, Status.OPEN):
        return
    Respondent.objects.get_or_create(
        assessment=link.assessment,
        user=user,
        defaults={"role_group": link.role_group or RoleGroup.OPERATIONAL},
    )
