"""Issue 11, point 6: the public verification page of an attendance sheet (a session's and a
week's) says whether each session's hash chain is intact, and which entry was altered when a
row was changed in the database outside the application; it names no learner."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from certificates import services
from certificates.enums import DocumentKind, DocumentStatus
from lms.attendance import services as lms_services
from lms.attendance.models import AttendanceChange, AttendanceStatus
from tests.attendance import locked_world

group, open_session = locked_world.group, locked_world.open_session


@pytest.fixture
def locked(open_session, group, trainer):
    """Arnaud present and signed, Bernard absent; countersigned through the services, so
    that every step is chained."""
    arnaud, bernard, _chevalier = group
    lms_services.roll_call_save(session=open_session, by=trainer, marks=locked_world.marks(
        (arnaud, "present"), (bernard, "absent")))
    lms_services.signature_draw(session=open_session, learner_id=arnaud.pk,
                                strokes=locked_world.STROKES, by=trainer)
    lms_services.session_lock(session=open_session, by=trainer, strokes=locked_world.STROKES)
    open_session.refresh_from_db()
    return open_session


def issue(capture, **kwargs):
    with capture(execute=True):
        document = services.document_request(**kwargs)
    document.refresh_from_db()
    assert document.status == DocumentStatus.ISSUED, document.error
    return document


@pytest.fixture
def sheets(locked, trainer, organisation, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    monday = locked.date - datetime.timedelta(days=locked.date.weekday())
    return [
        issue(capture, kind=DocumentKind.ATTENDANCE_SHEET, by=trainer, session=locked),
        issue(capture, kind=DocumentKind.ATTENDANCE_SHEET, by=trainer, cohort=locked.cohort,
              week_start=monday),
    ]


@pytest.mark.django_db
def test_verify_page_reports_an_intact_chain(client, locked, sheets):
    count = AttendanceChange.objects.filter(session=locked).count()
    for sheet in sheets:
        html = client.get(f"/verify/{sheet.code}/").text.replace("&#x27;", "'")
        assert "chain-check--intact" in html and "chain-check--altered" not in html
        assert f"Chaîne d'émargement intacte ({count} entrées)" in html


@pytest.mark.django_db
def test_verify_page_reports_a_mark_changed_in_the_database(client, locked, group, sheets):
    arnaud = group[0]
    absent = AttendanceStatus.objects.get(code="absent")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE attendance_attendance SET status_id = %s, override_at = %s "
            "WHERE session_id = %s AND learner_id = %s",
            [absent.pk, connection.ops.adapt_datetimefield_value(timezone.now()), locked.pk,
             arnaud.pk])
    entry = AttendanceChange.objects.filter(session=locked, learner=arnaud).order_by("pk").last()
    for sheet in sheets:
        response = client.get(f"/verify/{sheet.code}/")
        html = response.text.replace("&#x27;", "'")
        assert response.status_code == 200
        assert "chain-check--altered" in html
        assert f"Feuille modifiée hors de l'application : entrée n° {entry.pk}" in html
        assert "Une présence diffère de la dernière entrée de la chaîne" in html
        # No learner named, not even by id.
        assert arnaud.last_name not in html
        assert f"apprenant·e {arnaud.pk}" not in html.lower()
