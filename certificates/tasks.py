import gc
import logging
import random
import threading
import time
import uuid

from celery import current_app, shared_task
from celery.signals import worker_init, worker_process_init, worker_ready
from django.db import InterfaceError, OperationalError, connection

from . import rendering, services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, OSError)


# Each task keeps the name it was registered under before it took its `_task` suffix, so that
# messages already queued (and beat's schedule) still reach it: services send them by it.
@shared_task(bind=True, name=services.RENDER_TASK, acks_late=True, reject_on_worker_lost=True,
             max_retries=4, soft_time_limit=services.RENDER_SOFT_TIME_LIMIT,
             time_limit=services.RENDER_TIME_LIMIT)
def document_render_task(self, document_id: int) -> str:
    # A token per execution: a render that outlived its lease can't issue or fail the
    # document once another has taken it over.
    attempt = uuid.uuid4().hex
    try:
        return services.document_render(document_id=document_id, attempt=attempt,
                                        task_id=self.request.id or "").status
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.document_fail(document_id=document_id, error=repr(error), attempt=attempt)
            raise
        raise self.retry(exc=error, countdown=min(2 ** self.request.retries * 5, 120)) from error
    except Exception as error:
        services.document_fail(document_id=document_id, error=repr(error), attempt=attempt)
        raise


@shared_task(name=services.ARCHIVE_TASK, acks_late=True)
def batch_archive_task(batch_id: int) -> None:
    services.batch_build_archive(batch_id=batch_id)


@shared_task(name="certificates.tasks.documents_redispatch_stale")
def documents_redispatch_stale_task() -> int:
    return services.documents_redispatch_stale()


@shared_task(name="certificates.tasks.documents_remove_orphans")
def documents_remove_orphans_task() -> int:
    return len(services.documents_remove_orphans())


def _sweep_forever(every: float) -> None:
    while True:
        # Jittered, so that the workers of a deployment don't all sweep at the same instant.
        time.sleep(every * random.uniform(0.8, 1.2))  # noqa: S311 (not for security)
        try:
            services.documents_redispatch_stale()
        except Exception:  # the database may be down too: try again next period
            logger.exception("Documents sweep failed")
        finally:
            # This thread's own connection: closed between sweeps, so that a pool process
            # forked meanwhile inherits no open connection of it.
            connection.close()


@worker_ready.connect(dispatch_uid="certificates.start_sweeper")
def _start_sweeper(sender=None, **kwargs) -> None:
    """Every worker sweeps too, in a thread of its main process: recovery must not depend on
    beat running (nor on the broker delivering beat's task: this runs straight against the
    database). The sweep's row locks make it once per period cluster-wide
    (services.documents_redispatch_stale)."""
    if current_app.conf.task_always_eager:
        return  # the tests' workers, whose sends would run in this thread
    threading.Thread(target=_sweep_forever, args=(services.SWEEP_EVERY,),
                     name="documents-sweeper", daemon=True).start()


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
