from celery import shared_task

from . import services


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def invitation_send_task(invitation_id: int, reminder: bool = False) -> None:
    # Idempotent: the row is locked and a message already sent is not sent again.
    services.invitation_send(invitation_id=invitation_id, reminder=reminder)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def enrollment_completed_invite_task(enrollment_id: int) -> None:
    services.enrollment_completed_invite(enrollment_id=enrollment_id)


@shared_task
def surveys_daily_task() -> dict:
    """Daily at 07:00 (CELERY_BEAT_SCHEDULE): ended groups, cold surveys, reminders."""
    return services.daily_scan()
