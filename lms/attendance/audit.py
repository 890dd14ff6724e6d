"""The audit trail of sheets, readable: each entry of `AttendanceChange` as before/after lines
with labels (status labels, local times, names), who, when and why. Used by the audit pages
and the "History" sheet of the cohort's XLSX export; a fixed number of queries whatever the
length of the trail."""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.models import ModulePage
from lms.accounts.models import User
from lms.cohorts.models import Cohort

from .enums import ChangeKind, SignatureMethod
from .models import AttendanceChange, AttendanceStatus

FIELD_LABELS = {
    "status": gettext_lazy("Status"),
    "minutes_late": gettext_lazy("Minutes late"),
    "comment": gettext_lazy("Comment"),
    "signature_method": gettext_lazy("Signature"),
    "signed_at": gettext_lazy("Signed at"),
    "date": gettext_lazy("Date"),
    "start_time": gettext_lazy("Start time"),
    "end_time": gettext_lazy("End time"),
    "cohort": gettext_lazy("Cohort"),
    "module": gettext_lazy("Module covered"),
    "trainer": gettext_lazy("Trainer"),
    "room": gettext_lazy("Room"),
    "cancelled_at": gettext_lazy("Cancelled at"),
    "cancel_reason": gettext_lazy("Reason for cancelling"),
    "locked_at": gettext_lazy("Locked at"),
    "locked_by": gettext_lazy("Locked by"),
    "countersignature": gettext_lazy("Trainer's countersignature"),
}
# What the countersignature entry shows of the full state it chains.
LOCK_FIELDS = ("locked_at", "locked_by", "countersignature")
EMPTY = "—"


@dataclass
class ChangeLine:
    label: str
    before: str
    after: str


@dataclass
class AuditRow:
    entry: AttendanceChange
    what: str
    lines: list[ChangeLine] = field(default_factory=list)

    @property
    def who(self) -> str:
        return str(self.entry.changed_by) if self.entry.changed_by_id else EMPTY

    @property
    def when(self) -> str:
        return _datetime_text(self.entry.changed_at)

    @property
    def session_text(self) -> str:
        session = self.entry.session
        return (f"{date_format(session.date, 'SHORT_DATE_FORMAT')} "
                f"{time_format(session.start_time, 'H:i')}–{time_format(session.end_time, 'H:i')}")

    @property
    def learner_text(self) -> str:
        return str(self.entry.learner) if self.entry.learner_id else EMPTY


def _datetime_text(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _parse_instant(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class _Names:
    """Labels of what entries refer to by id or code, read once for all the entries."""

    def __init__(self, entries_and_keys):
        entries = [entry for entry, _keys in entries_and_keys]
        ids = {"cohort": set(), "module": set(), "trainer": set(), "locked_by": set()}
        for entry, keys in entries_and_keys:
            for state in (entry.before or {}, entry.after or {}):
                for key in keys:
                    if key in ids and state.get(key) is not None:
                        ids[key].add(state[key])
        self.statuses = {status.code: status.display_label
                         for status in AttendanceStatus.objects.all()} if entries else {}
        self.by_key = {"cohort": {}, "module": {}, "trainer": {}, "locked_by": {}}
        if ids["cohort"]:
            self.by_key["cohort"] = {cohort.pk: cohort.name
                                     for cohort in Cohort.objects.filter(pk__in=ids["cohort"])}
        if ids["module"]:
            self.by_key["module"] = dict(ModulePage.objects.filter(pk__in=ids["module"])
                                         .values_list("pk", "title"))
        people = ids["trainer"] | ids["locked_by"]
        if people:
            names = {user.pk: str(user) for user in User.objects.filter(pk__in=people)}
            self.by_key["trainer"] = self.by_key["locked_by"] = names

    def text(self, key: str, value) -> str:
        if value is None or value == "":
            return EMPTY
        if key == "status":
            return self.statuses.get(value, value)
        if key == "signature_method":
            try:
                return str(SignatureMethod(value).label)
            except ValueError:
                return value
        if key in self.by_key:
            return self.by_key[key].get(value, f"#{value}")
        if key in ("signed_at", "cancelled_at", "locked_at"):
            instant = _parse_instant(value)
            return _datetime_text(instant) if instant else value
        if key == "date":
            try:
                return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
            except ValueError:
                return value
        if key in ("start_time", "end_time"):
            return value[:5]
        if key == "countersignature":
            return _("signed")
        if key == "minutes_late":
            return str(value) if value else EMPTY
        return str(value)


def _what(entry: AttendanceChange) -> str:
    label = str(entry.get_kind_display())
    if entry.amendment:
        return _("Amendment: %(kind)s") % {"kind": label}
    return label


def _shown_keys(entry: AttendanceChange) -> list[str]:
    before, after = entry.before or {}, entry.after or {}
    if entry.learner_id is None and entry.kind in (ChangeKind.COUNTERSIGNATURE,
                                                   ChangeKind.BASELINE):
        return [key for key in LOCK_FIELDS if key in after]
    return [key for key in FIELD_LABELS
            if (key in before or key in after) and before.get(key) != after.get(key)]


def audit_rows(entries) -> list[AuditRow]:
    entries_and_keys = [(entry, _shown_keys(entry)) for entry in entries]
    names = _Names(entries_and_keys)
    rows = []
    for entry, keys in entries_and_keys:
        before, after = entry.before or {}, entry.after or {}
        lines = [ChangeLine(label=str(FIELD_LABELS[key]), before=names.text(key, before.get(key)),
                            after=names.text(key, after.get(key))) for key in keys]
        rows.append(AuditRow(entry=entry, what=_what(entry), lines=lines))
    return rows


def _trail():
    return (AttendanceChange.objects.select_related("changed_by", "learner", "session")
            .order_by("changed_at", "pk"))


def session_history(session) -> list[AuditRow]:
    return audit_rows(_trail().filter(session=session))


def learner_history(cohort, learner) -> list[AuditRow]:
    return audit_rows(_trail().filter(session__cohort=cohort, learner=learner))


def cohort_history(cohort) -> list[AuditRow]:
    return audit_rows(_trail().filter(session__cohort=cohort))
