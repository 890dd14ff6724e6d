"""django-axes' login records are personal data: in the person's export, erased with them,
and purged by the nightly retention job once old."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone

from lms.privacy.erasure import personal_data_erase
from lms.privacy.export import personal_data_export
from lms.privacy.retention import retention_purge
from lms.privacy.tasks import retention_purge_task
from tests.accounts.factories import LearnerFactory


def records(username, *, at):
    common = {"username": username, "ip_address": "203.0.113.7", "user_agent": "Firefox",
              "path_info": "/comptes/connexion/"}
    rows = [AccessLog.objects.create(**common),
            AccessFailureLog.objects.create(**common, locked_out=False),
            AccessAttempt.objects.create(**common, get_data="", post_data="",
                                         failures_since_start=2)]
    for row in rows:  # attempt_time is set on creation
        type(row).objects.filter(pk=row.pk).update(attempt_time=at)


@pytest.mark.django_db
def test_login_records_are_exported_and_erased_with_the_person(manager):
    learner, other = LearnerFactory(), LearnerFactory()
    now = timezone.now()
    records(learner.username, at=now)
    records(other.username, at=now)
    logins = personal_data_export(user=learner)["logins"]
    assert [row["ip_address"] for row in logins["successful"]] == ["203.0.113.7"]
    assert len(logins["failed"]) == len(logins["failure_counts"]) == 1
    assert "post_data" not in logins["failure_counts"][0]
    result = personal_data_erase(user=learner, by=manager, reason="Demande")
    assert result["changed"]["login_records"] == 3
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == [other.username]


@pytest.mark.dates
@pytest.mark.django_db
def test_old_login_records_fall_under_the_retention_job(settings):
    settings.LOGIN_RECORDS_RETENTION_DAYS = 180
    now = timezone.now()
    records("ancien", at=now - datetime.timedelta(days=181))
    records("recent", at=now - datetime.timedelta(days=179))
    assert retention_purge(now=now) == {"login_successes": 1, "login_failures": 1,
                                        "login_failure_counts": 1}
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"]
    assert retention_purge_task.delay().get() == {"login_successes": 0, "login_failures": 0,
                                                  "login_failure_counts": 0}


def test_the_retention_job_runs_every_night(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "lms.privacy.tasks.retention_purge_task" in tasks
