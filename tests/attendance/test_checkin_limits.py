"""Check-in codes cannot be tried without limit: 10 attempts per learner and session in 10
minutes (settings.CHECKIN_ATTEMPTS_RATE), on the page and the API, with a clear message."""

import datetime
import time

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from lms.attendance import checkin
from lms.attendance.models import Attendance
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.progress.factories import EnrollmentFactory

# A Tuesday morning in Paris, during the session.
NOW = datetime.datetime(2026, 3, 10, 9, 30, tzinfo=datetime.UTC)
MESSAGE_FR = "Trop de codes essayés pour cette séance"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(cohort, trainer, clock):
    return SessionFactory(cohort=cohort, trainer=trainer, date=datetime.date(2026, 3, 10),
                          start_time=datetime.time(9, 0), end_time=datetime.time(12, 0))


def url(session):
    return f"/emargement/seances/{session.pk}/pointer/"


def right_code(session):
    return checkin.current_code(session, window_seconds=60, now=time.time())[0]


def wrong_code(session):
    code = right_code(session)
    return ("B" if code[0] != "B" else "C") + code[1:]


@pytest.mark.django_db
def test_the_page_refuses_the_eleventh_attempt_even_with_the_right_code(
        learner, enrollment, session, clock):
    client = Client()
    client.force_login(learner)
    for _attempt in range(10):
        assert client.post(url(session), {"code": wrong_code(session)}).status_code == 400
    response = client.post(url(session), {"code": right_code(session)})
    assert response.status_code == 429
    assert MESSAGE_FR in response.content.decode()
    assert not Attendance.objects.filter(session=session, learner=learner).exists()
    # Another learner of the cohort is not held back by it.
    other = LearnerFactory()
    EnrollmentFactory(learner=other, path=session.cohort.path, cohort=session.cohort)
    other_client = Client()
    other_client.force_login(other)
    assert other_client.post(url(session), {"code": right_code(session)}).status_code == 302
    # Ten minutes later, the learner checks in.
    clock.shift(datetime.timedelta(minutes=10, seconds=30))
    assert client.post(url(session), {"code": right_code(session)}).status_code == 302
    assert Attendance.objects.get(session=session, learner=learner).signed_at


@pytest.mark.django_db
def test_the_api_shares_the_limit(learner, enrollment, session, clock):
    api = APIClient()
    api.force_authenticate(learner)
    endpoint = f"/api/v1/sessions/{session.pk}/check-in/"
    for _attempt in range(10):
        response = api.post(endpoint, {"code": wrong_code(session)}, format="json")
        assert response.status_code == 400, response.content
    response = api.post(endpoint, {"code": right_code(session)}, format="json")
    assert response.status_code == 429
    assert MESSAGE_FR in response.json()["detail"]
    client = Client()
    client.force_login(learner)
    assert client.post(url(session), {"code": right_code(session)}).status_code == 429
