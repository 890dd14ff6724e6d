"""The Celery settings that guard against connection loss and double delivery, and the
recovery sweeps' cost and schedule, as production configures them (lms.settings.base)."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from celery.signals import worker_ready
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates import services as document_services
from lms.auditpack import services as pack_services
from lms.celery import app
from lms.convocations import services as convocation_services


def _time_limit(task) -> float:
    return task.time_limit or settings.CELERY_TASK_TIME_LIMIT


def test_tasks_of_a_lost_connection_are_cancelled_not_run_twice():
    assert settings.CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS is True
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_the_visibility_timeout_is_above_every_tasks_hard_time_limit():
    """A message is handed out again only once its task can no longer be running."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert document_services.RENDER_TASK in ours and pack_services.BUILD_TASK in ours
    limits = {name: _time_limit(task) for name, task in ours.items()}
    assert max(limits.values()) < visibility, limits
    for task in ours.values():
        assert (task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT) \
            < _time_limit(task), task.name


def test_leases_outlive_their_tasks_and_a_killed_document_is_back_within_two_minutes():
    render = app.tasks[document_services.RENDER_TASK]
    build = app.tasks[pack_services.BUILD_TASK]
    assert timedelta(seconds=render.time_limit) < document_services.LEASE
    assert timedelta(seconds=build.time_limit) < pack_services.LEASE
    # The sweep runs every SWEEP_EVERY, jittered by ±20 % in each worker.
    worst_sweep = timedelta(seconds=document_services.SWEEP_EVERY * 1.2)
    assert document_services.LEASE + worst_sweep < timedelta(minutes=2)
    # Lost messages and unsent documents: back within a minute of the broker's return.
    assert document_services.STALE_AFTER + worst_sweep < timedelta(minutes=1)
    assert pack_services.STALE_AFTER + timedelta(seconds=pack_services.SWEEP_EVERY * 1.2) \
        < timedelta(minutes=1)
    # Convocations and session updates whose task was lost: sent within a minute of the
    # change; those whose task could not be queued, at the next sweep (no broker needed).
    assert convocation_services.GRACE \
        + timedelta(seconds=convocation_services.SWEEP_EVERY * 1.2) < timedelta(minutes=1)


def test_the_sweeps_run_from_beat_and_from_every_worker():
    schedule = {entry["task"]: entry["schedule"]
                for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["certificates.tasks.documents_redispatch_stale"] \
        == document_services.SWEEP_EVERY
    assert schedule["lms.auditpack.tasks.audit_packs_redispatch_stale_task"] \
        == pack_services.SWEEP_EVERY
    assert schedule["lms.convocations.tasks.announcements_send_due_task"] \
        == convocation_services.SWEEP_EVERY
    for orphans in ("certificates.tasks.documents_remove_orphans",
                    "lms.auditpack.tasks.audit_packs_remove_orphans_task"):
        assert isinstance(schedule[orphans], crontab), orphans
    # Beat is no single point: every worker starts a sweeper thread of each kind when ready.
    app.loader.import_default_modules()
    receivers = {receiver.__module__ for receiver in worker_ready._live_receivers(None)}
    assert {"certificates.tasks", "lms.auditpack.tasks",
            "lms.convocations.tasks"} <= receivers, receivers


@pytest.mark.django_db
def test_a_sweep_with_nothing_due_is_one_query():
    for sweep in (document_services.documents_redispatch_stale,
                  pack_services.packs_redispatch_stale,
                  convocation_services.announcements_send_due):
        with CaptureQueriesContext(connection) as queries:
            assert sweep() == 0
        # One SELECT … FOR UPDATE SKIP LOCKED on an index (the savepoint is the test's
        # transaction's; in production, BEGIN and COMMIT).
        statements = [query["sql"] for query in queries.captured_queries
                      if "SAVEPOINT" not in query["sql"]]
        assert len(statements) == 1, statements
        assert "SKIP LOCKED" in statements[0]
