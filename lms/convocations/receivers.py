"""Hooks into placements and session changes: the apps up the line send the signals, this app
listens (they never import it)."""

from django.dispatch import receiver

from lms.attendance.signals import sessions_changed
from lms.progress.signals import learner_placed

from . import tasks


@receiver(learner_placed, dispatch_uid="convocations-learner-placed")
def on_learner_placed(sender, membership_id, **kwargs):
    tasks.convocation_send_task.delay(membership_id)


@receiver(sessions_changed, dispatch_uid="convocations-sessions-changed")
def on_sessions_changed(sender, session_ids, **kwargs):
    tasks.session_updates_send_task.delay(list(session_ids))
