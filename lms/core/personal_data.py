"""A person's rights over their data: everything held about them (export) and anonymisation
(erasure), while issued documents stay verifiable for their legal retention period.

Erasure anonymises rather than deletes: enrolments, attendance and insertion records keep
feeding the figures owed to funders, but nothing in them points to a named person any more.
Two things are deliberately left untouched because the database refuses any change to them
(attendance migration 0002): the attendance audit trail and the marks of locked sheets."""

import datetime
import logging
import secrets
from decimal import Decimal

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.attendance.models import (
    AbsenceNotice,
    Attendance,
    AttendanceAlert,
    AttendanceChange,
)
from lms.core.models import Notification
from lms.core.notifications import notification_send
from lms.insertion.models import (
    Exit,
    Interview,
    Milestone,
    NoteAccess,
    ObstacleAssessment,
    PlanObjective,
    Trainee,
    TraineeStatusChange,
)
from lms.progress.models import (
    CompetenceAssessment,
    Enrollment,
    EnrollmentStatusChange,
    LessonCompletion,
    QuizAttempt,
)

logger = logging.getLogger(__name__)

ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME = "Personne", "anonymisée"
ANONYMOUS_NAME = f"{ANONYMOUS_FIRST_NAME} {ANONYMOUS_LAST_NAME}"
ANONYMOUS_USERNAME_PREFIX = "anonyme-"
# Required text fields can't be left empty: they get this marker instead.
ERASED_TEXT = "—"
EXPORT_CONTEXT = "personal data export"

# Retention of issued documents, in years after issue.
RETENTION_CERTIFICATE = 3  # certificate of completion
RETENTION_EVIDENCE = 6  # attestations, attendance sheets
RETENTION_CO_FINANCED = 10  # any document of a learner in a co-financed (e.g. ESF) programme

# Which export section holds the rows of each link to the person ("app.Model.field"). The
# tests check that every link from a model to the user model is listed here or is an actor
# field (staff who did something, not the person the record is about).
EXPORT_COVERAGE = {
    "core.Notification.recipient": "notifications",
    "progress.Enrollment.learner": "enrollments",
    "progress.LessonCompletion.learner": "lesson_completions",
    "progress.QuizAttempt.learner": "quiz_attempts",
    "progress.CompetenceAssessment.learner": "competence_assessments",
    "attendance.Attendance.learner": "attendance_marks",
    "attendance.AttendanceChange.learner": "attendance_changes",
    "attendance.AbsenceNotice.learner": "absence_notices",
    "attendance.AttendanceAlert.learner": "attendance_alerts",
    "insertion.Trainee.learner": "insertion",
    "certificates.Document.learner": "documents",
    "cohorts.Cohort.trainers": "staff_roles",
    "courses.TrainingPathPage.trainers": "staff_roles",
    "insertion.Programme.staff": "staff_roles",
    "authtoken.Token.user": "api_tokens",
    "wagtailusers.UserProfile.user": "profile",
    "convocations.SentMessage.learner": "convocations",
    "convocations.CalendarFeed.user": "convocations",
    "convocations.ReminderPreference.user": "convocations",
    "surveys.SurveyInvitation.person": "surveys",
}


# --- Serialisation helpers -------------------------------------------------------------------


def _value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _who(user) -> str | None:
    return None if user is None else str(user)


def _fields(obj, names) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


# --- Export ---------------------------------------------------------------------------------


def _account(user) -> dict:
    data = _fields(user, ["id", "username", "first_name", "last_name", "email", "phone",
                          "birth_date", "employer", "is_active", "is_learner", "is_trainer",
                          "is_insertion_staff", "is_manager", "is_staff", "is_superuser",
                          "date_joined", "last_login"])
    data["password"] = _("(not exported: only a one-way hash is stored)")
    return data


