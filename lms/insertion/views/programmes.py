"""The insertion programmes' pages: the list, a new programme, its settings and staff. A manager
sees and changes every programme; insertion staff create programmes and change those they
staff. Written by services.programme_create / programme_update, like the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path as url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.accounts.models import User

from .. import services
from ..forms import ProgrammeForm, add_service_errors
from ..models import Programme
from ..perms import can_create_programme, can_edit_programme


def _require_creator(user) -> None:
    # 404 rather than 403: trainers and learners learn nothing of what exists here.
    if not can_create_programme(user):
        raise Http404


def _save(request, form, *, write):
    try:
        return write(**form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


@login_required
@require_GET
def programme_list(request):
    _require_creator(request.user)
    staff = User.objects.order_by("last_name", "first_name", "pk")
    programmes = (Programme.objects.visible_to(request.user)
                  .prefetch_related(Prefetch("staff", queryset=staff))
                  .annotate(trainee_count=Count("trainees"))
                  .order_by("-start_date", "name"))
    return render(request, "insertion/programmes/list.html", {"programmes": programmes})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_create(request):
    _require_creator(request.user)
    form = ProgrammeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            programme = _save(request, form, write=lambda **data: services.programme_create(
                by=request.user, **data))
            if programme is not None:
                messages.success(request, _("The programme %(name)s is created.")
                                 % {"name": programme.name})
                return redirect("insertion:programme_list")
        return render(request, "insertion/programmes/form.html", {"form": form}, status=400)
    return render(request, "insertion/programmes/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_edit(request, programme_id):
    programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=programme_id)
    if not can_edit_programme(request.user, programme):
        raise Http404
    form = ProgrammeForm(request.POST or None, programme=programme, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            saved = _save(request, form, write=lambda **data: services.programme_update(
                programme=programme, by=request.user, **data))
            if saved is not None:
                messages.success(request, _("The programme %(name)s is saved.")
                                 % {"name": saved.name})
                return redirect("insertion:programme_list")
        return render(request, "insertion/programmes/form.html",
                      {"form": form, "programme": programme}, status=400)
    return render(request, "insertion/programmes/form.html",
                  {"form": form, "programme": programme})


urlpatterns = [
    url("programmes/", programme_list, name="programme_list"),
    url("programmes/nouveau/", programme_create, name="programme_create"),
    url("programmes/<int:programme_id>/modifier/", programme_edit, name="programme_edit"),
]
