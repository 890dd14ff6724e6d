"""CSV import of learners with their enrolment: decode, parse, validate, then commit at once.

The flow is upload → preview → commit. The preview and the commit run the same validation on
the same text, so what the preview promised is what the commit does, or nothing at all."""

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms.accounts.usernames import USERNAME_MAX, taken_usernames, username_base, username_pick
from lms.accounts.validators import SANE_DATE_MAX, SANE_DATE_MIN, validate_person_name
from lms.cohorts.models import Cohort

from .enums import EnrollmentSource
from .models import Enrollment, EnrollmentStatusChange
from .perms import paths_managed_by
from .services import OPEN_STATUSES, enrollment_create, enrollment_move, membership_set_start

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Bulk look-ups go by chunks so that no query exceeds the database's parameter limit
# (SQLite's is the lowest); files up to this many rows take one query per look-up.
CHUNK = 500

# Canonical field → accepted header spellings, already normalised by `_header_key`.
COLUMNS: dict[str, tuple[str, ...]] = {
    "last_name": ("nom", "nom_de_famille", "last_name", "lastname", "surname", "family_name"),
    "first_name": ("prenom", "first_name", "firstname", "given_name"),
    "email": ("email", "e_mail", "courriel", "mail", "adresse_email", "adresse_e_mail"),
    "phone": ("telephone", "tel", "phone", "portable", "mobile"),
    "birth_date": ("date_de_naissance", "date_naissance", "naissance", "birth_date",
                   "birthdate", "date_of_birth"),
    "username": ("identifiant", "username", "login"),
    "path": ("parcours", "path", "training_path", "formation"),
    "cohort": ("groupe", "cohorte", "cohort", "group"),
    "enrolled_at": ("date_d_inscription", "date_inscription", "inscription", "enrolled_at",
                    "enrolment_date", "enrollment_date"),
}
REQUIRED = ("last_name", "first_name", "email", "path")
# The file format's own column names (French first); they are data, not interface text.
CANONICAL_HEADERS = {
    "last_name": "nom", "first_name": "prénom", "email": "email", "phone": "téléphone",
    "birth_date": "date de naissance", "username": "identifiant", "path": "parcours",
    "cohort": "groupe", "enrolled_at": "date d'inscription",
}
COLUMN_HELP = {
    "last_name": gettext_lazy("Last name. Required."),
    "first_name": gettext_lazy("First name. Required."),
    "email": gettext_lazy("Email address. Required."),
    "phone": gettext_lazy("Phone number. Optional."),
    "birth_date": gettext_lazy("Birth date, DD/MM/YYYY. Optional."),
    "username": gettext_lazy("Username. Optional: made from first name and last name."),
    "path": gettext_lazy("Training path: its slug or its exact title. Required."),
    "cohort": gettext_lazy("Cohort (group) of that path, by name. Optional."),
    "enrolled_at": gettext_lazy("Enrolment date, DD/MM/YYYY. Optional: today."),
}

DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
username_validator = UnicodeUsernameValidator()


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing per row can be said."""

    def __init__(self, code: str, message: str, line: int | None = None):
        super().__init__(message)
        self.code, self.message, self.line = code, message, line


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # as written in the file's header, or the canonical name
    code: str
    message: str


@dataclass
class ParsedFile:
    headers: dict[str, str]  # canonical field → header as written
    rows: list[tuple[int, dict[str, str]]]  # (line number in the file, values by field)
    extra_values: set[int] = field(default_factory=set)  # lines with more values than columns


@dataclass
class RowPlan:
    line: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    learner: object = None  # existing User, when matched
    learner_key: tuple | None = None
    username: str = ""
    email: str = ""
    birth_date: datetime.date | None = None
    enrolled_at: datetime.date | None = None
    path: object = None
    cohort: Cohort | None = None
    already_enrolled: bool = False
    # Already enrolled in the path in no group (self-enrolled, most often), and the file names
    # a group: they are placed in it.
    to_place: bool = False

    @property
    def is_new_learner(self) -> bool:
        return self.learner is None


@dataclass
class ImportPreview:
    rows: list[RowPlan]

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not self.errors

    @property
    def counts(self) -> dict[str, int]:
        ok = [row for row in self.rows if not row.errors]
        return {
            "learners_new": len({row.learner_key for row in ok if row.is_new_learner}),
            "learners_existing": len({row.learner_key for row in ok if not row.is_new_learner}),
            "enrollments_new": sum(1 for row in ok if not row.already_enrolled),
            "enrollments_existing": sum(1 for row in ok if row.already_enrolled
                                        and not row.to_place),
            "enrollments_to_place": sum(1 for row in ok if row.to_place),
        }


@dataclass
class ImportSummary:
    learners_created: int = 0
    learners_matched: int = 0
    enrollments_created: int = 0
    already_enrolled: int = 0
    placed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


# --- Decoding and parsing -------------------------------------------------------------------

def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# How many line numbers a message lists of each kind: enough to find them, not a wall of text.
MIXED_LINES_SHOWN = 10


def _line_numbers(lines: list[int]) -> str:
    shown = ", ".join(str(line) for line in lines[:MIXED_LINES_SHOWN])
    return shown + ("…" if len(lines) > MIXED_LINES_SHOWN else "")


def _refuse_mixed_encodings(data: bytes) -> None:
    """Refuse a file whose lines are not all in one encoding: rows pasted from a UTF-8 file
    into one saved in Windows-1252 (or the reverse) would be decoded wrong without a word,
    "Zoé" becoming "ZoÃ©". Each line is looked at once: lines with letters beyond ASCII are
    either valid UTF-8 or not; both kinds in one file is a mix."""
    utf8_lines, other_lines = [], []
    for number, line in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_lines.append(number)
        else:
            utf8_lines.append(number)
    if utf8_lines and other_lines:
        raise ImportFileError("mixed_encodings", _(
            "This file mixes two encodings: lines %(utf8)s are in UTF-8, lines %(other)s are "
            "not (Windows-1252?). Their accents would be read wrong: save the whole file again "
            "as “CSV UTF-8” and try again."
        ) % {"utf8": _line_numbers(utf8_lines), "other": _line_numbers(other_lines)},
            min(utf8_lines[0], other_lines[0]))


def decode_upload(data: bytes) -> str:
    """Bytes as French offices export them (UTF-8 with or without BOM, Windows-1252, or
    Excel's UTF-16 “Unicode text”) to text; binary content is refused."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("too_large", _("The file is larger than 2 MB."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        attempts = [("utf-16", data)]
    else:
        _refuse_mixed_encodings(data)
        # A UTF-8 BOM on a file edited since in Windows-1252: the BOM is not a header.
        attempts = [("utf-8-sig", data), ("cp1252", data.removeprefix(b"\xef\xbb\xbf"))]
    text = None
    for encoding, content in attempts:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    # cp1252 decodes nearly any byte string: control characters betray a binary file.
    if text is None or any(unicodedata.category(char) == "Cc" and char not in "\t\r\n"
                           for char in text):
        raise ImportFileError("undecodable", _(
            "This file cannot be read as text. Save it as CSV (UTF-8 or Windows) and try again."
        ))
    if not text.strip():
        raise ImportFileError("empty", _("The file is empty."))
    return text


def _fold(value: str) -> str:
    """Lower case without accents: “Prénom” and “PRENOM” are the same header."""
    decomposed = unicodedata.normalize("NFKD", value.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _header_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", _fold(value)).strip("_")


ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


def _delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _clean(value: str) -> str:
    # NFC as every stored name (lms.accounts.validators): the same person typed decomposed
    # in one file and composed in another is one person.
    return unicodedata.normalize("NFC", value.replace("\u00a0", " ")).strip()


def parse_csv(text: str) -> ParsedFile:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = _delimiter(first)
    # Excel may write a “sep=;” line before the header to say which delimiter it used.
    if match := re.fullmatch(r"\s*sep=(.)\s*", first):
        delimiter = match.group(1)
        text = text.replace(first, "", 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: dict[str, str] = {}
    header_index: dict[str, int] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    extra: set[int] = set()
    previous_end = 0
    try:
        for record in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(_clean(value) for value in record):
                continue
            if not headers:
                for index, raw in enumerate(record):
                    name = ALIASES.get(_header_key(raw))
                    if name is None:
                        continue  # other columns (notes, ids of another tool) are ignored
                    if name in headers:
                        raise ImportFileError("duplicate_column", _(
                            "The columns “%(first)s” and “%(second)s” say the same thing: "
                            "keep only one."
                        ) % {"first": headers[name], "second": raw.strip()}, line)
                    headers[name] = raw.strip()
                    header_index[name] = index
                missing = [CANONICAL_HEADERS[name] for name in REQUIRED if name not in headers]
                if missing:
                    raise ImportFileError("missing_column", ngettext(
                        "Required column missing: %(columns)s. The first line must name the "
                        "columns.",
                        "Required columns missing: %(columns)s. The first line must name the "
                        "columns.",
                        len(missing),
                    ) % {"columns": ", ".join(missing)}, line)
                width = len(record)
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError("too_many_rows", _(
                    "The file has more than %(max)s rows: split it into several files."
                ) % {"max": MAX_ROWS})
            values = {name: _clean(record[index]) if index < len(record) else ""
                      for name, index in header_index.items()}
            if any(_clean(value) for value in record[width:]):
                extra.add(line)
            rows.append((line, values))
    except csv.Error as error:
        raise ImportFileError("malformed", _(
            "The file is not a valid CSV near line %(line)s."
        ) % {"line": reader.line_num}, reader.line_num) from error
    if not headers:
        raise ImportFileError("empty", _("The file is empty."))
    if not rows:
        raise ImportFileError("no_rows", _("The file has column names but no learner."))
    return ParsedFile(headers=headers, rows=rows, extra_values=extra)


# --- Validation -----------------------------------------------------------------------------

def parse_date(value: str) -> datetime.date:
    """DD/MM/YYYY (also with . or -) as typed in France, or ISO YYYY-MM-DD."""
    if match := DMY.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := YMD.match(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(value)
    return datetime.date(year, month, day)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Lookups:
    """Everything the rows refer to, fetched in a fixed number of queries whatever the number
    of rows (up to CHUNK of them)."""

    def __init__(self, user, rows: list[RowPlan]):
        User = get_user_model()
        self.user = user
        self.paths_by_slug: dict[str, object] = {}
        self.paths_by_title: dict[str, list] = {}
        # A trainer's scope: a path they don't manage is looked up as if it didn't exist.
        for path in paths_managed_by(user).only("id", "title", "slug"):
            self.paths_by_slug[path.slug.casefold()] = path
            self.paths_by_title.setdefault(_fold(path.title), []).append(path)

        usernames = sorted({row.values.get("username", "") for row in rows} - {""})
        emails = sorted({row.email.lower() for row in rows if row.email})
        self.by_username: dict[str, object] = {}
        self.by_email: dict[str, list] = {}
        identifiers = [("u", name) for name in usernames] + [("e", mail) for mail in emails]
        for chunk in _chunks(identifiers):
            names = [value for kind, value in chunk if kind == "u"]
            mails = [value for kind, value in chunk if kind == "e"]
            users = (User.objects.annotate(email_lower=Lower("email"))
                     .filter(Q(username__in=names) | Q(email_lower__in=mails)))
            for user_ in users:
                self.by_username[user_.username] = user_
                self.by_email.setdefault(user_.email_lower, [])
                if user_ not in self.by_email[user_.email_lower]:
                    self.by_email[user_.email_lower].append(user_)

        # Only learners new to the site need a username made up for them.
        bases = {username_base(row.values.get("first_name", ""),
                               row.values.get("last_name", ""), row.email)
                 for row in rows if not row.values.get("username")
                 and row.email.lower() not in self.by_email}
        self.taken: set[str] = {name.casefold() for name in usernames}
        self.taken |= taken_usernames(bases)

    def path(self, value: str):
        """(path, error code): by slug first, then by exact title."""
        if found := self.paths_by_slug.get(value.casefold()):
            return found, None
        matches = self.paths_by_title.get(_fold(value), [])
        if len(matches) > 1:
            return None, "ambiguous_path"
        return (matches[0], None) if matches else (None, "unknown_path")

    def fetch_cohorts_and_enrollments(self, rows: list[RowPlan]) -> None:
        path_ids = sorted({row.path.pk for row in rows if row.path})
        self.cohorts: dict[tuple[int, str], list[Cohort]] = {}
        # A trainer places learners only in their own cohorts, or in any cohort of a path they
        # train as a whole; another trainer's cohort is looked up as unknown.
        cohorts = Cohort.objects.managed_by(self.user).filter(path_id__in=path_ids)
        for cohort in cohorts.only("id", "name", "path_id"):
            self.cohorts.setdefault((cohort.path_id, _fold(cohort.name)), []).append(cohort)
        learner_ids = sorted({row.learner.pk for row in rows if row.learner})
        # (learner, path) → whether that enrolment waits for a group (placeable).
        self.enrolled: dict[tuple[int, int], bool] = {}
        for chunk in _chunks(learner_ids):
            for learner_id, path_id, cohort_id, status in (
                    Enrollment.objects.filter(learner_id__in=chunk, path_id__in=path_ids)
                    .values_list("learner_id", "path_id", "cohort_id", "status")):
                self.enrolled[learner_id, path_id] = (cohort_id is None
                                                      and status in OPEN_STATUSES)

    def new_username(self, base: str) -> str:
        return username_pick(base, self.taken)


def _error(row: RowPlan, parsed: ParsedFile, name: str, code: str, message: str) -> None:
    column = parsed.headers.get(name, CANONICAL_HEADERS.get(name, name))
    row.errors.append(RowError(line=row.line, column=column, code=code, message=message))


def _check_values(row: RowPlan, parsed: ParsedFile) -> None:
    """What can be said of a row without the database."""
    values = row.values
    if row.line in parsed.extra_values:
        _error(row, parsed, "", "extra_values",
               _("This line has more values than the file has columns."))
    for name in REQUIRED:
        if not values.get(name):
            _error(row, parsed, name, "required", _("This value is required."))
    for name in ("last_name", "first_name"):
        if len(values.get(name, "")) > 150:
            _error(row, parsed, name, "too_long", _("At most 150 characters."))
        try:
            validate_person_name(values.get(name, ""))
        except ValidationError as error:
            _error(row, parsed, name, error.code, error.messages[0])
    if len(values.get("phone", "")) > 30:
        _error(row, parsed, "phone", "too_long", _("At most 30 characters."))
    if values.get("email"):
        try:
            validate_email(values["email"])
            row.email = get_user_model().objects.normalize_email(values["email"])
        except ValidationError:
            _error(row, parsed, "email", "invalid_email",
                   _("“%(value)s” is not a valid email address.") % {"value": values["email"]})
    if username := values.get("username"):
        try:
            username_validator(username)
            if len(username) > USERNAME_MAX:
                raise ValidationError("too long")
        except ValidationError:
            _error(row, parsed, "username", "invalid_username", _(
                "A username has at most 150 letters, digits and @ . + - _ characters."
            ))
    for name in ("birth_date", "enrolled_at"):
        if not values.get(name):
            continue
        try:
            setattr(row, name, parse_date(values[name]))
        except ValueError:
            _error(row, parsed, name, "invalid_date", _(
                "“%(value)s” is not a date: write it DD/MM/YYYY."
            ) % {"value": values[name]})
    if row.enrolled_at and not SANE_DATE_MIN <= row.enrolled_at <= SANE_DATE_MAX:
        _error(row, parsed, "enrolled_at", "date_out_of_range", _(
            "Enter a date between %(min)s and %(max)s."
        ) % {"min": SANE_DATE_MIN.strftime("%d/%m/%Y"),
             "max": SANE_DATE_MAX.strftime("%d/%m/%Y")})
    if row.birth_date and not (datetime.date(1900, 1, 1) <= row.birth_date
                               <= timezone.localdate()):
        _error(row, parsed, "birth_date", "invalid_date", _("This birth date is not plausible."))


def _match_learner(row: RowPlan, parsed: ParsedFile, lookups: _Lookups,
                   new_learners: dict[tuple, RowPlan], new_by_email: dict[str, tuple]) -> None:
    """An existing account (by username, else by email) or a learner new to the site, who may
    appear on several lines, one per path."""
    username = row.values.get("username", "")
    email = row.email.lower()
    if username and username in lookups.by_username:
        row.learner = lookups.by_username[username]
    elif email and email in lookups.by_email:
        matches = lookups.by_email[email]
        if username:
            _error(row, parsed, "email", "email_taken", _(
                "This email belongs to an account with another username."))
            return
        if len(matches) > 1:
            _error(row, parsed, "email", "ambiguous_email", _(
                "Several accounts have this email: give the username to choose one."))
            return
        row.learner = matches[0]
    if row.learner is not None:
        row.learner_key = ("pk", row.learner.pk)
        row.username = row.learner.username
        return
    key = ("username", username) if username else new_by_email.get(email, ("email", email))
    first = new_learners.get(key)
    if first is None:
        row.username = username or lookups.new_username(
            username_base(row.values["first_name"], row.values["last_name"], row.email))
        new_learners[key] = row
        new_by_email.setdefault(email, key)
    elif first.email.lower() != email:
        _error(row, parsed, "username", "username_conflict", _(
            "This username is given with another email on line %(line)s."
        ) % {"line": first.line})
        return
    else:
        row.username = first.username
    row.learner_key = key


def build_preview(*, text: str, user) -> ImportPreview:
    """Parse and validate the whole file; raises ImportFileError when it can't be read."""
    parsed = parse_csv(text)
    rows = [RowPlan(line=line, values=values) for line, values in parsed.rows]
    for row in rows:
        _check_values(row, parsed)
    lookups = _Lookups(user, rows)
    new_learners: dict[tuple, RowPlan] = {}
    new_by_email: dict[str, tuple] = {}
    for row in rows:
        if row.values.get("path"):
            row.path, code = lookups.path(row.values["path"])
            if code == "ambiguous_path":
                _error(row, parsed, "path", code, _(
                    "Several paths have this title: give the path's slug instead."))
            elif code:
                _error(row, parsed, "path", code, _(
                    "No path “%(value)s” you can enrol learners in."
                ) % {"value": row.values["path"]})
        # Without a reliable identity, matching would only add noise.
        if not any(error.code in {"required", "invalid_email", "invalid_username"}
                   for error in row.errors):
            _match_learner(row, parsed, lookups, new_learners, new_by_email)
            if (row.learner is not None and not row.learner.is_learner
                    and not user.sees_everything):
                # As services.enrollment_create refuses it: told per row, never a 500.
                _error(row, parsed, "username", "not_a_learner", _(
                    "%(name)s is not a learner: only a manager can enrol this account."
                ) % {"name": row.learner})

    lookups.fetch_cohorts_and_enrollments(rows)
    seen: dict[tuple, int] = {}
    for row in rows:
        if row.path is None:
            continue
        if cohort_name := row.values.get("cohort"):
            cohorts = lookups.cohorts.get((row.path.pk, _fold(cohort_name)), [])
            if len(cohorts) == 1:
                row.cohort = cohorts[0]
            elif cohorts:
                _error(row, parsed, "cohort", "ambiguous_cohort",
                       _("The path has several cohorts with this name."))
            else:
                _error(row, parsed, "cohort", "unknown_cohort", _(
                    "The path has no cohort named “%(value)s”."
                ) % {"value": cohort_name})
        if row.learner_key is None:
            continue
        if row.learner is not None:
            row.already_enrolled = (row.learner.pk, row.path.pk) in lookups.enrolled
            row.to_place = bool(row.cohort is not None and row.already_enrolled
                                and lookups.enrolled[row.learner.pk, row.path.pk])
        duplicate_key = (row.learner_key, row.path.pk)
        if duplicate_key in seen:
            _error(row, parsed, "path", "duplicate", _(
                "Same learner and same path as line %(line)s."
            ) % {"line": seen[duplicate_key]})
        else:
            seen[duplicate_key] = row.line
    return ImportPreview(rows=rows)


# --- Commit ---------------------------------------------------------------------------------

class ImportRejected(Exception):
    """The file no longer validates (or the database changed under it): nothing was written."""

    def __init__(self, preview: ImportPreview | None, message: str):
        super().__init__(message)
        self.preview, self.message = preview, message


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def import_commit(*, text: str, by) -> ImportSummary:
    """Re-validate the file, then create learners and enrolments in one transaction."""
    try:
        preview = build_preview(text=text, user=by)
    except ImportFileError as error:
        raise ImportRejected(None, error.message) from error
    if not preview.is_valid:
        raise ImportRejected(preview, _("The file has errors: nothing was imported."))
    User = get_user_model()
    summary = ImportSummary()
    try:
        with transaction.atomic():
            learners: dict[tuple, object] = {}
            created = []
            for row in preview.rows:
                if row.learner_key in learners:
                    continue
                if row.learner is not None:
                    learners[row.learner_key] = row.learner
                    continue
                learner = User(
                    username=row.username, email=row.email,
                    first_name=row.values["first_name"], last_name=row.values["last_name"],
                    phone=row.values.get("phone", ""), birth_date=row.birth_date,
                    is_learner=True,
                )
                learner.set_unusable_password()
                learners[row.learner_key] = learner
                created.append(learner)
            # Nothing listens to a user's creation: one INSERT per CHUNK learners, not per learner.
            User.objects.bulk_create(created, batch_size=CHUNK)
            summary.learners_created = len(created)
            summary.learners_matched = len(learners) - len(created)
            for row in preview.rows:
                learner = learners[row.learner_key]
                if row.to_place:
                    # Enrolled in no group (self-enrolled): placed in the file's group, and
                    # convened to its sessions.
                    enrollment_move(enrollment=Enrollment.objects.get(
                        learner=learner, path=row.path), cohort=row.cohort, by=by)
                    summary.placed += 1
                    continue
                if row.already_enrolled and learner.is_learner:
                    # enrollment_create would return it untouched: spare its queries.
                    summary.already_enrolled += 1
                    continue
                enrollment, was_created = enrollment_create(
                    learner=learner, path=row.path, source=EnrollmentSource.IMPORT, by=by,
                    cohort=row.cohort,
                )
                if not was_created:
                    summary.already_enrolled += 1
                    continue
                summary.enrollments_created += 1
                if row.enrolled_at:
                    _backdate(enrollment, row.enrolled_at)
    except IntegrityError as error:
        # Someone created the same username between the preview and now.
        raise ImportRejected(None, _(
            "The data changed while importing: nothing was imported. Upload the file again."
        )) from error
    return summary


def _backdate(enrollment: Enrollment, day: datetime.date) -> None:
    """The file's enrolment date replaces “now”, on the enrolment and its first history row;
    enrollment_create has no parameter for it."""
    moment = _local_midnight(day)
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=moment,
                                                       status_changed_at=moment)
    EnrollmentStatusChange.objects.filter(enrollment=enrollment, from_status="").update(
        changed_at=moment)
    try:
        with transaction.atomic():
            membership_set_start(enrollment=enrollment, start_date=day)
    except ValidationError:
        # A sheet of those days is already closed without them: they stay expected from
        # the import's day, and the closed sheets keep saying who was there.
        pass


def template_csv() -> str:
    """An empty file with the expected columns, in the delimiter French spreadsheets use."""
    return ";".join(CANONICAL_HEADERS.values()) + "\r\n"

