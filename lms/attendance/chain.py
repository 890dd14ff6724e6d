
"""Tamper evidence of attendance sheets: a hash chain over each session's audit trail.

Every entry of `AttendanceChange` (a mark, a signature, a check-in, the countersignature, an
amendment) carries `entry_hash`, the SHA-256 of its canonical content (JSON with sorted keys:
session, learner, kind, amendment, before, after, who, when, reason) together with
`prev_hash`, the hash of the previous entry of the same session (the first entry links to a
genesis value derived from the session id). Entries are appended under the session's row lock,
so two writers never fork a chain.

`session_chain_verify` recomputes the chain and compares its last state with the marks and
the session as they are now: an entry edited, deleted or inserted outside the application, or
a mark or a locked session changed directly in the database, reports the sheet as altered and
names the entry. The scheme has no secret: somebody rewriting every entry from the altered one
to the end is caught by the issued documents and their anchors, not by the chain alone.
"""

import dataclasses
import datetime
import hashlib
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .enums import ChangeKind
from .models import Attendance, AttendanceChange, AttendanceStatus, Session

GENESIS_PREFIX = "parcours:attendance-chain:v1:session:"

# What a mark proves: its comment is free text (erased with the learner's personal data), so
# it is chained but not compared with the current mark.
MARK_PROOF = ("status", "minutes_late", "signature_method", "signed_at", "signature_sha256")
EMPTY_MARK = {"status": None, "minutes_late": 0, "signature_method": "", "signed_at": None,
              "signature_sha256": ""}
# Entries chained before the drawn signature's hash was (migration 0005 and the first
# version of the chain) don't carry it: for them, it is not compared.
LEGACY_MARK_PROOF = tuple(key for key in MARK_PROOF if key != "signature_sha256")


def signature_digest(svg: str) -> str:
    """SHA-256 of a drawn signature's SVG text, "" when there is none."""
    return hashlib.sha256(svg.encode()).hexdigest() if svg else ""

# What a locked session proves, as chained by the countersignature and the amendments.
SESSION_PROOF = ("date", "start_time", "end_time", "cohort", "module", "trainer", "room",
                 "cancelled_at", "cancel_reason", "locked_at", "locked_by", "countersignature")


def genesis(session_id: int) -> str:
    return hashlib.sha256(f"{GENESIS_PREFIX}{session_id}".encode()).hexdigest()


def _instant(value: datetime.datetime) -> str:
    # One spelling of an instant whatever the database returns: UTC, microseconds.
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return _instant(value)
    return value.isoformat()


