from celery import shared_task

from . import alerts


# Registered under its name of before the `_task` suffix: beat's schedule and queued messages.
@shared_task(name="lms.attendance.tasks.attendance_alerts_scan")
def attendance_alerts_scan_task() -> int:
    """Daily (see CELERY_BEAT_SCHEDULE): record and notify new attendance alerts."""
    return alerts.attendance_alerts_scan()
