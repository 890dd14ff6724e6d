"""Hooks into placements and session changes: the apps up the line send the signals, this app
listens (they never import it). The signals come inside the transaction of the change: what the
learners are owed is recorded there (an Announcement, the outbox), and its task queued once
committed. When it can't be queued, the sweep sends it (services.announcements_send_due)."""

import logging

from django.db import transaction
from django.dispatch import receiver

from lms.attendance.signals import sessions_changed
from lms.progress.signals import learner_placed

from . import services, tasks
from .enums import AnnouncementKind

logger = logging.getLogger(__name__)


def _queue_once_committed(announcement_id: int) -> None:
    def queue():
        try:
            tasks.announcement_send_task.delay(announcement_id)
        except Exception:  # the change is committed, and so is its announcement: the sweep
            logger.warning("Announcement %s not queued: the sweep sends it", announcement_id,
                           exc_info=True)
            try:
                services.announcement_queue_failed(announcement_id=announcement_id)
            except Exception:  # then it is due after services.GRACE anyway
                logger.exception("Announcement %s not marked for the sweep", announcement_id)

    transaction.on_commit(queue)


@receiver(learner_placed, dispatch_uid="convocations-learner-placed")
def on_learner_placed(sender, membership_id, **kwargs):
    announcement = services.announcement_record(kind=AnnouncementKind.CONVOCATION,
                                                membership_id=membership_id)
    _queue_once_committed(announcement.pk)


@receiver(sessions_changed, dispatch_uid="convocations-sessions-changed")
def on_sessions_changed(sender, session_ids, **kwargs):
    announcement = services.sessions_announce(session_ids=session_ids)
    _queue_once_committed(announcement.pk)
