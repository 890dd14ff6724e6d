import logging
import random
import threading
import time
import uuid

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError, connection

from . import services

logger = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError, OSError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3,
             soft_time_limit=services.BUILD_SOFT_TIME_LIMIT,
             time_limit=services.BUILD_TIME_LIMIT)
def audit_pack_build_task(self, pack_id: int) -> str:
    attempt = uuid.uuid4().hex
    try:
        return services.pack_build(pack_id=pack_id, attempt=attempt,
                                   task_id=self.request.id or "").status
    except services.LeaseLost:
        return "taken over"
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.pack_fail(pack_id=pack_id, error=repr(error), attempt=attempt)
            raise
        raise self.retry(exc=error, countdown=min(2 ** self.request.retries * 5, 60)) from error
    except Exception as error:
        services.pack_fail(pack_id=pack_id, error=repr(error), attempt=attempt)
        raise


@shared_task
def audit_packs_redispatch_stale_task() -> int:
    return services.packs_redispatch_stale()


@shared_task(name="lms.auditpack.tasks.audit_packs_remove_orphans_task")
def audit_packs_remove_orphans_task() -> int:
    return len(services.packs_remove_orphans())


def _sweep_forever(every: float) -> None:
    while True:
        time.sleep(every * random.uniform(0.8, 1.2))  # noqa: S311 (not for security)
        try:
            services.packs_redispatch_stale()
        except Exception:  # the database may be down too: try again next period
            logger.exception("Audit packs sweep failed")
        finally:
            connection.close()


@worker_ready.connect(dispatch_uid="auditpack.start_sweeper")
def _start_sweeper(sender=None, **kwargs) -> None:
    """Every worker sweeps packs too, as it does documents (certificates.tasks): recovery
    does not wait for beat."""
    from lms.celery import app

    if app.conf.task_always_eager:
        return
    threading.Thread(target=_sweep_forever, args=(services.SWEEP_EVERY,),
                     name="audit-packs-sweeper", daemon=True).start()