def _staff_roles(user) -> dict:
    from courses.models import TrainingPathPage

    return {
        "trained_cohorts": [{"id": pk, "name": name} for pk, name in
                            user.trained_cohorts.values_list("pk", "name")],
        "trained_paths": [{"id": pk, "title": title} for pk, title in
                          TrainingPathPage.objects.filter(trainers=user)
                          .values_list("pk", "title")],
        "insertion_programmes": [{"id": pk, "name": name} for pk, name in
                                 user.insertion_programmes.values_list("pk", "name")],
    }


def _enrollments(user) -> list[dict]:
    enrollments = (Enrollment.objects.filter(learner=user)
                   .select_related("path", "cohort", "enrolled_by")
                   .prefetch_related("status_changes__changed_by").order_by("enrolled_at"))
    return [{
        **_fields(enrollment, ["id", "status", "source", "enrolled_at", "status_changed_at",
                               "completed_at"]),
        "path": enrollment.path.title,
        "cohort": enrollment.cohort.name if enrollment.cohort else None,
        "enrolled_by": _who(enrollment.enrolled_by),
        "status_history": [{
            **_fields(change, ["from_status", "to_status", "changed_at", "note"]),
            "changed_by": _who(change.changed_by),
        } for change in enrollment.status_changes.all()],
    } for enrollment in enrollments]


def _lesson_completions(user) -> list[dict]:
    return [{**_fields(completion, ["completed_at", "source"]),
             "lesson": completion.lesson.title, "lesson_id": completion.lesson_id}
            for completion in LessonCompletion.objects.filter(learner=user)
            .select_related("lesson").order_by("completed_at")]


def _quiz_attempts(user) -> list[dict]:
    return [{**_fields(attempt, ["block_id", "score", "pass_mark", "passed", "answers",
                                 "submitted_at"]),
             "lesson": attempt.lesson.title, "lesson_id": attempt.lesson_id}
            for attempt in QuizAttempt.objects.filter(learner=user)
            .select_related("lesson").order_by("submitted_at")]


def _competence_assessments(user) -> list[dict]:
    rows = (CompetenceAssessment.objects.filter(learner=user)
            .select_related("competence", "path", "assessed_by").order_by("assessed_on", "pk"))
    return [{
        **_fields(row, ["kind", "level", "method", "evidence", "assessed_on", "created_at"]),
        "competence": f"{row.competence.code} {row.competence.name}",
        "path": row.path.title if row.path else None,
        "assessed_by": _who(row.assessed_by),
    } for row in rows]


def _session(session) -> dict:
    return {"id": session.pk, "cohort": session.cohort.name, "date": _value(session.date),
            "start_time": _value(session.start_time), "end_time": _value(session.end_time)}


def _attendance_marks(user) -> list[dict]:
    marks = (Attendance.objects.filter(learner=user)
             .select_related("session__cohort", "status", "marked_by")
             .order_by("session__date", "session__start_time"))
    return [{
        **_fields(mark, ["id", "minutes_late", "comment", "marked_at", "signature_method",
                         "signature_svg", "signed_at", "override_at"]),
        "session": _session(mark.session),
        "status": mark.status.label if mark.status else None,
        "marked_by": _who(mark.marked_by),
        "sheet_locked": mark.session.locked_at is not None,
    } for mark in marks]


def _attendance_changes(user) -> list[dict]:
    changes = (AttendanceChange.objects.filter(learner=user)
               .select_related("session__cohort", "changed_by").order_by("changed_at", "pk"))
    return [{
        **_fields(change, ["attendance_id", "changed_at", "reason", "before", "after"]),
        "session": _session(change.session),
        "changed_by": _who(change.changed_by),
    } for change in changes]


def _absence_notices(user) -> list[dict]:
    return [{**_fields(notice, ["start_date", "end_date", "reason", "declared_at"]),
             "cohort": notice.cohort.name}
            for notice in AbsenceNotice.objects.filter(learner=user).select_related("cohort")]


def _attendance_alerts(user) -> list[dict]:
    return [{**_fields(alert, ["kind", "key", "details", "created_at"]),
             "cohort": alert.cohort.name}
            for alert in AttendanceAlert.objects.filter(learner=user).select_related("cohort")
            .order_by("created_at")]


