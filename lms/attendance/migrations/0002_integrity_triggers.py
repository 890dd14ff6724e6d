"""Locking and the audit trail are enforced by the database too, not only by the services:
a mark of a locked session changes only with a fresh manager override stamp, a lock is never
lifted, and the audit trail is insert-only."""

from django.db import migrations

LOCKED = "attendance sheet is locked"
AUDIT = "the attendance audit trail cannot be changed"

POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION attendance_guard_locked() RETURNS trigger AS $$
    DECLARE locked timestamptz;
    BEGIN
      SELECT locked_at INTO locked FROM attendance_session
        WHERE id = COALESCE(NEW.session_id, OLD.session_id);
      IF locked IS NOT NULL THEN
        IF TG_OP = 'DELETE'
           OR NEW.override_at IS NULL
           OR (TG_OP = 'UPDATE' AND OLD.override_at IS NOT NULL
               AND NEW.override_at <= OLD.override_at) THEN
          RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
      END IF;
      RETURN COALESCE(NEW, OLD);
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER attendance_locked BEFORE INSERT OR UPDATE OR DELETE ON attendance_attendance
      FOR EACH ROW EXECUTE FUNCTION attendance_guard_locked();

    CREATE OR REPLACE FUNCTION attendance_session_stays_locked() RETURNS trigger AS $$
    BEGIN
      IF OLD.locked_at IS NOT NULL AND (NEW.locked_at IS NULL
          OR NEW.countersignature_svg IS DISTINCT FROM OLD.countersignature_svg) THEN
        RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER attendance_session_locked BEFORE UPDATE ON attendance_session
      FOR EACH ROW EXECUTE FUNCTION attendance_session_stays_locked();

    CREATE OR REPLACE FUNCTION attendance_change_immutable() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{AUDIT}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER attendance_change_immutable BEFORE UPDATE OR DELETE
      ON attendance_attendancechange FOR EACH ROW EXECUTE FUNCTION attendance_change_immutable();
    """,
]
POSTGRESQL_REVERSE = [
    """
    DROP TRIGGER IF EXISTS attendance_locked ON attendance_attendance;
    DROP FUNCTION IF EXISTS attendance_guard_locked();
    DROP TRIGGER IF EXISTS attendance_session_locked ON attendance_session;
    DROP FUNCTION IF EXISTS attendance_session_stays_locked();
    DROP TRIGGER IF EXISTS attendance_change_immutable ON attendance_attendancechange;
    DROP FUNCTION IF EXISTS attendance_change_immutable();
    """,
]

_SESSION_LOCKED = "(SELECT locked_at FROM attendance_session WHERE id = {row}.session_id)"
SQLITE = [
    f"""CREATE TRIGGER attendance_locked_insert BEFORE INSERT ON attendance_attendance
    WHEN {_SESSION_LOCKED.format(row="NEW")} IS NOT NULL AND NEW.override_at IS NULL
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_locked_update BEFORE UPDATE ON attendance_attendance
    WHEN {_SESSION_LOCKED.format(row="NEW")} IS NOT NULL AND (NEW.override_at IS NULL
      OR (OLD.override_at IS NOT NULL AND NEW.override_at <= OLD.override_at))
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_locked_delete BEFORE DELETE ON attendance_attendance
    WHEN {_SESSION_LOCKED.format(row="OLD")} IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_session_locked BEFORE UPDATE ON attendance_session
    WHEN OLD.locked_at IS NOT NULL AND (NEW.locked_at IS NULL
      OR NEW.countersignature_svg IS NOT OLD.countersignature_svg)
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_change_no_update BEFORE UPDATE ON attendance_attendancechange
    BEGIN SELECT RAISE(ABORT, '{AUDIT}'); END;""",
    f"""CREATE TRIGGER attendance_change_no_delete BEFORE DELETE ON attendance_attendancechange
    BEGIN SELECT RAISE(ABORT, '{AUDIT}'); END;""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};" for name in (
        "attendance_locked_insert", "attendance_locked_update", "attendance_locked_delete",
        "attendance_session_locked", "attendance_change_no_update", "attendance_change_no_delete",
    )
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
