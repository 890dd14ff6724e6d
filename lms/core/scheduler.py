"""The periodic jobs in the embedded default (`make run`: no Redis, tasks run in-process).

Production runs Celery beat (docker-compose's `beat` service) on CELERY_BEAT_SCHEDULE. Without
a broker there is no beat: a daemon thread of the runserver process runs the same schedule's
crontab entries instead (the daily attendance alerts at 06:30, the convocation reminders…), so
nobody has a command to remember. A job missed today (the site started after its time) runs at
start; the jobs are idempotent (alerts and reminders are recorded once sent)."""

import datetime
import logging
import os
import sys
import threading

from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
_started = threading.Event()


class Scheduler:
    """The crontab entries of a beat schedule, with the moment each last ran."""

    def __init__(self, schedule: dict, *, now: datetime.datetime | None = None):
        now = timezone.localtime(now)
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.jobs = {name: entry for name, entry in schedule.items()
                     if isinstance(entry.get("schedule"), crontab)}
        # As if each had run at midnight: today's runs already past are caught up once.
        self.last_run = dict.fromkeys(self.jobs, start_of_day)

    def due(self, now: datetime.datetime | None = None) -> list[str]:
        """The jobs whose scheduled time came since they last ran."""
        now = timezone.localtime(now)
        return [name for name, entry in self.jobs.items()
                if _last_scheduled(entry["schedule"], now) > self.last_run[name]]

    def tick(self, now: datetime.datetime | None = None) -> list[str]:
        """Run the jobs due now, in the calling thread; their names."""
        now = timezone.localtime(now)
        ran = []
        for name in self.due(now):
            self.last_run[name] = now
            task = current_app.tasks.get(self.jobs[name]["task"])
            if task is None:
                logger.error("scheduled job %s: unknown task %s", name, self.jobs[name]["task"])
                continue
            close_old_connections()
            try:
                task.apply()
            except Exception:  # one job failing does not stop the others, nor tomorrow's
                logger.exception("scheduled job %s failed", name)
            finally:
                close_old_connections()
            ran.append(name)
        return ran


def _last_scheduled(schedule: crontab, now: datetime.datetime) -> datetime.datetime:
    """The latest moment at or before `now` (to the minute) the crontab fires."""
    moment = now.replace(second=0, microsecond=0)
    # Walk back minute by minute over at most a day and a bit: the schedules here fire daily
    # or hourly. Cheap (at most ~1,500 checks each 30 s) and obviously right across DST.
    for _ in range(26 * 60):
        if (moment.minute in schedule.minute and moment.hour in schedule.hour
                and moment.isoweekday() % 7 in schedule.day_of_week
                and moment.day in schedule.day_of_month
                and moment.month in schedule.month_of_year):
            return moment
        moment = timezone.localtime(moment - datetime.timedelta(minutes=1))
    return datetime.datetime.min.replace(tzinfo=now.tzinfo)


def should_start(argv=None, environ=None) -> bool:
    """Only in the embedded default's server process: tasks run eagerly (no broker, hence no
    beat), the command is runserver, and this is the process that serves (the autoreloader's
    child, or runserver --noreload)."""
    argv = sys.argv if argv is None else argv
    environ = os.environ if environ is None else environ
    if not (settings.CELERY_TASK_ALWAYS_EAGER and getattr(settings, "EMBEDDED_SCHEDULER", True)):
        return False
    if "runserver" not in argv[1:2]:
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def start(*, tick_seconds: int = TICK_SECONDS) -> threading.Thread | None:
    """Start the scheduler's daemon thread once per process."""
    if _started.is_set():
        return None
    _started.set()
    scheduler = Scheduler(settings.CELERY_BEAT_SCHEDULE)
    stop = threading.Event()

    def loop():
        while True:
            try:
                scheduler.tick()
            except Exception:
                logger.exception("scheduler tick failed")
            if stop.wait(tick_seconds):
                return

    thread = threading.Thread(target=loop, name="parcours-scheduler", daemon=True)
    thread.start()
    logger.info("embedded scheduler started: %s", ", ".join(scheduler.jobs))
    return thread