def _convocations(user) -> dict:
    from lms.convocations.models import CalendarFeed, ReminderPreference, SentMessage

    return {
        "messages": [_fields(message, ["kind", "channel", "recipient", "subject", "body_text",
                                       "sent_at"])
                     for message in SentMessage.objects.filter(learner=user).order_by("sent_at")],
        "calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
        "reminders_off": ReminderPreference.objects.filter(user=user, reminders_off=True)
        .exists(),
    }


def _erase_convocations(user) -> dict:
    """The log keeps that a convocation was sent, and when (Qualiopi evidence); what named
    the person (address, text) goes, and so do the feed and the preference."""
    from lms.convocations.models import CalendarFeed, ReminderPreference, SentMessage

    return {
        "convocations_anonymised": SentMessage.objects.filter(learner=user).update(
            recipient="", subject=ERASED_TEXT, body_text=ERASED_TEXT, body_html="",
            attachments=[]),
        "calendar_feeds": CalendarFeed.objects.filter(user=user).delete()[0],
        "reminder_preferences": ReminderPreference.objects.filter(user=user).delete()[0],
    }


def _surveys(user) -> list[dict]:
    from lms.surveys.personal_data import surveys_export

    return surveys_export(user)


def _erase_surveys(user) -> dict:
    from lms.surveys.personal_data import surveys_erase

    return surveys_erase(user)


def _notifications(user) -> list[dict]:
    return [_fields(notification, ["title", "body", "url", "created_at", "read_at"])
            for notification in Notification.objects.filter(recipient=user)
            .order_by("created_at")]


def _printed(snapshot: dict) -> dict:
    """What the document prints, without the organisation's images (large, not personal)."""
    return {key: value for key, value in snapshot.items() if key != "organisation"}


def _document(document) -> dict:
    return {
        **_fields(document, ["kind", "version", "status", "code", "requested_at", "issued_at",
                             "revoked_at", "revoke_reason", "override_reason", "sha256"]),
        "verification_url": reverse("certificates:verify", args=[document.code]),
        "path": document.path.title if document.path else None,
        "cohort": document.cohort.name if document.cohort else None,
    }


def _documents(user) -> list[dict]:
    documents = (Document.objects.filter(learner=user).select_related("path", "cohort")
                 .order_by("requested_at"))
    return [{**_document(document), "printed": _printed(document.snapshot)}
            for document in documents]


def _printed_name(user) -> str:
    # What documents print (certificates.snapshots): the full name, else the username.
    return user.get_full_name() or user.username


def _cohort_ids(user) -> set[int]:
    """The cohorts whose attendance sheets may name the person."""
    cohort_ids = set(Enrollment.objects.filter(learner=user, cohort__isnull=False)
                     .values_list("cohort_id", flat=True))
    return cohort_ids | set(Attendance.objects.filter(learner=user)
                            .values_list("session__cohort_id", flat=True))


def _sheets_with(user) -> list[tuple[Document, list[dict]]]:
    """Attendance sheets of the person's cohorts with the rows printed for them."""
    cohort_ids = _cohort_ids(user)
    if not cohort_ids:
        return []
    name = _printed_name(user)
    sheets = []
    for document in (Document.objects.filter(kind=DocumentKind.ATTENDANCE_SHEET,
                                             cohort_id__in=cohort_ids)
                     .select_related("path", "cohort").order_by("requested_at")):
        rows = [row for row in document.snapshot.get("rows", []) if row.get("name") == name]
        if rows:
            sheets.append((document, rows))
    return sheets


def _attendance_sheets(user) -> list[dict]:
    return [{**_document(document), "week_start": _value(document.week_start),
             "session_id": document.session_id, "rows_printed": rows,
             "sessions": document.snapshot.get("sessions", [])}
            for document, rows in _sheets_with(user)]


