import datetime
import hashlib
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from lms.accounts.models import Organisation
from lms.attendance.chain import session_chain_verify
from lms.attendance.models import Session
from lms.attendance.selectors import open_sheets_of, open_sheets_of_cohort
from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.perms import can_manage_cohort, is_staff

from . import services
from .enums import DocumentKind, DocumentStatus, Validity
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


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What the new version corrects"),
        max_length=services.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept with the new version; the learner does not see it."))


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revoking"), max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept with the document; the learner does not see it."))
    confirm = forms.BooleanField(label=gettext_lazy(
        "I confirm: whoever checks this document will be told it was revoked. This cannot "
        "be undone."))


class WeekSheetForm(forms.Form):
    """A cohort's week: only the weeks in which it has scheduled sessions are offered."""

    week_start = forms.TypedChoiceField(label=gettext_lazy("Week"), coerce=date.fromisoformat)

    def __init__(self, *args, weeks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week_start"].choices = [
            (week.isoformat(), _("Week of %(date)s") % {"date": formats.date_format(
                week, "SHORT_DATE_FORMAT")}) for week in weeks]


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, field_messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _public(document: Document) -> dict:
    """What the public page shows: no more personal than the document itself. Each kind has
    its own snapshot (an attendance sheet names a cohort and its sessions, no learner)."""
    snapshot = _mapping(document.snapshot)
    facts = {
        "document": document,
        "validity": document.validity,
        "issuer": _mapping(snapshot.get("organisation")).get("legal_name", ""),
    }
    if document.kind == DocumentKind.ATTENDANCE_SHEET:
        sessions = [_mapping(session) for session in snapshot.get("sessions") or []]
        days = sorted(session["date"] for session in sessions if session.get("date"))
        path = snapshot.get("path")
        facts.update({
            "path": path if isinstance(path, str) else _mapping(path).get("title", ""),
            "cohort": snapshot.get("cohort") or "",
            "start_date": days[0] if days else None,
            "end_date": days[-1] if days else None,
            "sessions_count": len(sessions),
            "chains": _chains(document),
        })
    else:
        facts.update({
            "learner": _mapping(snapshot.get("learner")).get("name", ""),
            "path": _mapping(snapshot.get("path")).get("title", ""),
            "start_date": snapshot.get("start_date"),
            "end_date": snapshot.get("end_date"),
            "hours": snapshot.get("hours_attended"),
        })
    newer = getattr(document, "superseded_by", None)
    if newer is not None and facts["validity"] in (Validity.SUPERSEDED, Validity.AMENDED):
        facts["newer"] = newer if newer.status == DocumentStatus.ISSUED else None
        if facts["validity"] == Validity.AMENDED:
            # The amendment's reason is what changed the proof: whoever checks the old
            # version is told why it no longer holds.
            facts["amendment_reason"] = newer.override_reason
    return facts


def _chains(document: Document) -> list[dict]:
    """Whether each session of the sheet still holds what its hash chain recorded (issue 11,
    point 6). The public page tells which entry was altered, naming no learner."""
    sessions = Session.objects.order_by("date", "start_time", "pk")
    if document.session_id:
        sessions = sessions.filter(pk=document.session_id)
    elif document.cohort_id and document.week_start:
        sessions = sessions.scheduled().filter(
            cohort_id=document.cohort_id, date__gte=document.week_start,
            date__lt=document.week_start + datetime.timedelta(days=7))
    else:
        return []
    chains = []
    for session in sessions.only("pk", "date", "start_time"):
        report = session_chain_verify(session.pk)
        detail = report.detail
        if report.names_learner:
            detail = _("A learner's mark differs from the last entry of the chain: it was "
                       "changed outside the application.")
        chains.append({"date": session.date, "start": session.start_time,
                       "intact": report.intact, "entries": report.entries,
                       "altered_entry": report.altered_entry, "detail": detail})
    return chains


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


def _cohort_page(request, cohort, *, week_form=None, status=200):
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
    # The sheets made so far, of each session and each week: one query, however many.
    sheets = sorted(
        Document.objects.current().filter(cohort=cohort, kind=DocumentKind.ATTENDANCE_SHEET)
        .select_related("session"),
        key=lambda sheet: (sheet.session.date if sheet.session else sheet.week_start,
                           sheet.session is None), reverse=True)
    return render(request, "certificates/cohort_documents.html", {
        "cohort": cohort, "rows": rows, "is_manager": request.user.sees_everything,
        "batches": DocumentBatch.objects.filter(cohort=cohort)[:5],
        "sessions": cohort.sessions.scheduled().order_by("-date")[:20],
        "week_form": week_form or WeekSheetForm(weeks=services.sheet_weeks(cohort)),
        "sheets": sheets,
        # Hours of these sheets are provisional: documents print none of them until locked.
        "open_sheets": open_sheets_of_cohort(cohort),
        # The settings the base template reads too: loaded once for the request.
        "signatory_missing": services.signatory_missing(
            Organisation.load(request_or_site=request)),
        "settings_url": services.organisation_settings_url(),
    }, status=status)


@login_required
def cohort_documents(request, cohort_id):
    return _cohort_page(request, _managed_cohort(request.user, cohort_id))


def _request_week_sheet(request, cohort):
    form = WeekSheetForm(request.POST, weeks=services.sheet_weeks(cohort))
    if form.is_valid():
        try:
            services.document_request(kind=DocumentKind.ATTENDANCE_SHEET, by=request.user,
                                      cohort=cohort, week_start=form.cleaned_data["week_start"])
        except ValidationError as error:
            _add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The document is being prepared; it appears here "
                                        "within a few seconds."))
            return redirect("certificates:cohort", cohort_id=cohort.pk)
    return _cohort_page(request, cohort, week_form=form, status=400)


