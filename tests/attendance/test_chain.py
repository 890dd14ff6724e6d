"""Tamper evidence (point 6 of issue 11): each sheet's audit trail is a SHA-256 hash chain,
verified against the marks and the session as they are; and the database triggers guarding
every proof column of a locked session (point 3). Raw SQL plays the part of somebody editing
the database outside the application. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from lms.attendance import services
from lms.attendance.chain import entry_digest, genesis, session_chain_verify
from lms.attendance.enums import ChangeKind
from lms.attendance.models import Attendance, AttendanceChange, AttendanceStatus, Session
from tests.accounts.factories import TrainerFactory
from tests.attendance import locked_world
from tests.attendance.locked_world import marks
from tests.cohorts.factories import CohortFactory

pytestmark = pytest.mark.django_db

group, open_session, locked = locked_world.group, locked_world.open_session, locked_world.locked


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def refused(statement, params=()):
    with pytest.raises(IntegrityError), transaction.atomic():
        sql(statement, params)


def instant(value):
    return connection.ops.adapt_datetimefield_value(value)


def without_audit_guard():
    """What somebody with the database's password can do: lift the insert-only trigger."""
    if connection.vendor == "sqlite":
        sql("DROP TRIGGER attendance_change_no_update")
        sql("DROP TRIGGER attendance_change_no_delete")
    else:
        # Deferred foreign-key checks pending in the test's transaction would block ALTER.
        sql("SET CONSTRAINTS ALL IMMEDIATE")
        sql("ALTER TABLE attendance_attendancechange DISABLE TRIGGER attendance_change_immutable")


def entries(session):
    return list(AttendanceChange.objects.filter(session=session).order_by("pk"))


# --- The chain -------------------------------------------------------------------------------


def test_every_write_of_a_sheet_is_a_linked_entry(locked, trainer):
    trail = entries(locked)
    assert [entry.kind for entry in trail] == [
        ChangeKind.MARK, ChangeKind.MARK, ChangeKind.MARK, ChangeKind.SIGNATURE,
        ChangeKind.COUNTERSIGNATURE]
    assert trail[0].prev_hash == genesis(locked.pk)
    for previous, entry in zip(trail, trail[1:], strict=False):
        assert entry.prev_hash == previous.entry_hash
        assert len(entry.entry_hash) == 64
    assert trail[-1].after["locked_by"] == trainer.pk and trail[-1].learner_id is None
    report = session_chain_verify(locked)
    assert report.intact and report.entries == 5 and report.altered_entry is None


def test_a_check_in_is_chained(open_session, group, monkeypatch):
    monkeypatch.setattr("lms.attendance.checkin.code_is_valid", lambda *a, **k: True)
    services.checkin_with_code(session=open_session, learner=group[2], code="123456")
    (entry,) = entries(open_session)
    assert entry.kind == ChangeKind.CHECK_IN and entry.changed_by == group[2]
    assert session_chain_verify(open_session).intact


def test_an_entry_edited_in_the_database_is_named(locked):
    without_audit_guard()
    second = entries(locked)[1]
    sql("UPDATE attendance_attendancechange SET reason = %s WHERE id = %s",
        ["réécrit", second.pk])
    report = session_chain_verify(locked)
    assert not report.intact and report.altered_entry == second.pk and report.detail


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(locked):
    without_audit_guard()
    second, third = entries(locked)[1:3]
    after = {**second.after, "status": "present"}
    forged = entry_digest(session_id=locked.pk, learner_id=second.learner_id, kind=second.kind,
                          amendment=False, before=second.before, after=after,
                          by_id=second.changed_by_id, at=second.changed_at, reason="",
                          prev_hash=second.prev_hash)
    AttendanceChange.objects.filter(pk=second.pk).update(after=after, entry_hash=forged)
    report = session_chain_verify(locked)
    assert not report.intact and report.altered_entry == third.pk


def test_an_entry_deleted_in_the_database_breaks_the_chain(locked):
    without_audit_guard()
    second, third = entries(locked)[1:3]
    sql("DELETE FROM attendance_attendancechange WHERE id = %s", [second.pk])
    report = session_chain_verify(locked)
    assert not report.intact and report.altered_entry == third.pk


