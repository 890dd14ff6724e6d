"""The site's pages to create, change and close a group (trainers of the path, the group's
trainers, managers). Everything is written by lms.cohorts.services; the group's planning page
(sessions, exports) is the attendance app's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms import CohortCloseForm, CohortForm, paths_open_to
from .models import Cohort


def _refused(form, error) -> None:
    """A service's refusal as the form's errors, on the field it names when the form has it."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You cannot change this group."))
    elif hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _staff_or_404(user) -> None:
    # 404 rather than 403, as the other staff pages: nobody learns what exists here.
    if not (user.sees_everything or user.is_trainer):
        raise Http404


def _cohort_or_404(request, cohort_id) -> Cohort:
    return get_object_or_404(Cohort.objects.managed_by(request.user).select_related("path"),
                             pk=cohort_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_create(request):
    user = request.user
    _staff_or_404(user)
    status = 200
    if request.method == "POST":
        form = CohortForm(request.POST, user=user)
        if form.is_valid():
            try:
                cohort = services.cohort_create(by=user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                _refused(form, error)
            else:
                messages.success(request, _("The group %(name)s is created: plan its sessions "
                                            "and place its learners.") % {"name": cohort.name})
                return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
        status = 400
    else:
        initial = {"trainers": [user.pk]} if user.is_trainer else {}
        form = CohortForm(user=user, initial=initial)
    return render(request, "cohorts/form.html", {
        "form": form, "cohort": None, "has_paths": paths_open_to(user).exists(),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_edit(request, cohort_id):
    cohort = _cohort_or_404(request, cohort_id)
    status = 200
    if cohort.is_closed:
        messages.info(request, _("This group is closed: it no longer changes."))
        return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
    if request.method == "POST":
        form = CohortForm(request.POST, user=request.user, cohort=cohort)
        if form.is_valid():
            data = dict(form.cleaned_data)
            trainers = data.pop("trainers")
            try:
                services.cohort_update(cohort=cohort, by=request.user, trainers=trainers,
                                       **data)
            except (ValidationError, PermissionDenied) as error:
                _refused(form, error)
            else:
                messages.success(request, _("The group %(name)s is saved.")
                                 % {"name": data["name"]})
                return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
        status = 400
    else:
        form = CohortForm(user=request.user, cohort=cohort)
    return render(request, "cohorts/form.html", {"form": form, "cohort": cohort,
                                                 "has_paths": True}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cohort_close(request, cohort_id):
    cohort = _cohort_or_404(request, cohort_id)
    status = 200
    if request.method == "POST":
        form = CohortCloseForm(request.POST)
        if form.is_valid():
            try:
                services.cohort_close(cohort=cohort, by=request.user,
                                      on_date=form.cleaned_data["on_date"])
            except (ValidationError, PermissionDenied) as error:
                _refused(form, error)
            else:
                messages.success(request, _("The group %(name)s is closed.")
                                 % {"name": cohort.name})
                return redirect("attendance:cohort_detail", cohort_id=cohort.pk)
        status = 400
    else:
        form = CohortCloseForm()
    return render(request, "cohorts/close.html", {"form": form, "cohort": cohort},
                  status=status)


app_name = "cohorts"
urlpatterns = [
    url("nouveau/", cohort_create, name="create"),
    url("<int:cohort_id>/modifier/", cohort_edit, name="edit"),
    url("<int:cohort_id>/cloturer/", cohort_close, name="close"),
]
