from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import AuditPack


@receiver(post_delete, sender=AuditPack, dispatch_uid="auditpack.delete_archive")
def _delete_archive(sender, instance, **kwargs):
    """A deleted pack (its group deleted, or its learner's data erased) takes its ZIP with
    it, once the deletion is committed."""
    if instance.archive:
        name, storage = instance.archive.name, instance.archive.storage
        transaction.on_commit(lambda: storage.delete(name))
