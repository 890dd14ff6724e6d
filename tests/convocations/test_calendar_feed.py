"""Personal iCalendar feeds at a secret address: every session of the person, parsed back with
`icalendar`; times right on both sides of the spring DST change; a cancelled session marked
CANCELLED; a wrong, regenerated or revoked address answers 404."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from lms.attendance import services as attendance
from lms.convocations import services
from lms.convocations.models import CalendarFeed
from lms.progress.enums import EnrollmentSource
from lms.progress.services import enrollment_create
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = datetime.UTC


@pytest.fixture
def world(db, path, trainer, manager, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=PARIS), tick=False):
        group = CohortFactory(path=path, trainers=[trainer], place="Salle Ada",
                              start_date=datetime.date(2026, 3, 15),
                              end_date=datetime.date(2026, 6, 30))
        other = CohortFactory(path=path, trainers=[TrainerFactory()],
                              start_date=datetime.date(2026, 3, 15),
                              end_date=datetime.date(2026, 6, 30))
        before = SessionFactory(cohort=group, date=datetime.date(2026, 3, 24),
                                start_time=datetime.time(9, 30), end_time=datetime.time(12),
                                trainer=trainer, room="Salle 1")
        after = SessionFactory(cohort=group, date=datetime.date(2026, 3, 31),
                               start_time=datetime.time(9, 30), end_time=datetime.time(12),
                               trainer=trainer, room="Salle 1")
        elsewhere = SessionFactory(cohort=other, date=datetime.date(2026, 3, 25))
        learner = LearnerFactory(first_name="Zoé", last_name="Martin")
        with django_capture_on_commit_callbacks(execute=True):
            enrollment_create(learner=learner, path=path, source=EnrollmentSource.STAFF,
                              by=manager, cohort=group)
        with django_capture_on_commit_callbacks(execute=True):
            attendance.session_cancel(session=after, by=manager, reason="Grève")
        yield {"group": group, "before": before, "after": after, "elsewhere": elsewhere,
               "learner": learner, "trainer": trainer}


def read(client, user) -> tuple[str, Calendar]:
    feed = services.calendar_feed_regenerate(user=user)
    url = reverse("calendar-feed", args=[feed.token])
    client.logout()  # calendar apps do not log in
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return url, Calendar.from_ical(response.content)


def by_uid(calendar):
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


@pytest.mark.django_db
def test_the_learners_feed_holds_their_sessions_across_dst_and_cancellations(client, world):
    _url, calendar = read(client, world["learner"])
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    events = by_uid(calendar)
    before, after = world["before"], world["after"]
    assert set(events) == {services.ics.session_uid(before), services.ics.session_uid(after)}
    first = events[services.ics.session_uid(before)]
    second = events[services.ics.session_uid(after)]
    # 09:30 in Paris is 08:30 UTC before the change (CET) and 07:30 UTC after it (CEST).
    assert first.decoded("dtstart") == datetime.datetime(2026, 3, 24, 8, 30, tzinfo=UTC)
    assert first.decoded("dtend") == datetime.datetime(2026, 3, 24, 11, tzinfo=UTC)
    assert second.decoded("dtstart") == datetime.datetime(2026, 3, 31, 7, 30, tzinfo=UTC)
    assert first.decoded("dtstart").astimezone(PARIS).time() == datetime.time(9, 30)
    assert second.decoded("dtstart").astimezone(PARIS).time() == datetime.time(9, 30)
    assert str(first["status"]) == "CONFIRMED"
    assert str(second["status"]) == "CANCELLED" and second["sequence"] == 1
    assert str(first["location"]) == "Salle 1, Salle Ada"
    # Only facts of the sessions: no trainer's or other learner's name, no attendee.
    text = calendar.to_ical().decode()
    assert world["trainer"].last_name not in text and "ATTENDEE" not in text
    for event in events.values():
        assert event["dtstamp"]


@pytest.mark.django_db
def test_the_trainers_feed_holds_the_sessions_they_train(client, world):
    _url, calendar = read(client, world["trainer"])
    assert set(by_uid(calendar)) == {services.ics.session_uid(world["before"]),
                                     services.ics.session_uid(world["after"])}


@pytest.mark.django_db
def test_a_wrong_regenerated_or_revoked_address_answers_404(client, world):
    learner = world["learner"]
    url, _calendar = read(client, learner)
    assert client.get(reverse("calendar-feed", args=["x" * 43])).status_code == 404
    # Regenerating from the person's page: the old address dies.
    client.force_login(learner)
    page = client.get(reverse("convocations:my-calendar")).content.decode()
    assert url in page
    client.post(reverse("convocations:my-calendar"), {"action": "regenerate"})
    new = CalendarFeed.objects.get(user=learner)
    assert len(new.token) >= 32 and new.token not in url
    client.logout()
    assert client.get(url).status_code == 404
    new_url = reverse("calendar-feed", args=[new.token])
    assert client.get(new_url).status_code == 200
    client.force_login(learner)
    client.post(reverse("convocations:my-calendar"), {"action": "revoke"})
    client.logout()
    assert client.get(new_url).status_code == 404
    # A deactivated account's address stops too.
    feed = services.calendar_feed_regenerate(user=learner)
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert client.get(reverse("calendar-feed", args=[feed.token])).status_code == 404