def _insertion(user) -> list[dict]:
    trainees = (Trainee.objects.filter(learner=user)
                .select_related("programme", "referent", "exit")
                .prefetch_related("status_changes__changed_by", "contracts",
                                  "objectives__milestones", "objectives__training_path",
                                  "obstacles__assessed_by", "interviews__staff",
                                  "note_accesses__user")
                .order_by("entry_date"))
    records = []
    for trainee in trainees:
        exit_ = getattr(trainee, "exit", None)
        records.append({
            **_fields(trainee, ["entry_date", "pass_iae_number", "pass_iae_start",
                                "pass_iae_end", "status", "status_changed_at"]),
            "programme": trainee.programme.name,
            "programme_co_financed": trainee.programme.co_financed,
            "referent": _who(trainee.referent),
            "status_history": [{
                **_fields(change, ["from_status", "to_status", "changed_on", "reason"]),
                "changed_by": _who(change.changed_by),
            } for change in trainee.status_changes.all()],
            "contracts": [_fields(contract, ["kind", "start_date", "end_date", "weekly_hours"])
                          for contract in trainee.contracts.all()],
            "plan": [{
                **_fields(objective, ["category", "title", "target_date", "status",
                                      "created_at"]),
                "training_path": (objective.training_path.title
                                  if objective.training_path else None),
                "milestones": [_fields(milestone, ["title", "due_date", "done_on"])
                               for milestone in objective.milestones.all()],
            } for objective in trainee.objectives.all()],
            "obstacles": [{
                **_fields(row, ["category", "severity", "assessed_on", "note"]),
                "assessed_by": _who(row.assessed_by),
            } for row in trainee.obstacles.all()],
            # The person's right of access covers the confidential notes about them.
            "interviews": [{
                **_fields(interview, ["date", "kind", "notes", "next_steps", "created_at"]),
                "staff": _who(interview.staff),
            } for interview in trainee.interviews.all()],
            "exit": None if exit_ is None else _fields(
                exit_, ["date", "category", "outcome", "comment", "planned"]),
            "note_accesses": [{
                **_fields(access, ["accessed_at", "context"]), "user": _who(access.user),
            } for access in trainee.note_accesses.all()],
        })
    return records


def _api_tokens(user) -> list[dict]:
    from rest_framework.authtoken.models import Token

    # The key itself is a password: only its existence and date are personal data to show.
    return [{"created": _value(created)} for created in
            Token.objects.filter(user=user).values_list("created", flat=True)]


def _profile(user) -> dict | None:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {**_fields(profile, ["preferred_language", "current_time_zone", "theme",
                                "density", "contrast"]),
            "avatar": profile.avatar.name or None}


def personal_data_export(*, user, by=None) -> dict:
    """Everything held about `user`, as JSON-serialisable data. When a staff member (`by`)
    asks for it, the reading of the confidential interview notes it contains is logged like
    any other."""
    if by is not None:
        NoteAccess.objects.bulk_create([
            NoteAccess(trainee=trainee, user=by, context=EXPORT_CONTEXT)
            for trainee in Trainee.objects.filter(learner=user)
        ])
    return {
        "generated_at": timezone.now().isoformat(),
        "account": _account(user),
        "staff_roles": _staff_roles(user),
        "enrollments": _enrollments(user),
        "lesson_completions": _lesson_completions(user),
        "quiz_attempts": _quiz_attempts(user),
        "competence_assessments": _competence_assessments(user),
        "attendance_marks": _attendance_marks(user),
        "attendance_changes": _attendance_changes(user),
        "absence_notices": _absence_notices(user),
        "attendance_alerts": _attendance_alerts(user),
        "notifications": _notifications(user),
        "convocations": _convocations(user),
        "surveys": _surveys(user),
        "documents": _documents(user),
        "attendance_sheets": _attendance_sheets(user),
        "insertion": _insertion(user),
        "api_tokens": _api_tokens(user),
        "profile": _profile(user),
    }


# --- Erasure --------------------------------------------------------------------------------


def is_erasable(user) -> bool:
    """Only learners' accounts: staff accounts sign and act on other people's records."""
    return not (user.is_trainer or user.is_insertion_staff or user.is_manager or user.is_staff
                or user.is_superuser)


