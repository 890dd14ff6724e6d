"""The outbox of convocations and session updates: what a placement or a change owes the
learners is recorded in the transaction of the change, sent by its task once committed, and by
the sweep when the task could not be queued or was lost; each message is sent once."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError

from lms.attendance import services as attendance
from lms.convocations import services, tasks
from lms.convocations.enums import AnnouncementKind, MessageKind
from lms.convocations.models import Announcement, SentMessage
from lms.progress import services as progress
from lms.progress.enums import EnrollmentSource
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.convocations.test_convocations import AFTER_DST, BEFORE_DST, MARCH_10, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(at(MARCH_10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def group(clock, path, trainer):
    group = CohortFactory(path=path, trainers=[trainer], start_date=datetime.date(2026, 3, 15),
                          end_date=datetime.date(2026, 6, 30))
    SessionFactory(cohort=group, date=BEFORE_DST, start_time=datetime.time(9),
                   end_time=datetime.time(12), trainer=trainer)
    SessionFactory(cohort=group, date=AFTER_DST, start_time=datetime.time(9),
                   end_time=datetime.time(12), trainer=trainer)
    return group


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.announcement_send_task, "delay", refuse)


def place(learner, group, manager):
    return progress.enrollment_create(learner=learner, path=group.path,
                                      source=EnrollmentSource.STAFF, by=manager, cohort=group)


def test_the_placement_records_its_convocation_in_its_own_transaction(group, manager):
    learner = LearnerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        place(learner, group, manager)
        assert Announcement.objects.count() == 1
        raise RuntimeError("the placement fails after the signal")
    assert not Announcement.objects.exists()  # undone with it

    place(learner, group, manager)  # committed; its on_commit task not run
    [announcement] = Announcement.objects.all()
    assert announcement.kind == AnnouncementKind.CONVOCATION
    assert announcement.membership_id == learner.enrollments.get().memberships.get().pk
    assert announcement.due_at == at(MARCH_10) + services.GRACE
    assert (announcement.claim, announcement.attempts, announcement.sent_at) == ("", 0, None)
    assert mail.outbox == []


def test_the_ordinary_path_sends_once_and_nothing_is_left_due(
        clock, group, manager, django_capture_on_commit_callbacks):
    learner = LearnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        place(learner, group, manager)
    [email] = mail.outbox
    [announcement] = Announcement.objects.all()
    assert announcement.sent_at == at(MARCH_10) and announcement.due_at is None
    assert announcement.attempts == 1 and announcement.error == ""
    assert SentMessage.objects.get().announcement == announcement

    # Its task delivered a second time, then sweeps much later: nothing more.
    assert services.announcement_send(announcement_id=announcement.pk) is False
    clock.shift(datetime.timedelta(hours=2))
    assert services.announcements_send_due() == 0
    assert len(mail.outbox) == 1


def test_a_change_while_the_broker_is_down_is_sent_by_the_next_sweep_once(
        clock, group, manager, broker_down, django_capture_on_commit_callbacks):
    learner = LearnerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        place(learner, group, manager)  # the placement answers
    assert learner.enrollments.get().memberships.exists()
    assert mail.outbox == []
    [announcement] = Announcement.objects.all()
    assert announcement.due_at == at(MARCH_10)  # due at once: no task is on the way

    assert services.announcements_send_due() == 1
    [email] = mail.outbox
    assert email.subject.startswith("Convocation")
    assert services.announcements_send_due() == 0
    assert services.announcement_send(announcement_id=announcement.pk) is False
    assert len(mail.outbox) == 1

    session = group.sessions.order_by("date").first()
    with django_capture_on_commit_callbacks(execute=True):
        attendance.session_cancel(session=session, by=manager, reason="Salle inondée")
    assert len(mail.outbox) == 1
    assert services.announcements_send_due() == 1
    assert [m.kind for m in SentMessage.objects.order_by("pk")] == [
        MessageKind.CONVOCATION, MessageKind.CANCELLATION]
    assert "Salle inondée" in mail.outbox[1].body


def test_a_lost_task_is_sent_by_the_sweep_after_the_grace(
        clock, group, manager, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.announcement_send_task, "delay", lambda *args: None)  # lost
    with django_capture_on_commit_callbacks(execute=True):
        place(LearnerFactory(), group, manager)
    assert services.announcements_send_due() == 0  # its task may still come
    clock.shift(services.GRACE)
    assert services.announcements_send_due() == 1
    assert len(mail.outbox) == 1


def test_a_held_announcement_is_left_to_its_holder_until_its_lease_expires(
        clock, group, manager, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place(LearnerFactory(), group, manager)
    announcement = Announcement.objects.get()
    # A worker claims it, then dies before sending.
    assert services._claim(announcement.pk, claim="dead", now=at(MARCH_10), taken_over=True)
    assert not services._claim(announcement.pk, claim="late", now=at(MARCH_10),
                               taken_over=False)  # its task, delivered meanwhile
    assert services.announcements_send_due() == 0
    clock.shift(services.LEASE)
    assert services.announcements_send_due() == 1
    assert len(mail.outbox) == 1
    announcement.refresh_from_db()
    assert announcement.attempts == 2 and announcement.sent_at is not None
    # The dead attempt, were it only slow, can't mark it again.
    assert Announcement.objects.filter(pk=announcement.pk, claim="dead").count() == 0


def test_a_session_update_failed_midway_is_sent_again_to_those_not_told_only(
        clock, group, manager, broker_down, monkeypatch, django_capture_on_commit_callbacks):
    first, second = LearnerFactory(email="a@exemple.fr"), LearnerFactory(email="b@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        place(first, group, manager)
        place(second, group, manager)
    assert services.announcements_send_due() == 2
    mail.outbox.clear()

    send = EmailMultiAlternatives.send

    def refused_for_b(self, *args, **kwargs):
        if self.to == ["b@exemple.fr"]:
            raise ConnectionRefusedError("SMTP down")
        return send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused_for_b)
    session = group.sessions.order_by("date").first()
    with django_capture_on_commit_callbacks(execute=True):
        attendance.session_amend(session=session, by=manager, reason="Salle prise",
                                 start_time=datetime.time(14), end_time=datetime.time(17))
    assert services.announcements_send_due() == 0
    [told] = mail.outbox
    assert told.to == ["a@exemple.fr"]
    announcement = Announcement.objects.get(kind=AnnouncementKind.SESSIONS)
    assert announcement.sent_at is None and "SMTP down" in announcement.error
    assert announcement.due_at == at(MARCH_10) + datetime.timedelta(minutes=1)  # backoff

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    assert services.announcements_send_due() == 0  # not due yet
    clock.shift(datetime.timedelta(minutes=1))
    assert services.announcements_send_due() == 1
    assert [email.to for email in mail.outbox] == [["a@exemple.fr"], ["b@exemple.fr"]]
    assert SentMessage.objects.filter(announcement=announcement).count() == 2
    # The SEQUENCE was raised once, with the change, not at each attempt.
    assert services.sequences_for([session]) == {session.pk: 1}


def test_an_announcement_failing_every_time_is_given_up_and_kept(
        clock, group, manager, broker_down, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place(LearnerFactory(), group, manager)
    Announcement.objects.update(attempts=services.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(EmailMultiAlternatives, "send",
                        lambda *args, **kwargs: (_ for _ in ()).throw(OSError("refused")))
    assert services.announcements_send_due() == 0
    announcement = Announcement.objects.get()
    assert announcement.due_at is None and announcement.sent_at is None
    assert "refused" in announcement.error
    assert not SentMessage.objects.exists()


def test_a_sweep_with_nothing_due_is_one_query(group):
    with CaptureQueriesContext(connection) as queries:
        assert services.announcements_send_due() == 0
    statements = [query["sql"] for query in queries.captured_queries
                  if "SAVEPOINT" not in query["sql"]]
    assert len(statements) == 1, statements
    assert "SKIP LOCKED" in statements[0]


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_each_announcement_once(path, trainer, manager, monkeypatch):
    monkeypatch.setattr(tasks.announcement_send_task, "delay", lambda *args: None)  # lost
    with time_machine.travel(at(MARCH_10), tick=False):
        group = CohortFactory(path=path, trainers=[trainer],
                              start_date=datetime.date(2026, 3, 15),
                              end_date=datetime.date(2026, 6, 30))
        SessionFactory(cohort=group, date=BEFORE_DST, start_time=datetime.time(9),
                       end_time=datetime.time(12), trainer=trainer)
        learners = [LearnerFactory() for _ in range(8)]
        for learner in learners:
            place(learner, group, manager)  # committed; its task lost
        Announcement.objects.update(due_at=at(MARCH_10))  # due to the sweeps
        barrier = threading.Barrier(2)
        counts = []

        def sweep():
            try:
                barrier.wait()
                counts.append(services.announcements_send_due())
            finally:
                connection.close()

        sweepers = [threading.Thread(target=sweep) for _ in range(2)]
        for sweeper in sweepers:
            sweeper.start()
        for sweeper in sweepers:
            sweeper.join(timeout=60)
    assert sum(counts) == 8, counts
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        learner.email for learner in learners)
    assert SentMessage.objects.filter(kind=MessageKind.CONVOCATION).count() == 8
    assert not Announcement.objects.filter(sent_at__isnull=True).exists()
