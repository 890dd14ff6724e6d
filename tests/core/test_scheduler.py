"""The embedded scheduler (issue 15, point 4): with `make run` alone, the daily attendance
alerts and the other crontab jobs of CELERY_BEAT_SCHEDULE run, at their time, once."""

import datetime
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings

from lms.core import scheduler
from lms.core.scheduler import Scheduler
from tests.clock import PARIS

# A tick closes stale database connections around each job, as a long-lived thread must: the
# tests may touch a connection an earlier test left open in the same process.
pytestmark = pytest.mark.django_db

SCHEDULE = {
    "alerts": {"task": "lms.attendance.tasks.attendance_alerts_scan",
               "schedule": crontab(hour=6, minute=30)},
    "sweep": {"task": "certificates.tasks.documents_redispatch_stale", "schedule": 15.0},
}


def at(day, hour, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=PARIS)


def test_a_daily_job_runs_at_its_time_once_a_day(time_machine):
    time_machine.move_to(at(8, 5), tick=False)
    jobs = Scheduler(SCHEDULE)
    assert list(jobs.jobs) == ["alerts"]  # interval entries stay with the workers
    with mock.patch("lms.attendance.tasks.alerts.attendance_alerts_scan",
                    return_value=0) as scan:
        assert jobs.tick() == []
        time_machine.move_to(at(8, 6, 29), tick=False)
        assert jobs.tick() == []
        time_machine.move_to(at(8, 6, 30), tick=False)
        assert jobs.tick() == ["alerts"]
        assert jobs.tick() == []
        time_machine.move_to(at(8, 23, 59), tick=False)
        assert jobs.tick() == []
        time_machine.move_to(at(9, 6, 31), tick=False)
        assert jobs.tick() == ["alerts"]
        assert scan.call_count == 2


def test_a_job_missed_today_runs_at_start_and_not_again(time_machine):
    time_machine.move_to(at(8, 14), tick=False)
    jobs = Scheduler(SCHEDULE)
    assert jobs.due() == ["alerts"]
    with mock.patch("lms.attendance.tasks.alerts.attendance_alerts_scan", return_value=0):
        assert jobs.tick() == ["alerts"]
    time_machine.move_to(at(8, 18), tick=False)
    assert jobs.due() == []


def test_the_schedule_crosses_a_dst_change(time_machine):
    # 25 October 2026: clocks go back at 03:00 in Paris.
    time_machine.move_to(datetime.datetime(2026, 10, 25, 6, 0, tzinfo=PARIS), tick=False)
    jobs = Scheduler(SCHEDULE)
    assert jobs.due() == []
    time_machine.move_to(datetime.datetime(2026, 10, 25, 6, 30, tzinfo=PARIS), tick=False)
    assert jobs.due() == ["alerts"]


@pytest.mark.django_db
def test_a_failing_job_is_logged_and_the_next_day_still_runs(time_machine, caplog):
    time_machine.move_to(at(8, 7), tick=False)
    jobs = Scheduler(SCHEDULE)
    with mock.patch("lms.attendance.tasks.alerts.attendance_alerts_scan",
                    side_effect=RuntimeError("boom")):
        assert jobs.tick() == ["alerts"]
    assert "scheduled job alerts failed" in caplog.text
    time_machine.move_to(at(9, 7), tick=False)
    assert jobs.due() == ["alerts"]


@pytest.mark.django_db
def test_the_real_alert_job_runs_from_the_projects_schedule(time_machine):
    time_machine.move_to(at(8, 7), tick=False)
    jobs = Scheduler(settings.CELERY_BEAT_SCHEDULE)
    assert "attendance-alerts" in jobs.jobs
    with mock.patch("lms.convocations.tasks.reminders_send_task.apply"), \
            mock.patch("certificates.tasks.documents_remove_orphans_task.apply"), \
            mock.patch("lms.auditpack.tasks.audit_packs_remove_orphans_task.apply"):
        assert "attendance-alerts" in jobs.tick()


def test_it_starts_only_in_the_embedded_servers_serving_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    serve = ["manage.py", "runserver", "127.0.0.1:8000"]
    assert scheduler.should_start(serve, {"RUN_MAIN": "true"})
    assert not scheduler.should_start(serve, {})  # the autoreloader's parent
    assert scheduler.should_start([*serve, "--noreload"], {})
    assert not scheduler.should_start(["manage.py", "migrate"], {"RUN_MAIN": "true"})
    assert not scheduler.should_start(["pytest"], {})
    settings.EMBEDDED_SCHEDULER = False
    assert not scheduler.should_start(serve, {"RUN_MAIN": "true"})
    settings.EMBEDDED_SCHEDULER = True
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker: Celery beat's job
    assert not scheduler.should_start(serve, {"RUN_MAIN": "true"})
