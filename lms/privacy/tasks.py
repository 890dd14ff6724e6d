from celery import shared_task

from .retention import retention_purge


@shared_task
def retention_purge_task() -> dict[str, int]:
    """Nightly (CELERY_BEAT_SCHEDULE): delete the personal data past its retention."""
    return retention_purge()
