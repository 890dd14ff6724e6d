"""The hot survey follows a completion: the progress app sends the signal, this app listens
(progress never imports it)."""

import logging

from django.db import transaction
from django.dispatch import receiver

from lms.progress.services import path_completed

from . import tasks

logger = logging.getLogger(__name__)


@receiver(path_completed, dispatch_uid="surveys-path-completed")
def on_path_completed(sender, enrollment, **kwargs):
    # The signal is sent once committed already; on_commit keeps it so if that ever changes.
    def enqueue():
        try:
            tasks.enrollment_completed_invite_task.delay(enrollment.pk)
        except Exception:  # the completion is committed: the daily scan still surveys the group
            logger.exception("Hot survey of enrolment %s not queued", enrollment.pk)

    transaction.on_commit(enqueue)