class _PostedIds(forms.Form):
    """The ids a document request's buttons post: whole numbers in the database's range, or
    the page answers 404 as for an unknown one."""

    session = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    enrollment = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def id(self, name: str) -> int:
        return (self.cleaned_data.get(name) or 0) if self.is_valid() else 0


@login_required
@require_POST
def request_document(request, cohort_id):
    cohort = _managed_cohort(request.user, cohort_id)
    kind = request.POST.get("kind", "")
    if kind == DocumentKind.ATTENDANCE_SHEET and "week_start" in request.POST:
        return _request_week_sheet(request, cohort)
    posted = _PostedIds(request.POST)
    try:
        if kind == DocumentKind.ATTENDANCE_SHEET:
            session = get_object_or_404(cohort.sessions, pk=posted.id("session"))
            services.document_request(kind=kind, by=request.user, session=session)
        elif kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
            enrollment = get_object_or_404(cohort.enrollments, pk=posted.id("enrollment"))
            services.document_request(kind=kind, by=request.user, enrollment=enrollment,
                                      override_reason=request.POST.get("override_reason", ""))
            still_open = open_sheets_of(enrollment)
            if still_open:
                messages.warning(request, _(
                    "Some of %(name)s's sheets are still open (%(dates)s): the hours marked "
                    "there are not printed. Lock them, then issue a new version.") % {
                    "name": enrollment.learner, "dates": ", ".join(
                        formats.date_format(session.date, "SHORT_DATE_FORMAT")
                        for session in still_open)})
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
    for name, why in skipped:
        messages.warning(request, _("Not issued for %(name)s: %(why)s")
                         % {"name": name, "why": why})
    return redirect("certificates:batch", batch_id=batch.pk)


# One document, for staff -----------------------------------------------------------------

def _staff_document(user, document_id) -> Document:
    """A document the user sees (Document.objects.visible_to) as staff; a learner has their
    own documents on "Mon parcours", not this page."""
    if not is_staff(user):
        raise Http404
    return get_object_or_404(
        Document.objects.visible_to(user).select_related(
            "learner", "enrollment", "path", "cohort", "session", "requested_by",
            "superseded_by"),
        pk=document_id)


def _document_page(request, document, *, reissue_form=None, revoke_form=None, status=200):
    # Every version of the same subject, oldest last; which one replaces which is read from
    # this list rather than asked of each version.
    versions = list(Document.objects.filter(subject=document.subject)
                    .select_related("requested_by", "revoked_by").order_by("-version"))
    replaced_by = {version.supersedes_id: version for version in versions
                   if version.supersedes_id}
    by_pk = {version.pk: version for version in versions}
    history = [{"document": version, "supersedes": by_pk.get(version.supersedes_id),
                "superseded_by": replaced_by.get(version.pk)} for version in versions]
    current = document.validity == Validity.VALID
    user = request.user
    erased = document.learner is not None and document.learner.erased_at is not None
    may_reissue = (current and document.status == DocumentStatus.ISSUED and not erased
                   and services.can_reissue(user, document))
    may_revoke = current and services.can_revoke(user, document)
    still_open = (open_sheets_of(document.enrollment)
                  if document.enrollment_id and current else [])
    return render(request, "certificates/document.html", {
        "document": document, "history": history, "erased": erased,
        "open_sheets": still_open,
        "newest": versions[0] if versions and versions[0].pk != document.pk else None,
        "verify_url": request.build_absolute_uri(
            reverse("certificates:verify", args=[document.code])),
        "reissue_form": (reissue_form or ReissueForm(prefix="reissue")) if may_reissue else None,
        "revoke_form": (revoke_form or RevokeForm(prefix="revoke")) if may_revoke else None,
    }, status=status)


@login_required
def document_page(request, document_id):
    return _document_page(request, _staff_document(request.user, document_id))


@login_required
@require_POST
def document_reissue(request, document_id):
    document = _staff_document(request.user, document_id)
    if not services.can_reissue(request.user, document):
        raise PermissionDenied
    form = ReissueForm(request.POST, prefix="reissue")
    if form.is_valid():
        try:
            new = services.document_reissue(document=document, by=request.user,
                                            reason=form.cleaned_data["reason"])
        except ValidationError as error:
            # The document's state, not the form (already re-issued or revoked meanwhile,
            # learner erased): the page as it is now says so.
            messages.error(request, " ".join(error.messages))
            return redirect("certificates:document", document_id=document.pk)
        else:
            messages.success(request, _("Version %(version)d is being prepared; it replaces "
                                        "version %(old)d.")
                             % {"version": new.version, "old": document.version})
            return redirect("certificates:document", document_id=new.pk)
    return _document_page(request, document, reissue_form=form, status=400)


@login_required
@require_POST
def document_revoke(request, document_id):
    document = _staff_document(request.user, document_id)
    if not services.can_revoke(request.user, document):
        raise PermissionDenied
    form = RevokeForm(request.POST, prefix="revoke")
    if form.is_valid():
        try:
            services.document_revoke(document=document, by=request.user,
                                     reason=form.cleaned_data["reason"])
        except ValidationError as error:  # revoked meanwhile: see document_reissue
            messages.error(request, " ".join(error.messages))
            return redirect("certificates:document", document_id=document.pk)
        else:
            messages.success(request, _("The document is revoked."))
            return redirect("certificates:document", document_id=document.pk)
    return _document_page(request, document, revoke_form=form, status=400)


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
    path("documents/<int:document_id>/", document_page, name="document"),
    path("documents/<int:document_id>/pdf/", document_pdf, name="pdf"),
    path("documents/<int:document_id>/nouvelle-version/", document_reissue,
         name="document-reissue"),
    path("documents/<int:document_id>/revoquer/", document_revoke, name="document-revoke"),
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
