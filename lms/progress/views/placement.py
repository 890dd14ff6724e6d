"""“Place learners” in a group: the learners enrolled in its path who are in no group yet
(self-enrolled ones, most often) or in another group of the path the user manages, placed at
once through services.enrollments_place (convened to the sessions; a move keeps the marks)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from lms.cohorts.models import Cohort

from .. import services
from ..forms import PlaceLearnersForm
from ..models import Enrollment


def placeable_enrollments(user, cohort):
    """Open enrolments of the cohort's path in no group, or in another group `user` manages."""
    others = Cohort.objects.managed_by(user).filter(path_id=cohort.path_id).exclude(pk=cohort.pk)
    return (Enrollment.objects
            .filter(path_id=cohort.path_id, status__in=services.OPEN_STATUSES)
            .filter(Q(cohort__isnull=True) | Q(cohort_id__in=others.values("pk")))
            .select_related("learner", "cohort")
            .order_by("cohort_id", "learner__last_name", "learner__first_name", "pk"))


def _refused(form, error) -> None:
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
    elif hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_place(request, cohort_id):
    cohort = get_object_or_404(Cohort.objects.managed_by(request.user).select_related("path"),
                               pk=cohort_id)
    enrollments = placeable_enrollments(request.user, cohort)
    status = 200
    if request.method == "POST":
        form = PlaceLearnersForm(request.POST, cohort=cohort, enrollments=enrollments)
        if form.is_valid():
            try:
                placed = services.enrollments_place(
                    enrollments=list(form.cleaned_data["enrollments"]), cohort=cohort,
                    by=request.user, on_date=form.cleaned_data["on_date"])
            except (ValidationError, PermissionDenied) as error:
                _refused(form, error)
            else:
                messages.success(request, ngettext(
                    "%(count)d learner placed in the group %(cohort)s: they are convened to "
                    "its sessions.",
                    "%(count)d learners placed in the group %(cohort)s: they are convened to "
                    "its sessions.", len(placed)) % {"count": len(placed), "cohort": cohort.name})
                return redirect("progress:trainer_cohort", cohort_id=cohort.pk)
        status = 400
    else:
        form = PlaceLearnersForm(cohort=cohort, enrollments=enrollments)
    rows = list(enrollments)
    ticked = ({int(value) for value in form.data.getlist("enrollments") if value.isdigit()}
              if form.is_bound else set())
    return render(request, "progress/staff/place.html", {
        "cohort": cohort, "path": cohort.path, "form": form, "ticked": ticked,
        "waiting": [row for row in rows if row.cohort_id is None],
        "elsewhere": [row for row in rows if row.cohort_id is not None],
    }, status=status)


urlpatterns = [
    url("formation/groupe/<int:cohort_id>/placer/", cohort_place, name="trainer_cohort_place"),
]
