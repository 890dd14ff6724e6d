"""A locked sheet for the tests of locking, the hash chain and the audit pages: a session of
the cohort, yesterday (relative to whatever today is), three learners, marks and signatures,
countersigned by its trainer."""

import datetime

import pytest

from lms.attendance import services
from lms.attendance.services import MarkInput
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.progress.factories import EnrollmentFactory

STROKES = ["M10 10 L 50 60 L 90 20", "M100 100 l5 5"]


def marks(*pairs, **extra):
    return [MarkInput(learner_id=learner.pk, status=status, **extra) for learner, status in pairs]


@pytest.fixture
def group(cohort, path):
    learners = [LearnerFactory(last_name=name) for name in ("Arnaud", "Bernard", "Chevalier")]
    for learner in learners:
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    return learners


@pytest.fixture
def open_session(cohort, trainer):
    return SessionFactory(cohort=cohort, trainer=trainer, start_time=datetime.time(9),
                          end_time=datetime.time(12), room="Salle 1")


@pytest.fixture
def locked(open_session, group, trainer):
    """Arnaud present (drawn signature), Bernard absent, Chevalier late; then countersigned."""
    arnaud, bernard, chevalier = group
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((arnaud, "present"), (bernard, "absent")))
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((chevalier, "late"), minutes_late=10))
    services.signature_draw(session=open_session, learner_id=arnaud.pk, strokes=STROKES,
                            by=trainer)
    services.session_lock(session=open_session, by=trainer, strokes=STROKES,
                          confirm_unsigned=True)
    open_session.refresh_from_db()
    return open_session
