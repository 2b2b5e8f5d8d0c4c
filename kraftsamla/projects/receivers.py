"""The project bank's reactions to model hooks (connected in ProjectsConfig.ready)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from kraftsamla.projects.models import ProjectAttachment


@receiver(post_delete, sender=ProjectAttachment, dispatch_uid="projects.attachment_file_delete")
def attachment_file_delete(sender, instance: ProjectAttachment, using, **kwargs) -> None:
    """Delete the stored file once the row's deletion is committed.

    Here rather than in the service, so a file goes however its row goes: deleted by
    its editors, with its project, or with the demo data. A rolled-back deletion keeps
    the file; a storage error is logged and does not undo the committed deletion.
    """
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name), using=using, robust=True)