def retention_years(kind: str, *, co_financed: bool) -> int:
    if co_financed:
        return RETENTION_CO_FINANCED
    return RETENTION_CERTIFICATE if kind == DocumentKind.CERTIFICATE else RETENTION_EVIDENCE


def retention_until(issued_at: datetime.datetime, years: int) -> datetime.date:
    day = timezone.localdate(issued_at)
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # issued on 29 February
        return day.replace(year=day.year + years, day=28)


def _delete_file_on_commit(field_file) -> None:
    # Only once the erasure is committed: a rollback must not lose the file.
    if field_file:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))


def _expire_document(document: Document, now, batches: set[int]) -> None:
    """Past retention: the PDF goes. An issued document must carry its PDF (database
    constraint), so the record leaves the issued state and says why."""
    _delete_file_on_commit(document.pdf)
    if document.batch_id:
        batches.add(document.batch_id)
    document.pdf = ""
    document.sha256 = ""
    document.status = DocumentStatus.FAILED
    document.error = _("Personal data erased on %(date)s after the retention period: the PDF "
                       "was deleted.") % {"date": timezone.localdate(now).isoformat()}


def _erase_documents(user, *, co_financed: bool, now) -> dict:
    """Documents within their retention period are kept as issued (name printed, PDF,
    verification); past it, their personal fields are anonymised and the PDF deleted."""
    today = timezone.localdate(now)
    kept, anonymised, batches = [], [], set()

    def entry(document, until=None):
        return {"code": document.code, "kind": document.kind,
                "issued_at": _value(document.issued_at),
                "retained_until": _value(until)}

    for document in Document.objects.select_for_update().filter(learner=user):
        if document.status == DocumentStatus.ISSUED:
            until = retention_until(document.issued_at,
                                    retention_years(document.kind, co_financed=co_financed))
            if today < until:
                kept.append(entry(document, until))
                continue
            _expire_document(document, now, batches)
        else:
            # Never issued: nothing to prove, and it must not be issued any more.
            document.status = DocumentStatus.FAILED
            document.error = _("Personal data erased before the document was issued.")
        if document.snapshot.get("learner"):
            document.snapshot["learner"] = {"name": ANONYMOUS_NAME, "employer": ""}
        document.save(update_fields=["pdf", "sha256", "status", "error", "snapshot"])
        anonymised.append(entry(document))

    sheets = _sheets_with(user)
    co_financed_cohorts = set(
        Enrollment.objects.filter(cohort_id__in={sheet.cohort_id for sheet, _rows in sheets},
                                  learner__trainee_records__programme__co_financed=True)
        .values_list("cohort_id", flat=True))
    name = _printed_name(user)
    for document, _rows in sheets:
        # A sheet proves the attendance of the whole group: it is kept as long as any of
        # its learners needs it.
        co_financed_sheet = co_financed or document.cohort_id in co_financed_cohorts
        if document.status == DocumentStatus.ISSUED:
            until = retention_until(document.issued_at, retention_years(
                document.kind, co_financed=co_financed_sheet))
            if today < until:
                kept.append(entry(document, until))
                continue
            _expire_document(document, now, batches)
        for row in document.snapshot.get("rows", []):
            if row.get("name") == name:
                row["name"] = ANONYMOUS_NAME
                for cell in row.get("cells", []):
                    cell["signature_svg"] = ""
        document.save(update_fields=["pdf", "sha256", "status", "error", "snapshot"])
        anonymised.append(entry(document))

    # A sheet still being made may have read the name and signatures before this erasure:
    # it is given up (its render then keeps nothing, certificates.services._mark_issued) and
    # made again, without them, when asked for.
    Document.objects.filter(
        kind=DocumentKind.ATTENDANCE_SHEET, cohort_id__in=_cohort_ids(user),
        status__in=[DocumentStatus.PENDING, DocumentStatus.RENDERING],
    ).update(status=DocumentStatus.FAILED, error=_(
        "A learner's personal data was erased while this sheet was being made: ask for it "
        "again."))

    from certificates.models import DocumentBatch

    # A batch's ZIP holds copies of the PDFs: it goes with them.
    for batch in DocumentBatch.objects.filter(pk__in=batches).exclude(archive=""):
        _delete_file_on_commit(batch.archive)
        batch.archive = ""
        batch.save(update_fields=["archive"])
    return {"kept": kept, "anonymised": anonymised}