def test_the_last_entry_deleted_shows_too(locked):
    without_audit_guard()
    sql("DELETE FROM attendance_attendancechange WHERE id = %s", [entries(locked)[-1].pk])
    report = session_chain_verify(locked)
    assert not report.intact and report.altered_entry is None


def test_a_mark_changed_outside_the_application_shows(locked, group):
    # Even with a fresh override stamp, which the trigger lets through, the chain disagrees.
    absent = AttendanceStatus.objects.get(code="absent")
    arnaud = group[0]
    sql("UPDATE attendance_attendance SET status_id = %s, override_at = %s "
        "WHERE session_id = %s AND learner_id = %s",
        [absent.pk, instant(timezone.now()), locked.pk, arnaud.pk])
    report = session_chain_verify(locked)
    last_of_arnaud = [entry for entry in entries(locked) if entry.learner_id == arnaud.pk][-1]
    assert not report.intact and report.altered_entry == last_of_arnaud.pk


def test_a_mark_of_an_open_sheet_changed_outside_the_application_shows(open_session, group,
                                                                       trainer):
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((group[0], "absent")))
    present = AttendanceStatus.objects.get(code="present")
    sql("UPDATE attendance_attendance SET status_id = %s WHERE session_id = %s",
        [present.pk, open_session.pk])
    assert not session_chain_verify(open_session).intact
    # A mark inserted outside the application, with no entry at all.
    sql("INSERT INTO attendance_attendance (session_id, learner_id, status_id, minutes_late, "
        "comment, signature_svg, signature_method) VALUES (%s, %s, %s, 0, '', '', '')",
        [open_session.pk, group[1].pk, present.pk])
    assert not session_chain_verify(open_session).intact


def test_a_locked_session_changed_outside_the_application_shows(locked):
    sql("UPDATE attendance_session SET room = %s, amended_at = %s WHERE id = %s",
        ["Ailleurs", instant(timezone.now()), locked.pk])
    report = session_chain_verify(locked)
    assert not report.intact and report.altered_entry == entries(locked)[-1].pk
    assert "room" in report.detail


def test_amendments_keep_the_chain_intact(locked, manager, group):
    services.session_amend(session=locked, by=manager, reason="Salle", room="Salle 2")
    services.roll_call_save(session=locked, by=manager, marks=marks((group[1], "excused")),
                            reason="Justificatif")
    services.signature_paper(session=locked, learner_id=group[1].pk, by=manager,
                             reason="Feuille papier retrouvée")
    report = session_chain_verify(locked)
    assert report.intact and report.entries == 8


def test_the_api_reports_the_chain(locked, trainer):
    api = APIClient()
    api.force_authenticate(trainer)
    body = api.get(f"/api/v1/sessions/{locked.pk}/").json()
    assert body["chain"] == {"intact": True, "entries": 5, "altered_entry": None, "detail": ""}
    without_audit_guard()
    first = entries(locked)[0]
    sql("UPDATE attendance_attendancechange SET reason = 'x' WHERE id = %s", [first.pk])
    chain = api.get(f"/api/v1/sessions/{locked.pk}/").json()["chain"]
    assert chain["intact"] is False and chain["altered_entry"] == first.pk
    assert chain["detail"]


def test_the_migration_chains_the_existing_trail(locked, group):
    """0005 over rows written before the chain: hashes filled in order, and a baseline entry
    for what the trail does not explain (here a mark inserted without any entry)."""
    without_audit_guard()
    if connection.vendor == "sqlite":
        sql("DROP TRIGGER attendance_locked_insert")
    else:
        sql("ALTER TABLE attendance_attendance DISABLE TRIGGER attendance_locked")
    countersignature = entries(locked)[-1]
    sql("DELETE FROM attendance_attendancechange WHERE id = %s", [countersignature.pk])
    sql("UPDATE attendance_attendancechange SET prev_hash = '', entry_hash = ''")
    extra = TrainerFactory()  # anybody: the raw insert skips every check
    sql("INSERT INTO attendance_attendance (session_id, learner_id, minutes_late, comment, "
        "signature_svg, signature_method) VALUES (%s, %s, 5, '', '', '')",
        [locked.pk, extra.pk])
    assert not session_chain_verify(locked).intact
    migration = importlib.import_module(
        "lms.attendance.migrations.0005_chain_existing_entries")
    migration.build(apps, None)
    report = session_chain_verify(locked)
    assert report.intact, report.detail
    kinds = [entry.kind for entry in entries(locked)]
    assert kinds.count(ChangeKind.BASELINE) == 2  # the extra mark, the lock


