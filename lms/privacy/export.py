"""A person's right of access: everything held about them, as JSON. Each app says what it
holds (its `learner_*_export` selector); this module puts the sections together."""

from django.utils import timezone

from certificates.selectors import learner_documents_export
from courses.models import TrainingPathPage
from lms.accounts.selectors import account_export
from lms.attendance.selectors import learner_attendance_export
from lms.cohorts.models import Cohort
from lms.convocations.selectors import learner_convocations_export
from lms.core.notifications import notifications_export
from lms.insertion.selectors import learner_insertion_export, programmes_staffed_by
from lms.insertion.services import notes_export_log
from lms.progress.selectors import learner_progress_export
from lms.surveys.personal_data import surveys_export

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


def _staff_roles(user) -> dict:
    return {
        "trained_cohorts": [{"id": pk, "name": name} for pk, name in
                            Cohort.objects.trained_by(user).values_list("pk", "name")],
        "trained_paths": [{"id": pk, "title": title} for pk, title in
                          TrainingPathPage.objects.filter(trainers=user)
                          .values_list("pk", "title")],
        "insertion_programmes": programmes_staffed_by(user),
    }


def personal_data_export(*, user, by=None) -> dict:
    """Everything held about `user`, as JSON-serialisable data. When a staff member (`by`)
    asks for it, the reading of the confidential interview notes it contains is logged like
    any other."""
    if by is not None:
        notes_export_log(learner=user, by=by)
    account = account_export(user)
    return {
        "generated_at": timezone.now().isoformat(),
        "account": account["account"],
        "staff_roles": _staff_roles(user),
        **learner_progress_export(user),
        **learner_attendance_export(user),
        "notifications": notifications_export(user),
        "convocations": learner_convocations_export(user),
        "surveys": surveys_export(user),
        **learner_documents_export(user),
        "insertion": learner_insertion_export(user),
        "api_tokens": account["api_tokens"],
        "profile": account["profile"],
        "logins": account["logins"],
    }