def _anonymise_mentions(user, names: list[str]) -> int:
    """Notifications sent to staff about the person (attendance alerts…) print their name."""
    names = [name for name in dict.fromkeys(names) if name and len(name) >= 3]
    if not names:
        return 0
    mentions = Q()
    for name in names:
        mentions |= Q(title__contains=name) | Q(body__contains=name)
    changed = []
    for notification in Notification.objects.filter(mentions).exclude(recipient=user):
        for name in names:
            notification.title = notification.title.replace(name, ANONYMOUS_NAME)
            notification.body = notification.body.replace(name, ANONYMOUS_NAME)
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["title", "body"])
    return len(changed)


def _erase_admin_traces(user) -> dict:
    """Admin history entries about the account show its name."""
    from rest_framework.authtoken.models import Token
    from wagtail.models import ModelLogEntry
    from wagtail.users.models import UserProfile

    content_type = ContentType.objects.get_for_model(get_user_model())
    counts = {
        "admin_log_entries": LogEntry.objects.filter(
            content_type=content_type, object_id=str(user.pk)).update(object_repr=ANONYMOUS_NAME),
        "wagtail_log_entries": ModelLogEntry.objects.filter(
            content_type=content_type, object_id=str(user.pk)).update(label=ANONYMOUS_NAME),
        "api_tokens": Token.objects.filter(user=user).delete()[0],
    }
    profile = UserProfile.objects.filter(user=user).first()
    if profile is not None:
        _delete_file_on_commit(profile.avatar)
        profile.delete()
    counts["profile"] = int(profile is not None)
    return counts


def _new_username() -> str:
    user_model = get_user_model()
    while True:
        username = ANONYMOUS_USERNAME_PREFIX + secrets.token_hex(5)
        if not user_model.objects.filter(username=username).exists():
            return username


def _erased_signature() -> str:
    # Where a drawn signature was: a valid SVG that says it was erased, so that every page
    # and sheet still renders.
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 200">'
            '<text x="20" y="110" font-size="32" fill="#555">'
            f'{escape(_("Signature erased"))}</text></svg>')


