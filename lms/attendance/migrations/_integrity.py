"""SQL of the attendance integrity triggers, shared by migrations 0004 and 0006 (a module of
the migrations package without a Migration class: Django's loader skips it)."""

import importlib

LOCKED = "attendance sheet is locked"
AUDIT = "the attendance audit trail cannot be changed"
FUTURE = "an amendment or override stamp cannot be in the future"

# How far ahead of the database's clock a stamp may be: the application's and the database's
# clocks may differ a little, never by minutes.
MARGIN = "5 minutes"

_0002 = importlib.import_module("lms.attendance.migrations.0002_integrity_triggers")


def _run(statements):
    def apply(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return apply


drop_0002_triggers = _run({"postgresql": _0002.POSTGRESQL_REVERSE,
                           "sqlite": _0002.SQLITE_REVERSE})
restore_0002_triggers = _run({"postgresql": _0002.POSTGRESQL_REVERSE + _0002.POSTGRESQL,
                              "sqlite": _0002.SQLITE_REVERSE + _0002.SQLITE})

# Proof columns of a session that change only with a fresh amendment stamp once it is locked.
AMENDABLE = ["date", "start_time", "end_time", "cohort_id", "module_id", "trainer_id", "room",
             "cancelled_at", "cancel_reason"]
# The lock itself never changes once set.
LOCK = ["locked_at", "locked_by_id", "countersignature_svg", "countersigned_at"]


def _row(prefix, columns):
    return ", ".join(f"{prefix}.{column}" for column in columns)


POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION attendance_guard_locked() RETURNS trigger AS $$
    DECLARE locked timestamptz;
    BEGIN
      IF TG_OP <> 'DELETE' AND NEW.override_at IS NOT NULL
         AND (TG_OP = 'INSERT' OR NEW.override_at IS DISTINCT FROM OLD.override_at)
         AND NEW.override_at > now() + interval '{MARGIN}' THEN
        RAISE EXCEPTION '{FUTURE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      SELECT max(locked_at) INTO locked FROM attendance_session
        WHERE id IN (NEW.session_id, OLD.session_id);
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
      IF TG_OP = 'DELETE' THEN
        IF OLD.locked_at IS NOT NULL THEN
          RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
      END IF;
      IF NEW.amended_at IS DISTINCT FROM OLD.amended_at
         AND NEW.amended_at > now() + interval '{MARGIN}' THEN
        RAISE EXCEPTION '{FUTURE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF OLD.locked_at IS NOT NULL THEN
        IF ({_row("NEW", LOCK)}) IS DISTINCT FROM ({_row("OLD", LOCK)}) THEN
          RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF ({_row("NEW", AMENDABLE)}) IS DISTINCT FROM ({_row("OLD", AMENDABLE)})
           AND (NEW.amended_at IS NULL
                OR (OLD.amended_at IS NOT NULL AND NEW.amended_at <= OLD.amended_at)) THEN
          RAISE EXCEPTION '{LOCKED}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER attendance_session_locked BEFORE UPDATE OR DELETE ON attendance_session
      FOR EACH ROW EXECUTE FUNCTION attendance_session_stays_locked();

    CREATE OR REPLACE FUNCTION attendance_change_immutable() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '{AUDIT}' USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER attendance_change_immutable BEFORE UPDATE OR DELETE
      ON attendance_attendancechange FOR EACH ROW EXECUTE FUNCTION attendance_change_immutable();
    """,
]
POSTGRESQL_REVERSE = _0002.POSTGRESQL_REVERSE

# SQLite stores an aware datetime as naive UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]": compared
# as text with the same spelling of now.
_SQLITE_LIMIT = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '+{MARGIN}')"
_SESSION_LOCKED = "(SELECT locked_at FROM attendance_session WHERE id = {row}.session_id)"


def _differs(columns):
    return " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)


SQLITE = [
    f"""CREATE TRIGGER attendance_locked_insert BEFORE INSERT ON attendance_attendance
    WHEN {_SESSION_LOCKED.format(row="NEW")} IS NOT NULL AND NEW.override_at IS NULL
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_locked_update BEFORE UPDATE ON attendance_attendance
    WHEN ({_SESSION_LOCKED.format(row="NEW")} IS NOT NULL
          OR {_SESSION_LOCKED.format(row="OLD")} IS NOT NULL)
      AND (NEW.override_at IS NULL
           OR (OLD.override_at IS NOT NULL AND NEW.override_at <= OLD.override_at))
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_locked_delete BEFORE DELETE ON attendance_attendance
    WHEN {_SESSION_LOCKED.format(row="OLD")} IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_override_future_insert BEFORE INSERT ON attendance_attendance
    WHEN NEW.override_at IS NOT NULL AND NEW.override_at > {_SQLITE_LIMIT}
    BEGIN SELECT RAISE(ABORT, '{FUTURE}'); END;""",
    f"""CREATE TRIGGER attendance_override_future_update BEFORE UPDATE ON attendance_attendance
    WHEN NEW.override_at IS NOT OLD.override_at AND NEW.override_at > {_SQLITE_LIMIT}
    BEGIN SELECT RAISE(ABORT, '{FUTURE}'); END;""",
    f"""CREATE TRIGGER attendance_session_locked BEFORE UPDATE ON attendance_session
    WHEN OLD.locked_at IS NOT NULL AND ({_differs(LOCK)})
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_session_amended BEFORE UPDATE ON attendance_session
    WHEN OLD.locked_at IS NOT NULL AND ({_differs(AMENDABLE)})
      AND (NEW.amended_at IS NULL
           OR (OLD.amended_at IS NOT NULL AND NEW.amended_at <= OLD.amended_at))
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_session_amended_future BEFORE UPDATE ON attendance_session
    WHEN NEW.amended_at IS NOT OLD.amended_at AND NEW.amended_at > {_SQLITE_LIMIT}
    BEGIN SELECT RAISE(ABORT, '{FUTURE}'); END;""",
    f"""CREATE TRIGGER attendance_session_locked_delete BEFORE DELETE ON attendance_session
    WHEN OLD.locked_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{LOCKED}'); END;""",
    f"""CREATE TRIGGER attendance_change_no_update BEFORE UPDATE ON attendance_attendancechange
    BEGIN SELECT RAISE(ABORT, '{AUDIT}'); END;""",
    f"""CREATE TRIGGER attendance_change_no_delete BEFORE DELETE ON attendance_attendancechange
    BEGIN SELECT RAISE(ABORT, '{AUDIT}'); END;""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name};" for name in (
        "attendance_locked_insert", "attendance_locked_update", "attendance_locked_delete",
        "attendance_override_future_insert", "attendance_override_future_update",
        "attendance_session_locked", "attendance_session_amended",
        "attendance_session_amended_future", "attendance_session_locked_delete",
        "attendance_change_no_update", "attendance_change_no_delete",
    )
]

create_triggers = _run({"postgresql": POSTGRESQL_REVERSE + POSTGRESQL,
                        "sqlite": SQLITE_REVERSE + SQLITE})
drop_triggers = _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})
