"""Build the hash chain over the existing audit trail, session by session, in the order the
entries were written; then record as a baseline whatever the trail does not explain (marks
created without an entry, sheets locked before the countersignature was an entry), so that
every sheet verifies from now on and any later change outside the application shows."""

from django.db import migrations
from django.utils import timezone

from lms.attendance.chain import (
    LEGACY_MARK_PROOF,
    entry_digest,
    genesis,
    mark_proof,
    session_snapshot,
)


def _kind(before: dict, after: dict) -> str:
    if after.get("signed_at") and after.get("signed_at") != before.get("signed_at"):
        return "check_in" if after.get("signature_method") == "check_in" else "signature"
    return "mark"


def _digest(entry, prev_hash):
    return entry_digest(session_id=entry.session_id, learner_id=entry.learner_id,
                        kind=entry.kind, amendment=entry.amendment, before=entry.before,
                        after=entry.after, by_id=entry.changed_by_id, at=entry.changed_at,
                        reason=entry.reason, prev_hash=prev_hash)


def build(apps, schema_editor):
    Session = apps.get_model("attendance", "Session")
    Attendance = apps.get_model("attendance", "Attendance")
    AttendanceChange = apps.get_model("attendance", "AttendanceChange")
    AttendanceStatus = apps.get_model("attendance", "AttendanceStatus")
    codes = dict(AttendanceStatus.objects.values_list("pk", "code"))
    now = timezone.now()
    for session in Session.objects.order_by("pk").iterator():
        previous = genesis(session.pk)
        state: dict[int, dict] = {}
        for entry in AttendanceChange.objects.filter(session_id=session.pk).order_by("pk"):
            entry.kind = _kind(entry.before, entry.after)
            entry.amendment = bool(entry.reason)
            entry.prev_hash = previous
            entry.entry_hash = previous = _digest(entry, previous)
            entry.save(update_fields=["kind", "amendment", "prev_hash", "entry_hash"])
            if entry.learner_id is not None:
                state[entry.learner_id] = entry.after
        baselines = []
        for mark in Attendance.objects.filter(session_id=session.pk).order_by("learner_id"):
            current = {
                "status": codes.get(mark.status_id), "minutes_late": mark.minutes_late,
                "comment": mark.comment, "signature_method": mark.signature_method,
                "signed_at": mark.signed_at.isoformat() if mark.signed_at else None,
            }
            chained = state.get(mark.learner_id, {})
            # The proof as it was when this migration was written (no signature hash).
            if mark_proof(current, LEGACY_MARK_PROOF) != mark_proof(chained, LEGACY_MARK_PROOF):
                baselines.append(AttendanceChange(
                    attendance_id=mark.pk, session_id=session.pk, learner_id=mark.learner_id,
                    kind="baseline", changed_at=now, before=chained, after=current))
        if session.locked_at is not None:
            baselines.append(AttendanceChange(session_id=session.pk, kind="baseline",
                                              changed_at=now, after=session_snapshot(session)))
        for entry in baselines:
            entry.prev_hash = previous
            entry.entry_hash = previous = _digest(entry, previous)
            entry.save()


class Migration(migrations.Migration):
    dependencies = [("attendance", "0004_chain_and_amendments")]

    operations = [migrations.RunPython(build, migrations.RunPython.noop)]