@transaction.atomic
def personal_data_erase(*, user, by, reason: str) -> dict:
    """Anonymise a learner's account and the free text about them, in one transaction.

    `by` is the manager asking (None from the command line). Returns what was changed, what
    was retained and why; the erasure itself is logged and notified to managers."""
    if by is not None and not by.sees_everything:
        raise PermissionDenied(_("Only a manager erases personal data."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the erasure (the request and "
                                           "its date).")})
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    if not is_erasable(user):
        raise ValidationError(_("Only a learner's account can be erased: a staff account "
                                "signs and records other people's data. Remove its roles "
                                "first."))
    now = timezone.now()
    names = [user.get_full_name(), str(user), _printed_name(user)]
    co_financed = Trainee.objects.filter(learner=user, programme__co_financed=True).exists()

    documents = _erase_documents(user, co_financed=co_financed, now=now)
    # Imported here: lms.attendance.services imports apps that import this module.
    from lms.attendance.services import marks_erase_personal_data

    erased_marks = marks_erase_personal_data(learner=user, by=by,
                                             erased_svg=_erased_signature())
    locked_marks = Attendance.objects.filter(learner=user, session__locked_at__isnull=False)
    trainees = Trainee.objects.filter(learner=user)
    changed = {
        "absence_notices": AbsenceNotice.objects.filter(learner=user).update(
            reason=ERASED_TEXT),
        "quiz_attempts": QuizAttempt.objects.filter(learner=user).update(answers={}),
        "competence_assessments": CompetenceAssessment.objects.filter(learner=user)
        .exclude(evidence="").update(evidence=""),
        "enrollment_status_notes": EnrollmentStatusChange.objects.filter(
            enrollment__learner=user).exclude(note="").update(note=""),
        "attendance_comments": erased_marks["comments"],
        "attendance_signatures": erased_marks["signatures"],
        "notifications_deleted": Notification.objects.filter(recipient=user).delete()[0],
        "notifications_mentioning": _anonymise_mentions(user, names),
        "trainee_records": trainees.update(pass_iae_number=""),
        "trainee_status_reasons": TraineeStatusChange.objects.filter(
            trainee__in=trainees).exclude(reason="").update(reason=""),
        "plan_objectives": PlanObjective.objects.filter(trainee__in=trainees).update(
            title=ERASED_TEXT),
        "milestones": Milestone.objects.filter(objective__trainee__in=trainees).update(
            title=ERASED_TEXT),
        "obstacle_notes": ObstacleAssessment.objects.filter(trainee__in=trainees)
        .exclude(note="").update(note=""),
        "interview_notes": Interview.objects.filter(trainee__in=trainees).update(
            notes="", next_steps=""),
        "exit_comments": Exit.objects.filter(trainee__in=trainees).exclude(comment="")
        .update(comment=""),
        **_erase_admin_traces(user),
        **_erase_convocations(user),
        **_erase_surveys(user),
        "documents_anonymised": len(documents["anonymised"]),
    }

    old_id = user.pk
    user.first_name, user.last_name = ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME
    user.username = _new_username()
    user.email = user.phone = user.employer = ""
    user.birth_date = None
    user.is_active = False
    user.erased_at = now
    user.set_unusable_password()  # also ends their open sessions
    user.save()

    audit_rows = AttendanceChange.objects.filter(learner=user).count()
    locked = locked_marks.count()
    retained = []
    if documents["kept"]:
        retained.append({
            "what": "documents", "count": len(documents["kept"]),
            "why": _("Issued documents stay verifiable, with the name they print, until the "
                     "end of their legal retention: 3 years for a certificate of completion, "
                     "6 years for other supporting evidence, 10 years in a co-financed "
                     "programme."),
        })
    if audit_rows:
        retained.append({
            "what": "attendance_changes", "count": audit_rows,
            "why": _("The attendance audit trail is insert-only, enforced by the database: "
                     "its rows (with the comments they recorded) are kept and now point to "
                     "the anonymised account."),
        })
    if locked:
        retained.append({
            "what": "locked_attendance_marks", "count": locked,
            "why": _("Marks of sheets locked by the trainer's countersignature can't be "
                     "changed (database rule): their comments and signatures are the proof "
                     "of attendance and are kept."),
        })
    retained.append({
        "what": "records_without_identity", "count": None,
        "why": _("Enrolments, progress, attendance, insertion follow-up (contracts, exits, "
                 "interview dates, obstacle levels) and the log of accesses to notes are kept "
                 "for the figures owed to funders and for accountability, without name or "
                 "free text."),
    })
    result = {
        "user_id": old_id,
        "username": user.username,
        "erased_at": now.isoformat(),
        "by": _who(by) or _("command line"),
        "by_id": by.pk if by is not None else None,
        "reason": reason.strip(),
        "changed": changed,
        "documents": documents,
        "retained": retained,
    }
    logger.info("Personal data erased: user #%s by %s (%s), reason: %s", old_id,
                result["by"], result["by_id"], result["reason"])
    managers = list(user_model.objects.filter(is_manager=True, is_active=True))
    title = _("Personal data erased: account #%(id)s") % {"id": old_id}
    body = _("The account #%(id)s (now %(username)s) was anonymised on %(date)s by %(by)s. "
             "Reason: %(reason)s") % {"id": old_id, "username": user.username,
                                      "date": timezone.localdate(now).isoformat(),
                                      "by": result["by"], "reason": result["reason"]}
    transaction.on_commit(lambda: notification_send(recipients=managers, title=title,
                                                    body=body))
    return result
