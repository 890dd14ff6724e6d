"""Trainer and manager views: the learners × modules matrix of a path or a cohort with a quick
competence validation, and the manager's dashboard with its CSV/XLSX exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.utils.http import urlencode
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from lms.cohorts.models import Cohort

from ..enums import AssessmentKind
from ..forms import PeriodForm, QuickValidationForm
from ..perms import is_staff, paths_managed_by
from ..reports import (
    bar_chart,
    export_filename,
    followed_enrollments,
    manager_report,
    progress_matrix,
    report_csv,
    report_xlsx,
    targeted_competences,
    trainer_index,
)
from ..services import assessment_record

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@transaction.atomic
def competence_validate_many(*, learners, competence, level, method, by, path, assessed_on,
                             evidence="") -> int:
    """Validate one competence for several learners: all rows are written or none is."""
    for learner in learners:
        assessment_record(learner=learner, competence=competence,
                          kind=AssessmentKind.VALIDATION, level=level, method=method, by=by,
                          path=path, assessed_on=assessed_on, evidence=evidence)
    return len(learners)


def _require_trainer(user):
    if not is_staff(user):
        raise Http404


def _require_manager(user):
    # 404 rather than 403: a trainer learns nothing about what exists here.
    if not user.sees_everything:
        raise Http404


@login_required
@require_GET
def trainer_home(request):
    _require_trainer(request.user)
    return render(request, "progress/staff/index.html",
                  {"index": trainer_index(request.user)})


def _matrix_page(request, *, path, enrollments, cohort=None):
    matrix = progress_matrix(enrollments=enrollments, path=path)
    competences = targeted_competences(path)
    form_kwargs = {"competences": competences, "learners": matrix.learners}
    status = 200
    if request.method == "POST":
        form = QuickValidationForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                count = competence_validate_many(
                    learners=form.selected_learners, competence=form.selected_competence,
                    level=form.cleaned_data["level"], method=form.cleaned_data["method"],
                    by=request.user, path=path, assessed_on=form.cleaned_data["assessed_on"],
                    evidence=form.cleaned_data["evidence"],
                )
            except (ValidationError, PermissionDenied) as error:
                reasons = getattr(error, "messages", None) or [str(error)]
                form.add_error(None, ValidationError(reasons))
            else:
                messages.success(request, ngettext(
                    "Competence %(code)s validated at level %(level)s for %(count)d learner.",
                    "Competence %(code)s validated at level %(level)s for %(count)d learners.",
                    count,
                ) % {"code": form.selected_competence.code,
                     "level": form.cleaned_data["level"], "count": count})
                return redirect(request.path)
        status = 400
    else:
        form = QuickValidationForm(**form_kwargs)
    return render(request, "progress/staff/matrix.html", {
        "path": path, "cohort": cohort, "matrix": matrix, "form": form,
        "can_validate": bool(competences), "ticked": form.ticked,
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def trainer_path(request, path_id):
    path = get_object_or_404(paths_managed_by(request.user), pk=path_id)
    enrollments = followed_enrollments(request.user).of_path(path)
    return _matrix_page(request, path=path, enrollments=enrollments)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def trainer_cohort(request, cohort_id):
    cohort = get_object_or_404(Cohort.objects.managed_by(request.user).select_related("path"),
                               pk=cohort_id)
    enrollments = followed_enrollments(request.user).of_path(cohort.path).filter(cohort=cohort)
    return _matrix_page(request, path=cohort.path, enrollments=enrollments, cohort=cohort)


@login_required
@require_GET
def manager_dashboard(request):
    _require_manager(request.user)
    form = PeriodForm.from_query(request.GET)
    if not form.is_valid():
        return render(request, "progress/staff/dashboard.html", {"form": form}, status=400)
    report = manager_report(start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    return render(request, "progress/staff/dashboard.html", {
        "form": form, "report": report, "chart": bar_chart(report),
        "period": urlencode({"start": report.start.isoformat(), "end": report.end.isoformat()}),
    })


def _export(request, *, extension, content_type, build):
    _require_manager(request.user)
    form = PeriodForm.from_query(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages_)}"
                           for name, messages_ in form.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    report = manager_report(start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    response = HttpResponse(build(report), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(report, extension)}"'
    )
    return response


@login_required
@require_GET
def manager_export_csv(request):
    return _export(request, extension="csv", content_type="text/csv; charset=utf-8",
                   build=report_csv)


@login_required
@require_GET
def manager_export_xlsx(request):
    return _export(request, extension="xlsx", content_type=XLSX_TYPE, build=report_xlsx)


urlpatterns = [
    url("formation/", trainer_home, name="trainer_home"),
    url("formation/parcours/<int:path_id>/", trainer_path, name="trainer_path"),
    url("formation/groupe/<int:cohort_id>/", trainer_cohort, name="trainer_cohort"),
    url("pilotage/", manager_dashboard, name="manager_dashboard"),
    url("pilotage/export.csv", manager_export_csv, name="manager_export_csv"),
    url("pilotage/export.xlsx", manager_export_xlsx, name="manager_export_xlsx"),
]
