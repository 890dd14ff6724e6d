"""Convocations and session updates survive the broker: what a placement or a change of
sessions owes the learners is recorded with the change (lms.convocations' outbox), so a change
made while Redis is down, or whose task vanished with a Redis restart, is sent by the workers'
sweep within a minute, each message once (one SentMessage per learner and news: it is written
in the transaction that sends the e-mail)."""

import datetime
import time
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.attendance import services as attendance
from lms.convocations.enums import MessageKind
from lms.convocations.models import Announcement, SentMessage
from lms.progress import services as progress
from lms.progress.enums import EnrollmentSource, EnrollmentStatus
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.celery_worker import wait_for
from tests.faults.conftest import fault_worker, producer_on, timed

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _future_session(cohort, trainer, days: int):
    return SessionFactory(cohort=cohort, trainer=trainer,
                          date=timezone.localdate() + datetime.timedelta(days=days),
                          start_time=datetime.time(9), end_time=datetime.time(12))


def _all_sent() -> bool:
    return not Announcement.objects.filter(sent_at__isnull=True).exists()


def _assert_each_told_once(learners, kinds) -> None:
    counted = Counter(SentMessage.objects.values_list("learner_id", "kind"))
    expected = Counter({(learner.pk, kind): 1 for learner in learners for kind in kinds})
    assert counted == expected, counted


def _place(learner, cohort, manager):
    return progress.enrollment_create(learner=learner, path=cohort.path,
                                      source=EnrollmentSource.STAFF, by=manager, cohort=cohort)


def test_changes_made_while_redis_is_down_are_sent_once_within_a_minute_of_its_return(
        redis_server, queue, cohort, manager, trainer, organisation, client, tmp_path):
    _future_session(cohort, trainer, days=7)
    by_service = [LearnerFactory() for _ in range(4)]
    by_page = LearnerFactory()
    waiting, _created = progress.enrollment_create(
        learner=by_page, path=cohort.path, source=EnrollmentSource.STAFF, by=manager)
    assert waiting.status in (EnrollmentStatus.PENDING, EnrollmentStatus.ACTIVE)
    client.force_login(manager)
    place_url = reverse("progress:trainer_cohort_place", args=[cohort.pk])
    assert client.get(place_url).status_code == 200  # warm up: time the broker only
    with producer_on(redis_server.url, queue=queue):
        redis_server.stop()
        seconds = []
        for learner in by_service:
            _result, spent = timed(_place, learner, cohort, manager)
            seconds.append(spent)
        response, page_seconds = timed(client.post, place_url,
                                       {"enrollments": [waiting.pk], "on_date": ""})
        assert response.status_code == 302, response.content
        _session, change_seconds = timed(
            attendance.session_create, cohort=cohort,
            date=timezone.localdate() + datetime.timedelta(days=14),
            start_time=datetime.time(14), end_time=datetime.time(17), trainer=trainer)
        print(f"\nbroker down: placement {max(seconds):.2f} s at most, page "
              f"{page_seconds:.2f} s, new session {change_seconds:.2f} s")
        assert max(seconds + [page_seconds, change_seconds]) < 5
        assert SentMessage.objects.count() == 0
        # Recorded with the changes, due at once: no task is on the way.
        assert Announcement.objects.filter(due_at__lte=timezone.now()).count() == 6

        redis_server.start()
        returned_at = time.monotonic()
        # A production worker (sweep every 15 s), no beat.
        with fault_worker(broker_url=redis_server.url, queue=queue, log=tmp_path / "w.log",
                          sweeper=True) as worker:
            wait_for(_all_sent, timeout=90)
            recovered = time.monotonic() - returned_at
            print(f"6 announcements (5 convocations, 1 new session for 5 learners) made with "
                  f"the broker down: all sent {recovered:.1f} s after its return, worker start "
                  f"included")
            assert recovered < 60, worker.output()
    _assert_each_told_once([*by_service, by_page],
                           (MessageKind.CONVOCATION, MessageKind.UPDATE))


def test_changes_whose_tasks_were_lost_with_a_redis_restart_are_sent_once_by_two_sweepers(
        redis_server, queue, cohort, manager, trainer, organisation, tmp_path):
    _future_session(cohort, trainer, days=7)
    learners = [LearnerFactory() for _ in range(6)]
    with producer_on(redis_server.url, queue=queue):
        for learner in learners:  # queued, but no worker yet
            _place(learner, cohort, manager)
        assert Announcement.objects.filter(due_at__gt=timezone.now()).count() == 6
        redis_server.stop()  # the queued messages are lost with it
        redis_server.start()
        returned_at = time.monotonic()
        # Two workers sweeping every second: they race for every announcement.
        log = tmp_path / "workers.log"
        with fault_worker(broker_url=redis_server.url, queue=queue, log=log, sweeper=True,
                          sweep_every=1) as first, \
                fault_worker(broker_url=redis_server.url, queue=queue, log=log,
                             sweeper=True, sweep_every=1):
            wait_for(_all_sent, timeout=90)
            recovered = time.monotonic() - returned_at
            print(f"\n6 convocations whose tasks were lost with a Redis restart: all sent "
                  f"{recovered:.1f} s after its return (grace 30 s, two sweepers)")
            assert recovered < 60, first.output()
    _assert_each_told_once(learners, (MessageKind.CONVOCATION,))
    assert set(Announcement.objects.values_list("attempts", flat=True)) == {1}