# --- The triggers ----------------------------------------------------------------------------


PROOF_CHANGES = [
    ("date", lambda s: connection.ops.adapt_datefield_value(s.date - datetime.timedelta(1))),
    ("start_time", lambda s: connection.ops.adapt_timefield_value(datetime.time(8))),
    ("end_time", lambda s: connection.ops.adapt_timefield_value(datetime.time(13))),
    ("cohort_id", lambda s: CohortFactory(path=s.cohort.path).pk),
    ("module_id", lambda s: None if s.module_id else s.cohort.path.modules().first().pk),
    ("trainer_id", lambda s: TrainerFactory().pk),
    ("room", lambda s: "Ailleurs"),
    ("cancelled_at", lambda s: instant(timezone.now())),
    ("cancel_reason", lambda s: "Jamais tenue"),
]


@pytest.mark.parametrize(("column", "value"), PROOF_CHANGES, ids=[c for c, _ in PROOF_CHANGES])
def test_every_proof_column_of_a_locked_session_needs_a_fresh_stamp(locked, module, column,
                                                                    value):
    new = value(locked)
    if new is None:
        pytest.skip("no module to change to")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM attendance_session WHERE id = %s", [locked.pk])
        (original,) = cursor.fetchone()
    if isinstance(original, datetime.time):
        original = connection.ops.adapt_timefield_value(original)
    elif isinstance(original, datetime.date):
        original = connection.ops.adapt_datefield_value(original)
    refused(f"UPDATE attendance_session SET {column} = %s WHERE id = %s", [new, locked.pk])
    stamp = timezone.now()
    sql(f"UPDATE attendance_session SET {column} = %s, amended_at = %s WHERE id = %s",
        [new, instant(stamp), locked.pk])
    # Back again under the same stamp: no fresh amendment, refused.
    refused(f"UPDATE attendance_session SET {column} = %s, amended_at = %s WHERE id = %s",
            [original, instant(stamp), locked.pk])


# The trigger compares with the database's own clock, which no travel reaches.
@pytest.mark.real_clock
def test_amendment_stamps_cannot_be_set_in_the_future(locked, open_session):
    future = instant(timezone.now() + datetime.timedelta(days=1))
    refused("UPDATE attendance_session SET room = 'X', amended_at = %s WHERE id = %s",
            [future, locked.pk])
    # Not even on an open session: the stamp would block the corrections after its lock.
    other = Session.objects.create(cohort=open_session.cohort, date=open_session.date,
                                   start_time=datetime.time(14), end_time=datetime.time(16))
    refused("UPDATE attendance_session SET amended_at = %s WHERE id = %s", [future, other.pk])
    sql("UPDATE attendance_session SET amended_at = %s WHERE id = %s",
        [instant(timezone.now()), other.pk])


def test_the_lock_and_the_countersignature_never_change(locked, manager):
    stamp = instant(timezone.now())
    for assignment, value in [("locked_at = NULL", None), ("countersignature_svg = %s", "<svg/>"),
                              ("locked_by_id = %s", manager.pk), ("countersigned_at = NULL", None)]:
        params = ([value] if value is not None else []) + [stamp, locked.pk]
        refused(f"UPDATE attendance_session SET {assignment}, amended_at = %s WHERE id = %s",
                params)


def test_a_locked_session_is_never_deleted(locked):
    refused("DELETE FROM attendance_session WHERE id = %s", [locked.pk])
    assert Session.objects.filter(pk=locked.pk).exists()


# The trigger compares with the database's own clock, which no travel reaches.
@pytest.mark.real_clock
def test_marks_of_a_locked_sheet_need_a_fresh_override_never_in_the_future(locked, group,
                                                                           open_session):
    present = AttendanceStatus.objects.get(code="present")
    newcomer = TrainerFactory()
    insert = ("INSERT INTO attendance_attendance (session_id, learner_id, status_id, "
              "minutes_late, comment, signature_svg, signature_method, override_at) "
              "VALUES (%s, %s, %s, 0, '', '', '', %s)")
    refused(insert, [locked.pk, newcomer.pk, present.pk, None])
    future = instant(timezone.now() + datetime.timedelta(days=1))
    refused(insert, [locked.pk, newcomer.pk, present.pk, future])
    sql(insert, [locked.pk, newcomer.pk, present.pk, instant(timezone.now())])
    refused("UPDATE attendance_attendance SET override_at = %s WHERE session_id = %s "
            "AND learner_id = %s", [future, locked.pk, group[1].pk])
    refused("DELETE FROM attendance_attendance WHERE session_id = %s", [locked.pk])
    # A future stamp is refused on an open sheet too.
    refused("UPDATE attendance_attendance SET override_at = %s WHERE learner_id = %s",
            [future, group[0].pk])
    assert Attendance.objects.filter(session=locked).count() == 4


