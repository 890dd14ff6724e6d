import logging
import random
import threading
import time

from celery import shared_task
from celery.signals import worker_ready
from django.db import connection

from . import services

logger = logging.getLogger(__name__)


# Not retried by Celery: a failure leaves the announcement due later, for the sweep.
@shared_task(name="lms.convocations.tasks.announcement_send_task")
def announcement_send_task(announcement_id: int) -> bool:
    return services.announcement_send(announcement_id=announcement_id)


@shared_task(name="lms.convocations.tasks.announcements_send_due_task")
def announcements_send_due_task() -> int:
    return services.announcements_send_due()


# Kept for the messages queued before the outbox (announcement_send_task) was deployed.
@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def convocation_send_task(membership_id: int) -> None:
    services.convocation_send(membership_id=membership_id)


# Not retried: a retry would send again to those already told.
@shared_task
def session_updates_send_task(session_ids: list[int]) -> None:
    services.session_updates_send(session_ids=session_ids)


@shared_task
def reminders_send_task() -> int:
    """Daily at 17:00 (CELERY_BEAT_SCHEDULE): tomorrow's sessions."""
    return services.reminders_send()


def _sweep_forever(every: float) -> None:
    while True:
        # Jittered, so that the workers of a deployment don't all sweep at the same instant.
        time.sleep(every * random.uniform(0.8, 1.2))  # noqa: S311 (not for security)
        try:
            services.announcements_send_due()
        except Exception:  # the database may be down too: try again next period
            logger.exception("Announcements sweep failed")
        finally:
            connection.close()


@worker_ready.connect(dispatch_uid="convocations.start_sweeper")
def _start_sweeper(sender=None, **kwargs) -> None:
    """Every worker sends the announcements due, in a thread of its main process, straight
    from the database: recovery waits neither for beat nor for the broker."""
    from lms.celery import app

    if app.conf.task_always_eager:
        return
    threading.Thread(target=lambda: _sweep_forever(services.SWEEP_EVERY),
                     name="announcements-sweeper", daemon=True).start()
