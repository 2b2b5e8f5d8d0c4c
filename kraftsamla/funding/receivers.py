"""Funding's reactions to model hooks (connected in FundingConfig.ready)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from kraftsamla.funding.models import ApplicationAttachment


@receiver(post_delete, sender=ApplicationAttachment, dispatch_uid="funding.attachment_file_delete")
def attachment_file_delete(sender, instance: ApplicationAttachment, using, **kwargs) -> None:
    """Delete the stored file once the row's deletion is committed (however the row went:
    deleted by its editors, with its party or application, or with the demo data)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), using=using, robust=True)
