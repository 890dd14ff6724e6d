"""CSV import of learners: upload → preview → commit → summary.

The uploaded text waits in the session (with its SHA-256) between the steps, never in a temp
file: the commit re-validates exactly what the preview showed."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.progress import imports
from lms.progress.perms import is_staff, paths_managed_by

SESSION_KEY = "progress_import"
SUMMARY_KEY = "progress_import_summary"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            text = imports.decode_upload(upload.read())
            imports.parse_csv(text)  # file-level problems are told here, rows in the preview
        except imports.ImportFileError as error:
            raise forms.ValidationError(error.message, code=error.code) from error
        self.text = text
        return upload


def _require_importer(user) -> None:
    # Learners and other roles must not learn that the page exists.
    if not is_staff(user):
        raise Http404


def _stored(request) -> dict | None:
    stored = request.session.get(SESSION_KEY)
    if not stored or imports.text_digest(stored.get("text", "")) != stored.get("sha256"):
        return None
    return stored


def _upload_page(request, form, status=200):
    context = {
        "form": form,
        "columns": [(imports.CANONICAL_HEADERS[name], imports.COLUMNS[name],
                     imports.COLUMN_HELP[name]) for name in imports.COLUMNS],
        "paths": paths_managed_by(request.user).only("title", "slug").order_by("title"),
        "max_rows": imports.MAX_ROWS,
    }
    return render(request, "progress/import_upload.html", context, status=status)


def _preview_page(request, stored, preview, status=200):
    return render(request, "progress/import_preview.html", {
        "preview": preview, "counts": preview.counts, "errors": preview.errors,
        "file_name": stored.get("name", ""), "sha256": stored["sha256"],
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    if request.method == "GET":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    request.session[SESSION_KEY] = {"text": form.text, "sha256": imports.text_digest(form.text),
                                    "name": form.cleaned_data["file"].name[:200]}
    return redirect("progress:import_preview")


@login_required
@require_GET
def import_preview(request):
    _require_importer(request.user)
    stored = _stored(request)
    if stored is None:
        messages.warning(request, _("Upload a file to import first."))
        return redirect("progress:import_upload")
    try:
        preview = imports.build_preview(text=stored["text"], user=request.user)
    except imports.ImportFileError as error:
        messages.error(request, error.message)
        return redirect("progress:import_upload")
    return _preview_page(request, stored, preview)


@login_required
@require_POST
def import_commit(request):
    _require_importer(request.user)
    stored = _stored(request)
    if stored is None:
        messages.warning(request, _("Upload a file to import first."))
        return redirect("progress:import_upload")
    if request.POST.get("sha256") != stored["sha256"]:
        # Another tab uploaded a different file since this preview was shown.
        messages.warning(request, _("The file changed since this preview: check it again."))
        return redirect("progress:import_preview")
    try:
        summary = imports.import_commit(text=stored["text"], by=request.user)
    except imports.ImportRejected as rejected:
        messages.error(request, rejected.message)
        if rejected.preview is None:
            return redirect("progress:import_upload")
        return _preview_page(request, stored, rejected.preview, status=400)
    del request.session[SESSION_KEY]
    request.session[SUMMARY_KEY] = summary.as_dict()
    return redirect("progress:import_done")


@login_required
@require_GET
def import_done(request):
    _require_importer(request.user)
    summary = request.session.pop(SUMMARY_KEY, None)
    if summary is None:
        return redirect("progress:import_upload")
    return render(request, "progress/import_done.html", {"summary": summary})


@login_required
@require_GET
def import_template(request):
    _require_importer(request.user)
    # With a BOM, Excel opens the accents right.
    response = HttpResponse("\ufeff" + imports.template_csv(),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-import-apprenants.csv"'
    return response


urlpatterns = [
    path("import/", import_upload, name="import_upload"),
    path("import/apercu/", import_preview, name="import_preview"),
    path("import/valider/", import_commit, name="import_commit"),
    path("import/termine/", import_done, name="import_done"),
    path("import/modele.csv", import_template, name="import_template"),
]
