"""Managers' pages of the audit packs: ask for one, follow its build, download it. Anyone
else gets a 404 (packs hold personal data: nobody else learns they exist)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors, services
from .enums import PackStatus
from .forms import PackRequestForm
from .models import AuditPack
from .perms import can_see_packs

PAGE_SIZE = 30


def _require_manager(user) -> None:
    if not can_see_packs(user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def pack_list(request):
    _require_manager(request.user)
    form = PackRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pack = services.pack_request(by=request.user, cohort=form.cleaned_data["cohort"],
                                         year=form.cleaned_data["year"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("auditpack:detail", pack_id=pack.pk)
    page = Paginator(selectors.packs_listed(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "auditpack/pack_list.html", {"form": form, "page": page},
                  status=400 if form.errors else 200)


def _pack(user, pack_id) -> AuditPack:
    _require_manager(user)
    return get_object_or_404(AuditPack.objects.select_related("cohort", "requested_by"),
                             pk=pack_id)


@login_required
@require_GET
def pack_detail(request, pack_id):
    pack = _pack(request.user, pack_id)
    return render(request, "auditpack/pack_detail.html", {
        "pack": pack, "done": pack.status in (PackStatus.READY, PackStatus.FAILED)})


def archive_response(pack: AuditPack) -> FileResponse:
    """The ZIP streamed from the storage, as an attachment nobody caches."""
    response = FileResponse(pack.archive.open("rb"), as_attachment=True,
                            filename=pack.filename, content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def pack_zip(request, pack_id):
    pack = _pack(request.user, pack_id)
    if pack.status != PackStatus.READY:
        raise Http404
    return archive_response(pack)


app_name = "auditpack"
urlpatterns = [
    path("", pack_list, name="list"),
    path("<int:pack_id>/", pack_detail, name="detail"),
    path("<int:pack_id>/dossier.zip", pack_zip, name="zip"),
]
