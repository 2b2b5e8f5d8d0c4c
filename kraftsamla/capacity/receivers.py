"""Capacity's reactions to other apps' hooks (connected in CapacityConfig.ready)."""

from django.dispatch import receiver

from kraftsamla.accounts.signals import invitation_accepted
from kraftsamla.capacity import services


@receiver(invitation_accepted, dispatch_uid="capacity.respondent_from_invitation")
def respondent_from_invitation(sender, invitation, user, **kwargs) -> None:
    """Make the person a respondent when their invitation came with an assessment."""
    services.respondent_add_from_invitation(actor=user, invitation=invitation)
