"""What issuing an attestation or certificate needs, for the tests of every app: an
organisation that can sign (signatory's name and title, signature and stamp images) and
realised hours (attended sessions on locked sheets)."""

import datetime
import io

from django.core.files.images import ImageFile
from PIL import Image

SIGNATORY_NAME, SIGNATORY_TITLE = "Nathalie Giraud", "Directrice"


def png(colour, name="image.png") -> ImageFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), colour).save(buffer, "PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=name)


def ready_to_sign(organisation=None):
    """The organisation with a signatory, a signature and a stamp: what the Ministry's model
    prints and what document_request requires."""
    from wagtail.images import get_image_model

    from lms.accounts.models import Organisation

    organisation = organisation or Organisation.load()
    images = get_image_model().objects
    organisation.signatory_name = organisation.signatory_name or SIGNATORY_NAME
    organisation.signatory_title = organisation.signatory_title or SIGNATORY_TITLE
    if organisation.signature_image_id is None:
        organisation.signature_image = images.create(title="signature",
                                                     file=png("navy", "signature.png"))
    if organisation.stamp_image_id is None:
        organisation.stamp_image = images.create(title="cachet", file=png("red", "cachet.png"))
    organisation.save()
    # Wagtail leaves a rendition's temporary file to the garbage collector: the renditions
    # made (and cached) here, collected here, not in a later test.
    import gc
    import warnings

    from certificates import snapshots

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        snapshots.organisation_snapshot()
        gc.collect()
    return organisation


def attended_session(enrollment, *, by, date=None, start=datetime.time(9),
                     end=datetime.time(12), status="present", locked=True, minutes_late=0):
    """A past session of the enrolment's cohort where the learner is marked `status` and
    signed on paper, its sheet countersigned and locked unless `locked` is false. Written
    straight to the tables (no audit row: transactional tests can flush them), as the
    roll-call and lock services leave them."""
    from django.utils import timezone

    from lms.attendance.models import Attendance, AttendanceStatus, Session
    from tests.attendance.factories import SessionFactory

    now = timezone.now()
    session = SessionFactory(cohort=enrollment.cohort, trainer=by, start_time=start,
                             end_time=end, date=date or timezone.localdate() - OLD)
    Attendance.objects.create(
        session=session, learner_id=enrollment.learner_id,
        status=AttendanceStatus.objects.get(code=status), minutes_late=minutes_late,
        marked_by=by, marked_at=now, signature_method="paper", signed_at=now)
    if locked:
        Session.objects.filter(pk=session.pk).update(
            locked_at=now, countersigned_at=now, locked_by=by,
            countersignature_svg='<svg xmlns="http://www.w3.org/2000/svg"></svg>')
        session.refresh_from_db()
    return session


# Far enough back to be in no week another test makes a sheet of.
OLD = datetime.timedelta(days=120)


def forget_locked_session(session) -> None:
    """For a transactional test's teardown, which the lock triggers would stop: the session's
    audit trail, marks and the session itself, with the attendance triggers off for these
    statements (PostgreSQL: this transaction only; SQLite has no such switch: the triggers are
    dropped and made again, as the latest migration leaves them)."""
    from importlib import import_module

    from django.db import connection, transaction

    triggers = import_module("lms.attendance.migrations._integrity")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            for statement in triggers.SQLITE_REVERSE:
                cursor.execute(statement)
        cursor.execute("DELETE FROM attendance_attendancechange WHERE session_id = %s",
                       [session.pk])
        cursor.execute("DELETE FROM attendance_attendance WHERE session_id = %s", [session.pk])
        cursor.execute("DELETE FROM attendance_session WHERE id = %s", [session.pk])
        if connection.vendor != "postgresql":
            for statement in triggers.SQLITE:
                cursor.execute(statement)


def forget_locked_sessions() -> None:
    """forget_locked_session for every locked session left (transactional tests' teardown)."""
    from lms.attendance.models import Session

    for session in Session.objects.filter(locked_at__isnull=False).only("pk"):
        forget_locked_session(session)
