import hashlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.permissions import can_manage_cohort, is_manager

from . import services
from .enums import DocumentKind, DocumentStatus
from .models import Document, DocumentBatch

MAX_UPLOAD = 20 * 1024 * 1024


class VerifyForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=20,
                           required=False)
    pdf = forms.FileField(label=gettext_lazy("Or the PDF file to check"), required=False)

    def clean_pdf(self):
        pdf = self.cleaned_data.get("pdf")
        if pdf and pdf.size > MAX_UPLOAD:
            raise ValidationError(_("The file is too large (20 MB at most)."))
        return pdf


def _public(document: Document) -> dict:
    """What the public page shows: no more personal than the document itself."""
    snapshot = document.snapshot
    return {
        "document": document,
        "validity": document.validity,
        "learner": snapshot.get("learner", {}).get("name", ""),
        "path": snapshot.get("path", {}).get("title", "") or snapshot.get("path", ""),
        "start_date": snapshot.get("start_date"),
        "end_date": snapshot.get("end_date"),
        "hours": snapshot.get("hours_attended"),
        "issuer": snapshot.get("organisation", {}).get("legal_name", ""),
    }


@ratelimit(key="ip", rate="30/m", block=False)
def verify(request, code=None):
    if getattr(request, "limited", False):
        return render(request, "certificates/verify_limited.html", status=429)
    form = VerifyForm(request.POST or None, request.FILES or None,
                      initial={"code": code or request.GET.get("code", "")})
    context = {"form": form}
    if code:
        document = (Document.objects.issued().filter(code=code.strip().upper())
                    .select_related("superseded_by").first())
        if document is None:
            return render(request, "certificates/verify_unknown.html", {"code": code},
                          status=404)
        context.update(_public(document))
    elif request.method == "POST" and form.is_valid():
        if form.cleaned_data["pdf"]:
            digest = hashlib.sha256()
            for chunk in form.cleaned_data["pdf"].chunks():
                digest.update(chunk)
            document = Document.objects.issued().filter(sha256=digest.hexdigest()).first()
            context["checked_file"] = True
            if document:
                context.update(_public(document))
        elif form.cleaned_data["code"]:
            return redirect("certificates:verify", code=form.cleaned_data["code"].strip())
    return render(request, "certificates/verify.html", context)


@login_required
def document_pdf(request, document_id):
    document = get_object_or_404(Document.objects.visible_to(request.user).issued(),
                                 pk=document_id)
    filename = f"{document.get_kind_display()} - {document.code}.pdf"
    return FileResponse(document.pdf.open("rb"), as_attachment=True, filename=filename,
                        content_type="application/pdf")


def _managed_cohort(user, cohort_id) -> Cohort:
    cohort = get_object_or_404(Cohort.objects.select_related("path"), pk=cohort_id)
    if not can_manage_cohort(user, cohort):
        raise Http404
    return cohort


@login_required
def cohort_documents(request, cohort_id):
    cohort = _managed_cohort(request.user, cohort_id)
    enrollments = list(cohort.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN)
                       .select_related("learner").order_by("learner__last_name"))
    documents = {}
    for document in (Document.objects.current().filter(enrollment__in=enrollments)
                     .order_by("version")):
        documents[(document.enrollment_id, document.kind)] = document
    rows = [{
        "enrollment": enrollment,
        "attestation": documents.get((enrollment.pk, DocumentKind.ATTESTATION)),
        "certificate": documents.get((enrollment.pk, DocumentKind.CERTIFICATE)),
    } for enrollment in enrollments]
    return render(request, "certificates/cohort_documents.html", {
        "cohort": cohort, "rows": rows, "is_manager": is_manager(request.user),
        "batches": DocumentBatch.objects.filter(cohort=cohort)[:5],
        "sessions": cohort.sessions.scheduled().order_by("-date")[:20],
    })


@login_required
@require_POST
def request_document(request, cohort_id):
    cohort = _managed_cohort(request.user, cohort_id)
    kind = request.POST.get("kind", "")
    try:
        if kind == DocumentKind.ATTENDANCE_SHEET:
            session = get_object_or_404(cohort.sessions, pk=request.POST.get("session") or 0)
            services.document_request(kind=kind, by=request.user, session=session)
        elif kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
            enrollment = get_object_or_404(cohort.enrollments,
                                           pk=request.POST.get("enrollment") or 0)
            services.document_request(kind=kind, by=request.user, enrollment=enrollment,
                                      override_reason=request.POST.get("override_reason", ""))
        else:
            raise ValidationError(_("Unknown kind of document."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The document is being prepared; it appears here within "
                                    "a few seconds."))
    return redirect("certificates:cohort", cohort_id=cohort.pk)


@login_required
@require_POST
def request_batch(request, cohort_id):
    cohort = _managed_cohort(request.user, cohort_id)
    kind = request.POST.get("kind", "")
    if kind not in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        messages.error(request, _("Unknown kind of document."))
        return redirect("certificates:cohort", cohort_id=cohort.pk)
    batch, skipped = services.batch_request(cohort=cohort, kind=kind, by=request.user)
    if skipped:
        messages.warning(request, _("Not issued (path not completed): %(names)s")
                         % {"names": ", ".join(skipped)})
    return redirect("certificates:batch", batch_id=batch.pk)


def _managed_batch(user, batch_id) -> DocumentBatch:
    batch = get_object_or_404(DocumentBatch.objects.select_related("cohort__path"), pk=batch_id)
    _managed_cohort(user, batch.cohort_id)
    return batch


@login_required
def batch_page(request, batch_id):
    batch = _managed_batch(request.user, batch_id)
    return render(request, "certificates/batch.html", {
        "batch": batch, "progress": services.batch_progress(batch),
        "status_url": reverse("certificates:batch-status", args=[batch.pk]),
    })


@login_required
def batch_status(request, batch_id):
    batch = _managed_batch(request.user, batch_id)
    progress = services.batch_progress(batch)
    return JsonResponse({
        **progress,
        "done": progress[DocumentStatus.ISSUED] + progress[DocumentStatus.FAILED],
        "archive": reverse("certificates:batch-zip", args=[batch.pk]) if batch.archive else "",
    })


@login_required
def batch_zip(request, batch_id):
    batch = _managed_batch(request.user, batch_id)
    if not batch.archive:
        raise Http404
    return FileResponse(batch.archive.open("rb"), as_attachment=True,
                        filename=f"documents-{batch.cohort.name}-{batch.pk}.zip")


urlpatterns = [
    path("documents/<int:document_id>/pdf/", document_pdf, name="pdf"),
    path("groupes/<int:cohort_id>/", cohort_documents, name="cohort"),
    path("groupes/<int:cohort_id>/demander/", request_document, name="request"),
    path("groupes/<int:cohort_id>/lot/", request_batch, name="request-batch"),
    path("lots/<int:batch_id>/", batch_page, name="batch"),
    path("lots/<int:batch_id>/etat/", batch_status, name="batch-status"),
    path("lots/<int:batch_id>/archive.zip", batch_zip, name="batch-zip"),
]
verify_urlpatterns = [
    path("", verify, name="verify-form"),
    path("<str:code>/", verify, name="verify"),
]
