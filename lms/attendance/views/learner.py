"""The learner's side of the attendance sheet: self check-in with the code shown by the trainer,
absences declared ahead, and their own attendance figures."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.models import Enrollment

from .. import roster, services
from ..checkin_limits import checkin_attempts_exceeded, checkin_attempts_message
from ..forms import AbsenceNoticeEditForm, AbsenceNoticeForm, CheckinForm
from ..models import AbsenceNotice, Attendance, Session
from ..selectors import counted_marks, figures_by_pair

UPCOMING_LIMIT = 5


def _current_cohorts(learner):
    """The cohorts the learner belongs to (withdrawn enrolments excluded)."""
    enrolled = (Enrollment.objects.filter(learner=learner, cohort__isnull=False)
                .exclude(status=EnrollmentStatus.WITHDRAWN).values("cohort_id"))
    return Cohort.objects.filter(pk__in=enrolled).select_related("path")


def _learner_session(request, session_id) -> Session | None:
    """The session if the user is expected at it (in its cohort on its day)."""
    session = Session.objects.select_related("cohort", "module").filter(pk=session_id).first()
    if session is None or not roster.is_expected(session, request.user.pk):
        return None
    return session


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request, session_id):
    session = _learner_session(request, session_id)
    if session is None:
        # Same answer whether the session exists or not: nothing is learnt about others'.
        return render(request, "attendance/learner/not_in_session.html", status=404)
    mark = Attendance.objects.filter(session=session, learner=request.user).first()
    signed = bool(mark and mark.signed_at)
    closed = session.is_cancelled or session.is_locked
    status = 200
    if request.method == "POST" and not (signed or closed):
        form = CheckinForm(request.POST)
        if checkin_attempts_exceeded(request, session=session):
            form.add_error(None, checkin_attempts_message())
            status = 429
        elif form.is_valid():
            try:
                mark = services.checkin_with_code(session=session, learner=request.user,
                                                  code=form.cleaned_data["code"])
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for key, field_errors in error.message_dict.items():
                        form.add_error("code" if key == "code" else None, field_errors)
                else:
                    form.add_error(None, error.messages)
            except PermissionDenied:
                return render(request, "attendance/learner/not_in_session.html", status=404)
            else:
                messages.success(request, _("Your presence is recorded at %(time)s.") % {
                    "time": time_format(timezone.localtime(mark.signed_at), "H:i")})
                return redirect("attendance:checkin", session_id=session.pk)
        status = 400 if status == 200 else status
    elif request.method == "POST":
        # Already signed, or the sheet is closed: re-posting changes nothing.
        return redirect("attendance:checkin", session_id=session.pk)
    else:
        form = CheckinForm(initial={"code": request.GET.get("code", "")[:12].strip().upper()})
    return render(request, "attendance/learner/checkin.html", {
        "session": session, "form": form, "mark": mark, "signed": signed,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def my_absences(request):
    learner = request.user
    cohorts = _current_cohorts(learner)
    form = AbsenceNoticeForm(request.POST or None, cohorts=cohorts)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.absence_declare(learner=learner, cohort=data["cohort"],
                                         start_date=data["start_date"],
                                         end_date=data["end_date"], reason=data["reason"])
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for key, field_errors in error.message_dict.items():
                        form.add_error(key if key in form.fields else None, field_errors)
                else:
                    form.add_error(None, error.messages)
            except PermissionDenied as error:
                form.add_error("cohort", str(error) or _("Choose one of your groups."))
            else:
                messages.success(request, _("Your absence is declared: your trainers will see "
                                            "it on the roll call."))
                return redirect("attendance:my-absences")
        status = 400
    cohort_list = list(cohorts)
    figures = []
    for cohort in cohort_list:
        # One query per cohort; a learner is in one or two cohorts at a time. Only the
        # sessions they were expected at count (not those before they joined).
        marks = roster.expected_marks(counted_marks().filter(session__cohort=cohort,
                                                             learner=learner))
        figures.append((cohort, figures_by_pair(marks).get((learner.pk, cohort.pk))))
    now = timezone.localtime()
    today = now.date()
    notices = list(AbsenceNotice.objects.filter(learner=learner).select_related("cohort")
                   .order_by("-start_date", "-pk"))
    changeable = services.absence_notices_changeable(notices, now=now)
    for notice in notices:
        notice.changeable = changeable[notice.pk]
    return render(request, "attendance/learner/absences.html", {
        "form": form,
        "has_cohorts": bool(cohort_list),
        "figures": figures,
        "notices": notices,
        "upcoming": list(roster.sessions_expected_for(
            learner, Session.objects.scheduled().filter(cohort__in=cohort_list))
            .filter(Q(date__gt=today) | Q(date=today, end_time__gt=now.time()))
            .select_related("cohort", "module").order_by("date", "start_time")[:UPCOMING_LIMIT]),
        "today": today,
    }, status=status)


def _own_notice(request, notice_id) -> AbsenceNotice:
    return get_object_or_404(AbsenceNotice.objects.select_related("cohort"),
                             pk=notice_id, learner=request.user)


def _notice_errors(form, error) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for key, field_errors in error.message_dict.items():
            form.add_error(key if key in form.fields else None, field_errors)
    else:
        form.add_error(None, getattr(error, "messages", None) or [str(error)])


@login_required
@require_http_methods(["GET", "POST"])
def absence_edit(request, notice_id):
    """The learner changes the dates or the reason of a notice, until its session starts."""
    notice = _own_notice(request, notice_id)
    changeable = services.absence_notice_changeable(notice)
    form = AbsenceNoticeEditForm(request.POST or None, initial={
        "start_date": notice.start_date, "end_date": notice.end_date, "reason": notice.reason})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.absence_update(notice=notice, learner=request.user,
                                        start_date=data["start_date"],
                                        end_date=data["end_date"], reason=data["reason"])
            except PermissionDenied as error:
                raise Http404 from error
            except ValidationError as error:
                _notice_errors(form, error)
            else:
                messages.success(request, _("Your absence notice is changed: your trainers "
                                            "will see it on the roll call."))
                return redirect("attendance:my-absences")
    return render(request, "attendance/learner/absence_edit.html", {
        "notice": notice, "form": form, "changeable": changeable}, status=status)


@login_required
@require_POST
def absence_withdraw(request, notice_id):
    """The learner withdraws a notice (they will come after all), until its session starts."""
    notice = _own_notice(request, notice_id)
    try:
        services.absence_withdraw(notice=notice, learner=request.user)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your absence notice is withdrawn."))
    return redirect("attendance:my-absences")


urlpatterns = [
    path("mes-absences/<int:notice_id>/modifier/", absence_edit, name="absence-edit"),
    path("mes-absences/<int:notice_id>/retirer/", absence_withdraw, name="absence-withdraw"),
    path("seances/<int:session_id>/pointer/", checkin, name="checkin"),
    path("mes-absences/", my_absences, name="my-absences"),
]