def entry_digest(*, session_id: int, learner_id: int | None, kind: str, amendment: bool,
                 before: dict, after: dict, by_id: int | None, at: datetime.datetime,
                 reason: str, prev_hash: str) -> str:
    content = {
        "session": session_id, "learner": learner_id, "kind": kind, "amendment": amendment,
        "before": before, "after": after, "by": by_id, "at": _instant(at), "reason": reason,
        "prev": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _digest_of(entry: AttendanceChange, prev_hash: str) -> str:
    return entry_digest(session_id=entry.session_id, learner_id=entry.learner_id,
                        kind=entry.kind, amendment=entry.amendment, before=entry.before,
                        after=entry.after, by_id=entry.changed_by_id, at=entry.changed_at,
                        reason=entry.reason, prev_hash=prev_hash)


def locked_for_chain(queryset=None):
    """Sessions locked for update. The chain's head is read by `chain_append` in a separate
    query once the lock is held: PostgreSQL evaluates a subquery of the locking SELECT itself
    before waiting for the lock, so a writer queued behind another would link to a stale head
    and fork the chain."""
    queryset = Session.objects.all() if queryset is None else queryset
    return queryset.select_for_update()


def chain_append(session: Session, entries: list[AttendanceChange]) -> list[AttendanceChange]:
    """Link and insert entries of one session, in order. The caller holds the session's row
    lock in the current transaction, taken with `locked_for_chain`."""
    if not entries:
        return []
    previous = (AttendanceChange.objects.filter(session_id=session.pk).order_by("-pk")
                .values_list("entry_hash", flat=True).first())
    previous = previous or genesis(session.pk)
    for entry in entries:
        entry.session_id = session.pk
        entry.prev_hash = previous
        entry.entry_hash = previous = _digest_of(entry, previous)
    return AttendanceChange.objects.bulk_create(entries)


def session_snapshot(session: Session) -> dict:
    """The proof columns of a session, as the chain records them."""
    countersignature = session.countersignature_svg
    return {
        "date": _iso(session.date), "start_time": _iso(session.start_time),
        "end_time": _iso(session.end_time), "cohort": session.cohort_id,
        "module": session.module_id, "trainer": session.trainer_id, "room": session.room,
        "cancelled_at": _iso(session.cancelled_at), "cancel_reason": session.cancel_reason,
        "locked_at": _iso(session.locked_at), "locked_by": session.locked_by_id,
        "countersignature": (hashlib.sha256(countersignature.encode()).hexdigest()
                             if countersignature else ""),
    }


def mark_proof(state: dict, keys=MARK_PROOF) -> dict:
    return {key: state.get(key, EMPTY_MARK[key]) for key in keys}


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    entries: int
    altered_entry: int | None = None
    detail: str = ""
    # The detail names a learner (by id): public pages show a detail without it.
    names_learner: bool = False

    def as_dict(self) -> dict:
        return {"intact": self.intact, "entries": self.entries,
                "altered_entry": self.altered_entry, "detail": self.detail}


def session_chain_verify(session: Session | int) -> ChainReport:
    """Recompute the chain of one session and compare its last state with the database.
    Three queries, whatever the size of the sheet."""
    session_id = session if isinstance(session, int) else session.pk
    session = Session.objects.get(pk=session_id)
    entries = list(AttendanceChange.objects.filter(session_id=session_id).order_by("pk"))
    count = len(entries)

    def altered(entry_id, detail):
        return ChainReport(intact=False, entries=count, altered_entry=entry_id, detail=detail)

    previous = genesis(session_id)
    for entry in entries:
        if _digest_of(entry, entry.prev_hash) != entry.entry_hash:
            return altered(entry.pk, _("The content of entry %(id)s was changed after it was "
                                       "recorded.") % {"id": entry.pk})
        if entry.prev_hash != previous:
            return altered(entry.pk, _("The chain is broken before entry %(id)s: an earlier "
                                       "entry was deleted or replaced.") % {"id": entry.pk})
        previous = entry.entry_hash

    # The chain is whole: does what it ends on match the sheet as it is now?
    last_by_learner: dict[int, AttendanceChange] = {}
    session_state: dict | None = None
    session_entry = None
    for entry in entries:
        if entry.learner_id is not None:
            last_by_learner[entry.learner_id] = entry
        elif entry.kind in (ChangeKind.COUNTERSIGNATURE, ChangeKind.BASELINE):
            session_state, session_entry = dict(entry.after), entry
        elif session_state is not None:
            session_state.update(entry.after)
            session_entry = entry

    codes = dict(AttendanceStatus.objects.values_list("pk", "code"))
    current = {
        # Spelled as lms.attendance.services._snapshot spells it.
        mark["learner_id"]: {**mark, "status": codes.get(mark["status_id"]),
                             "signed_at": (mark["signed_at"].isoformat()
                                           if mark["signed_at"] else None),
                             "signature_sha256": signature_digest(mark["signature_svg"])}
        for mark in Attendance.objects.filter(session_id=session_id).values(
            "learner_id", "status_id", "minutes_late", "signature_method", "signed_at",
            "signature_svg")
    }
    for learner_id in sorted(set(current) | set(last_by_learner)):
        entry = last_by_learner.get(learner_id)
        keys = (MARK_PROOF if entry is None or "signature_sha256" in entry.after
                else LEGACY_MARK_PROOF)
        chained = mark_proof(entry.after if entry else {}, keys)
        if mark_proof(current.get(learner_id, {}), keys) != chained:
            return dataclasses.replace(altered(entry.pk if entry else None, _(
                "The mark of learner %(learner)s differs from the last entry of the chain: it "
                "was changed outside the application.") % {"learner": learner_id}),
                names_learner=True)

    now = session_snapshot(session)
    if session_state is None:
        if session.locked_at is not None:
            return altered(None, _("The sheet is locked but its countersignature is not in "
                                   "the chain."))
    else:
        differing = sorted(key for key in SESSION_PROOF if session_state.get(key) != now[key])
        if differing:
            return altered(session_entry.pk, _(
                "The session's %(fields)s differ from the chain: changed outside the "
                "application.") % {"fields": ", ".join(differing)})
    return ChainReport(intact=True, entries=count)
