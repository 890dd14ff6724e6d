from celery import shared_task

from . import services


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
