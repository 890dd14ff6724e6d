"""The demo as a new user meets it: the demo trainer logs in on a phone and opens today's roll
call, built by seed_demo (not by fixtures made on the side)."""

import gc
import warnings
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lms.accounts.models import User
from lms.attendance.models import Attendance, AttendanceChange, Session
from tests.e2e.helpers import SMALL_PHONE, Journey, log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DEMO_PASSWORD = "parcours-demo-2026"  # lms/demo/data/people.json


@pytest.fixture
def demo():
    with warnings.catch_warnings():
        # Wagtail leaves the renditions' temporary files to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        call_command("seed_demo", stdout=StringIO())
        gc.collect()
    yield
    if connection.vendor == "sqlite":
        # The flush deletes row by row on SQLite: the rows that point at the demo's locked
        # sessions (documents, messages, alerts…) go first; conftest's _attendance_flushable
        # then removes the marks, the chain and the locked sessions with the triggers off.
        for relation in Session._meta.related_objects:
            if relation.related_model in (Attendance, AttendanceChange):
                continue
            relation.related_model.objects.filter(
                **{f"{relation.field.name}__isnull": False}).delete()


def test_demo_trainer_opens_todays_roll_call(live_server, new_page, demo):
    elodie = User.objects.get(username="elodie.rousseau")
    session = Session.objects.get(cohort__path__slug="club-premiers-pas",
                                  date=timezone.localdate())
    page = new_page(SMALL_PHONE)
    journey = Journey("demo-trainer", page, live_server.url)

    log_in(journey, elodie.username, DEMO_PASSWORD)
    page.locator(".site-nav a[href='/emargement/']").click()
    page.wait_for_url("**/emargement/")
    assert "Club Premiers pas" in page.locator("main").inner_text()
    journey.step("todays-sessions")

    page.locator(f".session-list--today a[href='/emargement/seances/{session.pk}/']").tap()
    page.wait_for_url(f"**/emargement/seances/{session.pk}/")
    text = page.locator("main").inner_text()
    # The club's learners, the absence one of them declared for today, nobody marked yet.
    for name in ("Bouchard", "Guillot", "Nguyễn", "بن علي"):
        assert name in text
    assert "Rendez-vous chez le médecin" in text
    assert page.locator("form.rollcall").count() == 1  # open: the sheet is not locked
    # Nobody marked by the trainer yet; the learner who declared her absence is pre-set to
    # excused, which the page saves on its own (it may not have landed yet).
    marks = [(mark.learner.username, mark.status.code)
             for mark in session.marks.select_related("learner", "status")]
    assert marks in ([], [("monique.riviere", "excused")]), marks
    journey.step("todays-roll-call")

    journey.finish()
    journey.assert_accessible()
