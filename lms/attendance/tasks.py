from celery import shared_task

from . import alerts


@shared_task
def attendance_alerts_scan() -> int:
    """Daily (see CELERY_BEAT_SCHEDULE): record and notify new attendance alerts."""
    return alerts.attendance_alerts_scan()
