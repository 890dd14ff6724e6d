from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

TRANSIENT = (OperationalError, InterfaceError, OSError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=4,
             soft_time_limit=120, time_limit=180)
def document_render(self, document_id: int) -> str:
    try:
        return services.document_render(document_id=document_id).status
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.document_fail(document_id=document_id, error=repr(error))
            raise
        raise self.retry(exc=error, countdown=min(2 ** self.request.retries * 5, 120)) from error
    except Exception as error:
        services.document_fail(document_id=document_id, error=repr(error))
        raise


@shared_task(acks_late=True)
def batch_archive(batch_id: int) -> None:
    services.batch_build_archive(batch_id=batch_id)


@shared_task
def documents_redispatch_stale() -> int:
    return services.documents_redispatch_stale()
