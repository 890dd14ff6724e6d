"""Hooks into placements and session changes: the apps up the line send the signals, this app
listens (they never import it)."""

import logging

from django.dispatch import receiver

from lms.attendance.signals import sessions_changed
from lms.progress.signals import learner_placed

from . import tasks

logger = logging.getLogger(__name__)


@receiver(learner_placed, dispatch_uid="convocations-learner-placed")
def on_learner_placed(sender, membership_id, **kwargs):
    try:
        tasks.convocation_send_task.delay(membership_id)
    except Exception:  # the placement is committed: log, never undo or fail the request
        logger.exception("Convocation of membership %s not sent", membership_id)


@receiver(sessions_changed, dispatch_uid="convocations-sessions-changed")
def on_sessions_changed(sender, session_ids, **kwargs):
    try:
        tasks.session_updates_send_task.delay(list(session_ids))
    except Exception:  # the change is committed: log, never undo or fail the request
        logger.exception("Update of sessions %s not sent", session_ids)
