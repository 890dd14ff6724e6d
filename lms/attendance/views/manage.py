"""Trainers' and managers' pages for a cohort: learners with their rate and hours, the sessions
(create a weekly series, cancel one), and the attendance exports."""

import datetime
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.forms import add_service_errors
from lms.progress.enums import EnrollmentStatus
from lms.progress.perms import is_staff

from .. import audit, exports, services
from ..models import AttendanceChange, Session
from ..selectors import figures_by_learner

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


# Scope --------------------------------------------------------------------------------------

def _cohort_or_404(request, cohort_id) -> Cohort:
    # 404 rather than 403: nobody learns which cohorts exist.
    return get_object_or_404(Cohort.objects.scheduled_by(request.user).select_related("path"),
                             pk=cohort_id)


# Forms --------------------------------------------------------------------------------------

def parse_dates(text: str) -> list[datetime.date]:
    """Dates written JJ/MM/AAAA, separated by commas, semicolons or spaces."""
    days, wrong = [], []
    for token in filter(None, re.split(r"[,;\s]+", text.strip())):
        try:
            days.append(datetime.datetime.strptime(token, "%d/%m/%Y").date())
        except ValueError:
            wrong.append(token)
    if wrong:
        raise ValidationError(
            _("Not a date in the form DD/MM/YYYY: %(values)s."),
            params={"values": ", ".join(wrong)}, code="invalid_date",
        )
    return days