# --- Concurrent writers ----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_check_ins_at_once_keep_one_chain(open_session, group, monkeypatch):
    """The second writer waits for the session's lock, then links to the first one's entry:
    reading the head in the locking SELECT itself forked the chain on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with real concurrent transactions (CI runs PostgreSQL)")
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr("lms.attendance.checkin.code_is_valid", lambda *a, **k: True)
    real_check_day = services._check_day

    def slow_check_day(session):  # runs while the session's lock is held
        time.sleep(0.3)
        real_check_day(session)

    monkeypatch.setattr(services, "_check_day", slow_check_day)
    start = threading.Barrier(2)

    def check_in(learner):
        try:
            start.wait(timeout=10)
            services.checkin_with_code(session=open_session, learner=learner, code="123456")
            return "ok"
        except Exception as error:  # returned, so that the assertion shows it
            return repr(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(check_in, group[:2])) == ["ok", "ok"]
    trail = entries(open_session)
    assert [entry.kind for entry in trail] == [ChangeKind.CHECK_IN, ChangeKind.CHECK_IN]
    assert trail[1].prev_hash == trail[0].entry_hash
    assert session_chain_verify(open_session).intact


# --- Drawn signatures ------------------------------------------------------------------------

def test_a_signature_replaced_in_the_database_shows(open_session, group, trainer):
    arnaud = group[0]
    services.signature_draw(session=open_session, learner_id=arnaud.pk,
                            strokes=locked_world.STROKES, by=trainer)
    (entry,) = entries(open_session)
    assert len(entry.after["signature_sha256"]) == 64
    sql("UPDATE attendance_attendance SET signature_svg = %s WHERE session_id = %s "
        "AND learner_id = %s", ["<svg>autre</svg>", open_session.pk, arnaud.pk])
    report = session_chain_verify(open_session)
    assert not report.intact and report.altered_entry == entry.pk


def test_entries_chained_before_the_signature_hash_still_verify(open_session, group, trainer):
    # As migration 0005 built them: no signature_sha256 in the entry, so it is not compared.
    services.signature_draw(session=open_session, learner_id=group[0].pk,
                            strokes=locked_world.STROKES, by=trainer)
    (entry,) = entries(open_session)
    after = {key: value for key, value in entry.after.items() if key != "signature_sha256"}
    without_audit_guard()
    AttendanceChange.objects.filter(pk=entry.pk).update(after=after, entry_hash=entry_digest(
        session_id=open_session.pk, learner_id=entry.learner_id, kind=entry.kind,
        amendment=False, before=entry.before, after=after, by_id=entry.changed_by_id,
        at=entry.changed_at, reason="", prev_hash=entry.prev_hash))
    assert session_chain_verify(open_session).intact


def test_an_erasure_is_chained_and_the_sheet_stays_intact(open_session, group, trainer,
                                                          manager):
    from lms.privacy.erasure import personal_data_erase

    arnaud = group[0]
    services.roll_call_save(session=open_session, by=trainer,
                            marks=marks((arnaud, "present"), comment="Arrivée en bus"))
    services.signature_draw(session=open_session, learner_id=arnaud.pk,
                            strokes=locked_world.STROKES, by=trainer)
    result = personal_data_erase(user=arnaud, by=manager, reason="Demande écrite")
    assert result["changed"]["attendance_comments"] == 1
    assert result["changed"]["attendance_signatures"] == 1
    last = entries(open_session)[-1]
    assert last.kind == ChangeKind.ERASURE and last.reason == "personal data erased"
    assert last.after["comment"] == "" and last.after["signature_sha256"] != (
        last.before["signature_sha256"])
    assert session_chain_verify(open_session).intact
