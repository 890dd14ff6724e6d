import gc

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from django.db import InterfaceError, OperationalError

from . import rendering, services

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


@worker_init.connect(dispatch_uid="certificates.import_weasyprint")
def _import_weasyprint(**kwargs) -> None:
    """In the worker's main process, before it forks its pool: import WeasyPrint (~0.5 s,
    ~30,000 objects) once for all pool processes, instead of in each at its first document."""
    import weasyprint  # noqa: F401


@worker_process_init.connect(dispatch_uid="certificates.freeze_at_start")
def _load_stylesheet_then_freeze(**kwargs) -> None:
    """In each pool process, once forked: parse the stylesheet and set up the fonts (~50 ms;
    Pango's and fontconfig's state is made after the fork), then move everything loaded so far
    out of the garbage collector's reach. Those ~250,000 objects (Django, Wagtail, WeasyPrint)
    live as long as the process; scanning them made each full collection a pause of
    30-200 ms, in about one document out of eight, and wrote to every page the process shares
    with its parent. (No collection first: it would write to all of them at once.)"""
    rendering._weasyprint()
    gc.freeze()