class RecurringSessionsForm(forms.Form):
    first_date = forms.DateField(
        label=_("First session"), input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The sessions follow every week on this day."),
    )
    start_time = forms.TimeField(label=_("Start time"),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("End time"),
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    weeks = forms.IntegerField(label=_("Number of weeks"), min_value=1,
                               max_value=services.MAX_RECURRING, initial=10)
    skip_dates = forms.CharField(
        label=_("Dates without a session"), required=False,
        help_text=_("Holidays, closures: DD/MM/YYYY, separated by commas or spaces."),
    )
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    module = forms.ModelChoiceField(label=_("Module covered"), queryset=None, required=False,
                                    empty_label=_("— none —"))
    trainer = forms.ModelChoiceField(label=_("Trainer"), queryset=None, required=False,
                                     empty_label=_("— none —"))

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = cohort.path.modules()
        self.fields["trainer"].queryset = cohort.trainers.order_by("last_name", "first_name")

    def clean_skip_dates(self):
        return parse_dates(self.cleaned_data["skip_dates"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The session must end after it starts."))
        first, weeks, skipped = data.get("first_date"), data.get("weeks"), data.get("skip_dates")
        if first and weeks and skipped:
            series = {first + datetime.timedelta(weeks=n) for n in range(weeks)}
            # A date off the series is most likely a typo: say so rather than ignore it.
            outside = [day for day in skipped if day not in series]
            if outside:
                self.add_error("skip_dates", _(
                    "Not a date of this series: %(values)s."
                ) % {"values": ", ".join(f"{day:%d/%m/%Y}" for day in outside)})
        return data


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             help_text=_("Shown to the learners and kept with the sheet."))


class AmendSessionForm(forms.Form):
    """A manager's amendment of a locked sheet's session, with the reason."""

    date = forms.DateField(label=_("Date"), input_formats=DATE_INPUT_FORMATS,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start_time = forms.TimeField(label=_("Start time"),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("End time"),
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    trainer = forms.TypedChoiceField(label=_("Trainer"), coerce=int, empty_value=None,
                                     required=False)
    cancelled = forms.BooleanField(label=_("The session did not take place: cancel it"),
                                   required=False)
    reason = forms.CharField(label=_("Reason for the amendment"),
                             max_length=services.REASON_MAX_LENGTH,
                             help_text=_("Kept in the sheet's history; the documents already "
                                         "issued from it are issued again."))

    FIELDS = ("date", "start_time", "end_time", "room", "trainer", "cancelled")

    def __init__(self, *args, session: Session, trainer_choices, **kwargs):
        initial = {"date": session.date, "start_time": session.start_time,
                   "end_time": session.end_time, "room": session.room,
                   "trainer": session.trainer_id, "cancelled": session.is_cancelled}
        super().__init__(*args, initial=initial, prefix=f"amend-{session.pk}", **kwargs)
        choices = dict(trainer_choices)
        if session.trainer_id and session.trainer_id not in choices:
            choices[session.trainer_id] = str(session.trainer)  # a substitute stays listed
        self.fields["trainer"].choices = [("", _("— none —")), *choices.items()]

    def changes(self) -> dict:
        changes = {name: self.cleaned_data[name] for name in self.FIELDS
                   if name in self.changed_data}
        if "trainer" in changes:
            changes["trainer"] = (User.objects.get(pk=changes["trainer"])
                                  if changes["trainer"] else None)
        return changes


# Pages --------------------------------------------------------------------------------------

@login_required
@require_GET
def cohort_list(request):
    if not is_staff(request.user):
        raise Http404
    current = ~Q(enrollments__status=EnrollmentStatus.WITHDRAWN)
    cohorts = (Cohort.objects.scheduled_by(request.user).select_related("path")
               .annotate(learner_count=Count("enrollments", filter=current, distinct=True),
                         session_count=Count("sessions", distinct=True,
                                             filter=Q(sessions__cancelled_at__isnull=True)))
               .order_by("-start_date", "name"))
    return render(request, "attendance/manage/cohort_list.html", {"cohorts": cohorts})


def _cohort_page(request, cohort, *, recurring_form=None, cancel_form=None,
                 cancel_session_id=None, amend_form=None, status=200):
    sessions = list(cohort.sessions.select_related("module", "trainer")
                    .annotate(marked=Count("marks", filter=Q(marks__status__isnull=False)))
                    .order_by("date", "start_time", "pk"))
    for session in sessions:
        # A locked sheet is final: it is not cancelled afterwards.
        session.can_cancel = not (session.is_cancelled or session.is_locked)
        if session.pk == cancel_session_id:
            session.cancel_form = cancel_form
        elif session.can_cancel:
            session.cancel_form = CancelSessionForm(prefix=f"cancel-{session.pk}")
    if request.user.sees_everything:
        # A locked sheet changes only by a manager's amendment, with a reason.
        trainer_choices = [(trainer.pk, str(trainer)) for trainer in
                           cohort.trainers.order_by("last_name", "first_name")]
        for session in sessions:
            if amend_form is not None and amend_form.prefix == f"amend-{session.pk}":
                session.amend_form = amend_form
            elif session.is_locked:
                session.amend_form = AmendSessionForm(session=session,
                                                      trainer_choices=trainer_choices)
    learners = exports.cohort_learners(cohort)
    figures = figures_by_learner(cohort, learners=[learner.pk for learner in learners])
    rows = [(learner, figures.get(learner.pk)) for learner in learners]
    if recurring_form is None:
        initial = {}
        if cohort.trainers.filter(pk=request.user.pk).exists():
            initial["trainer"] = request.user.pk
        recurring_form = RecurringSessionsForm(cohort=cohort, initial=initial)
    return render(request, "attendance/manage/cohort_detail.html", {
        "cohort": cohort, "rows": rows, "sessions": sessions,
        "learner_count": len(learners), "recurring_form": recurring_form,
        "cancel_session_id": cancel_session_id,
    }, status=status)


@login_required
@require_GET
def cohort_detail(request, cohort_id):
    return _cohort_page(request, _cohort_or_404(request, cohort_id))


@login_required
@require_POST
def cohort_sessions_recurring(request, cohort_id):
    cohort = _cohort_or_404(request, cohort_id)
    form = RecurringSessionsForm(request.POST, cohort=cohort)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.sessions_create_recurring(
                cohort=cohort, first_date=data["first_date"], start_time=data["start_time"],
                end_time=data["end_time"], weeks=data["weeks"], skip_dates=data["skip_dates"],
                trainer=data["trainer"], module=data["module"], room=data["room"].strip(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, ngettext(
                "%(count)d session created.", "%(count)d sessions created.", len(created),
            ) % {"count": len(created)})
            return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
    return _cohort_page(request, cohort, recurring_form=form, status=400)


@login_required
@require_POST
def cohort_session_cancel(request, cohort_id, session_id):
    cohort = _cohort_or_404(request, cohort_id)
    session = get_object_or_404(Session.objects.select_related("cohort"), cohort=cohort,
                                pk=session_id)
    form = CancelSessionForm(request.POST, prefix=f"cancel-{session.pk}")
    if session.is_cancelled:
        form.add_error(None, _("This session is already cancelled."))
    elif session.is_locked:
        form.add_error(None, _("This sheet is locked: the session took place."))
    if form.is_valid():
        try:
            services.session_cancel(session=session, by=request.user,
                                    reason=form.cleaned_data["reason"])
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session of %(date)s is cancelled.") % {
                "date": f"{session.date:%d/%m/%Y}"})
            return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
    return _cohort_page(request, cohort, cancel_form=form, cancel_session_id=session.pk,
                        status=400)


@login_required
@require_POST
def cohort_session_amend(request, cohort_id, session_id):
    cohort = _cohort_or_404(request, cohort_id)
    if not request.user.sees_everything:
        raise Http404
    session = get_object_or_404(Session.objects.select_related("cohort", "trainer"),
                                cohort=cohort, pk=session_id)
    trainer_choices = [(trainer.pk, str(trainer)) for trainer in cohort.trainers.all()]
    form = AmendSessionForm(request.POST, session=session, trainer_choices=trainer_choices)
    if form.is_valid():
        try:
            services.session_amend(session=session, by=request.user,
                                   reason=form.cleaned_data["reason"], **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The session of %(date)s is amended.") % {
                "date": f"{session.date:%d/%m/%Y}"})
            return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
    return _cohort_page(request, cohort, amend_form=form, status=400)


def _export(request, cohort_id, *, extension, content_type, build):
    cohort = _cohort_or_404(request, cohort_id)
    response = HttpResponse(build(exports.attendance_sheet(cohort)), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.export_filename(cohort, extension)}"'
    )
    return response


@login_required
@require_GET
def cohort_export_xlsx(request, cohort_id):
    return _export(request, cohort_id, extension="xlsx",
                   content_type=exports.XLSX_CONTENT_TYPE, build=exports.sheet_xlsx)


@login_required
@require_GET
def cohort_export_csv(request, cohort_id):
    return _export(request, cohort_id, extension="csv",
                   content_type=exports.CSV_CONTENT_TYPE, build=exports.sheet_csv)


def _history_page(request, *, cohort, rows, session=None, learner=None):
    return render(request, "attendance/manage/history.html", {
        "cohort": cohort, "rows": rows, "session": session, "learner": learner,
    })


@login_required
@require_GET
def session_history(request, cohort_id, session_id):
    """Every change of a session's sheet: before/after, who, when, why."""
    cohort = _cohort_or_404(request, cohort_id)
    session = get_object_or_404(Session.objects.select_related("trainer"), cohort=cohort,
                                pk=session_id)
    return _history_page(request, cohort=cohort, session=session,
                         rows=audit.session_history(session))


@login_required
@require_GET
def learner_history(request, cohort_id, learner_id):
    """Every change of one learner's marks and signatures in the cohort."""
    cohort = _cohort_or_404(request, cohort_id)
    # Withdrawn learners and those moved to another cohort keep their history here.
    learner = get_object_or_404(User.objects.filter(
        Q(enrollments__cohort=cohort)
        | Q(pk__in=AttendanceChange.objects.filter(session__cohort=cohort).values("learner_id"))
    ).distinct(), pk=learner_id)
    return _history_page(request, cohort=cohort, learner=learner,
                         rows=audit.learner_history(cohort, learner))


urlpatterns = [
    url("groupes/", cohort_list, name="cohort_list"),
    url("groupes/<int:cohort_id>/", cohort_detail, name="cohort_detail"),
    url("groupes/<int:cohort_id>/export.xlsx", cohort_export_xlsx, name="cohort_export_xlsx"),
    url("groupes/<int:cohort_id>/export.csv", cohort_export_csv, name="cohort_export_csv"),
    url("groupes/<int:cohort_id>/seances/recurrentes/", cohort_sessions_recurring,
        name="cohort_sessions_recurring"),
    url("groupes/<int:cohort_id>/seances/<int:session_id>/annuler/", cohort_session_cancel,
        name="cohort_session_cancel"),
    url("groupes/<int:cohort_id>/seances/<int:session_id>/avenant/", cohort_session_amend,
        name="cohort_session_amend"),
    url("groupes/<int:cohort_id>/seances/<int:session_id>/historique/", session_history,
        name="session_history"),
    url("groupes/<int:cohort_id>/apprenants/<int:learner_id>/historique/", learner_history,
        name="learner_history"),
]
