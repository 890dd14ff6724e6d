"""Requesting, rendering, re-issuing and revoking documents.

A request creates the record first and enqueues its rendering on commit; rendering takes the
record's pk, is idempotent (an issued document is never rendered again) and safe with retries
and several workers: the claim is one conditional UPDATE that takes the document for a lease
(LEASE) under a fresh attempt token, and the final write (issued or failed) is another, which
only the holder of the current attempt gets to make.

Recovery (see the README, "Faults and recovery"): documents_redispatch_stale runs every
SWEEP_EVERY seconds, from beat and from a thread of every worker (certificates.tasks), and
sends again what is due: pending documents whose message could not be published (due at once)
or has waited longer than STALE_AFTER (lost with a Redis restart), and documents whose render
lease expired (their worker was killed whole)."""

import contextlib
import datetime
import logging
import uuid

from celery import signature
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from lms.accounts.models import Organisation
from lms.attendance.selectors import enrollment_hours, learner_cohort_ids, open_sheets_of
from lms.core.data_rights import ANONYMOUS_NAME, delete_file_on_commit, json_value
from lms.core.storage_sweep import orphans_remove, stored_names
from lms.progress.completion import completion_check
from lms.progress.enums import EnrollmentStatus
from lms.progress.perms import can_manage_cohort, can_manage_enrollment

from .enums import DocumentKind, DocumentStatus, ReissueCause
from .models import Document, DocumentBatch
from .rendering import render_pdf
from .selectors import sheets_listing
from .snapshots import build_snapshot, with_enrollment_facts

logger = logging.getLogger(__name__)

# A render takes seconds; its task is stopped at RENDER_SOFT_TIME_LIMIT and killed at
# RENDER_TIME_LIMIT (certificates.tasks.document_render_task). A claim holds the document for
# LEASE, a little longer than a render can live: once the lease has expired, no render of that
# attempt can still be running (its pool process was killed at the hard limit), and a new one
# may start. A killed worker's document is so rendered again after at most LEASE + SWEEP_EVERY
# (under two minutes), not after the broker's visibility timeout.
RENDER_SOFT_TIME_LIMIT = 60
RENDER_TIME_LIMIT = 90
LEASE = timezone.timedelta(seconds=RENDER_TIME_LIMIT + 10)
# How often the sweep runs (beat, and each worker's thread: certificates.tasks).
SWEEP_EVERY = 15
# A pending document sent this long ago and still not claimed is sent again: its message was
# lost (Redis restarted without it) or is stuck behind a backlog; in the latter case the
# duplicate costs one conditional UPDATE that claims nothing. Within a minute of the broker's
# return: STALE_AFTER + SWEEP_EVERY.
STALE_AFTER = timezone.timedelta(seconds=30)
# Asking again (document_request) for a document still waiting after this sends it again.
ASK_AGAIN_RESENDS_AFTER = timezone.timedelta(seconds=60)
# dispatched_at of a document whose message could not be published: due at the next sweep.
NEVER_SENT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
MAX_ATTEMPTS = 6
# The tasks (certificates.tasks) call these services: services send them by their registered
# names, never importing tasks. CertificatesConfig.ready imports tasks, which registers them,
# so that a send runs in-process when Celery is eager, as a task object's would.
RENDER_TASK = "certificates.tasks.document_render"
ARCHIVE_TASK = "certificates.tasks.batch_archive"
REASON_MAX_LENGTH = 300  # override_reason and revoke_reason


def _dispatch(document_id: int) -> bool:
    """Send the document to the workers; whether the broker took the message."""
    try:
        signature(RENDER_TASK, args=(document_id,)).apply_async()
    except (KombuError, OSError) as error:
        # The broker is down: the record stays pending, marked as never sent, and the next
        # sweep (documents_redispatch_stale) sends it as soon as the broker answers.
        logger.warning("Document %s left pending, broker unreachable: %s", document_id, error)
        with contextlib.suppress(DatabaseError):
            Document.objects.filter(pk=document_id, status=DocumentStatus.PENDING).update(
                dispatched_at=NEVER_SENT)
        return False
    return True


def _savepoint():
    """Around a write that may break a unique constraint: inside a transaction, a savepoint,
    so that the caller's transaction survives the IntegrityError; in autocommit mode nothing,
    the statement being a transaction of its own (BEGIN and COMMIT would be two more round
    trips)."""
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


def _enqueue(document: Document) -> None:
    transaction.on_commit(lambda: _dispatch(document.pk))


def _subject(kind, *, enrollment=None, session=None, cohort=None, week_start=None) -> str:
    if kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        return f"{kind}:enrollment:{enrollment.pk}"
    if session is not None:
        return f"{kind}:session:{session.pk}"
    return f"{kind}:cohort:{cohort.pk}:{week_start.isoformat()}"


def _check_not_erased(learner, *, field: str | None = None) -> None:
    # The erasure kept what was issued until its retention ends; a new document would print
    # the anonymised name over the same enrolment, and a new version would supersede the
    # real one.
    if learner is not None and learner.erased_at:
        message = _("This learner's personal data was erased: no new document can be issued "
                    "in their name.")
        raise ValidationError({field: message} if field else message)


def organisation_settings_url() -> str:
    """Where a manager completes what documents print of the organisation (Wagtail
    settings)."""
    return reverse("wagtailsettings:edit", args=["accounts", "organisation"])


def signatory_missing(organisation=None) -> list[str]:
    """What an attestation or certificate must print of its signatory and the organisation
    does not have yet: the Ministry's model names the provider's legal representative, with
    their title, signature and the provider's stamp."""
    organisation = organisation or Organisation.load()
    missing = []
    if not organisation.signatory_name.strip():
        missing.append(_("the signatory's name"))
    if not organisation.signatory_title.strip():
        missing.append(_("the signatory's title"))
    if organisation.signature_image_id is None:
        missing.append(_("the signature image"))
    if organisation.stamp_image_id is None:
        missing.append(_("the stamp"))
    return missing


def check_signatory() -> None:
    """Refuse an attestation or certificate the organisation can't sign yet, saying where to
    complete it."""
    missing = signatory_missing()
    if missing:
        raise ValidationError(_(
            "Documents can't be signed yet: the organisation settings lack %(missing)s. "
            "A manager completes them in the administration, Settings → Organisation "
            "(%(url)s).") % {"missing": ", ".join(missing),
                             "url": organisation_settings_url()}, code="signatory_missing")


def check_realised_hours(enrollment) -> None:
    """A certificate of completion states hours realised: none, no certificate."""
    _rate, realised, _provisional = enrollment_hours([enrollment]).get(
        enrollment.pk, (None, 0, 0))
    if not realised:
        message = _(
            "%(name)s has no realised hours: no attended session on a locked "
            "(countersigned) attendance sheet. A certificate of completion states the hours "
            "realised; it can be issued once a sheet where they attended is locked.") % {
            "name": enrollment.learner.get_full_name() or enrollment.learner.username}
        still_open = open_sheets_of(enrollment)
        if still_open:
            message += " " + _("Sheets still open: %(dates)s.") % {"dates": ", ".join(
                formats.date_format(session.date, "SHORT_DATE_FORMAT")
                for session in still_open)}
        raise ValidationError({"enrollment": ValidationError(message,
                                                             code="no_realised_hours")})


def check_issuable(kind, enrollment) -> None:
    """What any attestation or certificate needs, at request and at re-issue: a signatory,
    and, for a certificate, realised hours. Other helpers (re-issue on amendment) call it
    before issuing a new version."""
    if kind not in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        return
    check_signatory()
    if kind == DocumentKind.CERTIFICATE:
        check_realised_hours(enrollment)


def _check_request(kind, *, by, enrollment, session, cohort, week_start,
                   override_reason) -> None:
    if len(override_reason.strip()) > REASON_MAX_LENGTH:
        raise ValidationError({"override_reason": _(
            "Keep the reason under %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}})
    if kind in (DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE):
        if enrollment is None:
            raise ValidationError({"enrollment": _("Choose the learner's enrolment.")})
        _check_not_erased(enrollment.learner, field="enrollment")
        if by is not None and not can_manage_enrollment(by, enrollment):
            raise PermissionDenied
        check_issuable(kind, enrollment)
        overridden = by is not None and by.sees_everything and override_reason.strip()
        if (kind == DocumentKind.ATTESTATION and not overridden
                and enrollment.status != EnrollmentStatus.COMPLETED
                and not completion_check(enrollment).complete):
            raise ValidationError({"override_reason": _(
                "The learner has not completed the path: only a manager can issue the "
                "attestation, with a reason.")})
    else:
        target = session.cohort if session is not None else cohort
        if target is None:
            raise ValidationError({"session": _("Choose a session or a cohort and week.")})
        if by is not None and not can_manage_cohort(by, target):
            raise PermissionDenied
        if session is None:
            _check_week(cohort, week_start)


def sheet_weeks(cohort) -> list:
    """The Mondays of the weeks in which the cohort has scheduled sessions, latest first."""
    days = cohort.sessions.scheduled().values_list("date", flat=True).distinct()
    return sorted({day - timezone.timedelta(days=day.weekday()) for day in days},
                  reverse=True)


def _check_week(cohort, week_start) -> None:
    # A week's sheet prints the sessions of that week: without one, there is nothing to
    # print (and the snapshot would have no cohort to name); a week starts on a Monday so that
    # the same week can't be asked twice under two subjects.
    if week_start is None:
        raise ValidationError({"week_start": _("Choose the week.")})
    if week_start.weekday() != 0:
        raise ValidationError({"week_start": _("A week starts on a Monday.")})
    if not cohort.sessions.scheduled().filter(
            date__gte=week_start, date__lt=week_start + timezone.timedelta(days=7)).exists():
        raise ValidationError({"week_start": _("The group has no session that week.")})


def document_request(*, kind: DocumentKind, by=None, enrollment=None, session=None,
                     cohort=None, week_start=None, override_reason: str = "",
                     batch: DocumentBatch | None = None) -> Document:
    """The current document for this subject, created and enqueued if there is none.
    Double clicks and concurrent requests get the same record."""
    _check_request(kind, by=by, enrollment=enrollment, session=session, cohort=cohort,
                   week_start=week_start, override_reason=override_reason)
    subject = _subject(kind, enrollment=enrollment, session=session, cohort=cohort,
                       week_start=week_start)
    # A new version is made only to supersede the current one, or when none is current: any
    # version but the latest is superseded or revoked, and the latest can't be superseded.
    # So the latest alone tells whether there is a current document and the next version.
    latest = Document.objects.filter(subject=subject).order_by("-version").first()
    if latest and latest.revoked_at is None:
        if latest.status in RENDERABLE:
            # Asked again while it waits: if it has waited too long (its message lost, its
            # worker killed), this request sends it again rather than showing it as it is.
            # Conditional, so that ten clicks at once send it once.
            if _waiting_too_long(Document.objects.filter(pk=latest.pk),
                                 now=timezone.now()).update(dispatched_at=timezone.now()):
                _enqueue(latest)
        elif latest.status == DocumentStatus.FAILED:
            # Conditional: another request may have set it going again, and it may even be
            # issued by now; only the one that changes the row sends it to the workers.
            if Document.objects.filter(pk=latest.pk, status=DocumentStatus.FAILED).update(
                    status=DocumentStatus.PENDING, attempts=0, error="",
                    dispatched_at=timezone.now()):
                _enqueue(latest)
            latest.refresh_from_db()
        return latest
    version = latest.version + 1 if latest else 1
    if enrollment is not None:
        cohort = enrollment.cohort
    elif session is not None:
        cohort = session.cohort
    try:
        with _savepoint():
            document = Document.objects.create(
                kind=kind, subject=subject, version=version, requested_by=by,
                enrollment=enrollment, learner=enrollment.learner if enrollment else None,
                path=enrollment.path if enrollment else cohort.path, cohort=cohort,
                session=session, week_start=week_start, override_reason=override_reason.strip(),
                batch=batch,
            )
    except IntegrityError:  # another request created this version first
        return Document.objects.get(subject=subject, version=version)
    _enqueue(document)
    return document


# Rendering takes only these: an issued document stays as it is, and a failed one (given up
# after its retries, or its learner's personal data erased) waits for a new request, which
# sets it pending again.
RENDERABLE = (DocumentStatus.PENDING, DocumentStatus.RENDERING)


def _lease_free(now, task_id: str = "") -> Q:
    """A document no live render holds: pending, or its lease expired. A delivery of the task
    that holds the lease takes it over: the same message delivered again means its earlier
    delivery ended (the worker process died and the message was rejected back to the queue,
    or the visibility timeout, longer than the time limit, expired), and a retry runs after
    its previous try has ended."""
    free = (Q(status=DocumentStatus.PENDING) | Q(lease_until__isnull=True)
            | Q(lease_until__lt=now))
    if task_id:
        free |= Q(lease_task=task_id)
    return free


def _waiting_too_long(documents, *, now, older_than=ASK_AGAIN_RESENDS_AFTER):
    return documents.filter(
        Q(status=DocumentStatus.PENDING, dispatched_at__lt=now - older_than)
        | Q(status=DocumentStatus.RENDERING, lease_until__lt=now,
            dispatched_at__lt=now - older_than)
        # Claimed before leases existed.
        | Q(status=DocumentStatus.RENDERING, lease_until__isnull=True,
            dispatched_at__lt=now - older_than))


def document_render(*, document_id: int, attempt: str = "", task_id: str = "") -> Document:
    """Render the document, if no live render holds it. `attempt` is this render's token
    (a fresh one if not given): only the holder of the current attempt marks the document
    issued or failed (document_fail)."""
    attempt = attempt or uuid.uuid4().hex
    # 1. Claim: one conditional UPDATE takes the row lock, checks the status and the lease
    # and counts the attempt. No transaction stays open while the facts are read and the PDF
    # is made.
    now = timezone.now()
    renderable = Document.objects.filter(_lease_free(now, task_id), pk=document_id,
                                         status__in=RENDERABLE)
    claimed = renderable.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=DocumentStatus.RENDERING, attempts=F("attempts") + 1, lease_token=attempt,
        lease_task=task_id or "", lease_until=now + LEASE)
    if not claimed:
        renderable.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=DocumentStatus.FAILED, lease_until=None,
            error=_("Given up after %(count)d attempts: ask for it again once the cause is "
                    "fixed.") % {"count": MAX_ATTEMPTS})
        return Document.objects.get(pk=document_id)
    # With what build_snapshot reads of an attestation's or certificate's enrolment (most
    # documents). Not an attendance sheet's session and cohort: 7 more outer joins cost
    # PostgreSQL ~4 ms of planning on every claim; build_snapshot loads them.
    document = with_enrollment_facts(Document.objects).get(pk=document_id)
    # 2. The facts printed, read once and frozen with the PDF they made.
    snapshot, images = build_snapshot(document)
    snapshot["issued_on"] = timezone.localdate().isoformat()
    pdf, sha256 = render_pdf(document, snapshot, images)
    # 3. Store, if this is still the current attempt (not given up, not taken over after the
    # lease expired). The file is written first (its name goes in the row); if the row does not
    # end up pointing to it, it is removed, but only once the row was read and found not to
    # (the orphan sweep removes what a killed worker left between the two).
    document.issued_at = timezone.now()
    document.pdf.save(f"{document.code}.pdf", ContentFile(pdf), save=False)
    name = document.pdf.name
    try:
        issued, batch_id = _mark_issued(document, snapshot=snapshot, sha256=sha256,
                                        attempt=attempt)
    except Exception:
        # The UPDATE may have committed before its answer was lost: never delete a file the
        # row may point to.
        _remove_unless_kept(document_id, name)
        raise
    if not issued:
        _remove_unless_kept(document_id, name)
        return Document.objects.get(pk=document_id)
    document.snapshot, document.sha256, document.error = snapshot, sha256, ""
    document.status, document.batch_id = DocumentStatus.ISSUED, batch_id
    if batch_id:
        transaction.on_commit(lambda: _batch_maybe_archive(batch_id))
    return document


def _remove_unless_kept(document_id: int, name: str) -> None:
    """Delete a rendered file that its document was read not to point to; when the row can't
    be read, keep the file (documents_remove_orphans deletes it later if no row points to
    it)."""
    from django.db import connection

    for _try in range(2):
        try:
            kept = Document.objects.filter(pk=document_id, pdf=name).exists()
        except DatabaseError:
            if connection.in_atomic_block:
                break
            connection.close()  # the one that broke: read again on a new one
            continue
        if not kept:
            Document._meta.get_field("pdf").storage.delete(name)
        return
    logger.warning("Document %s: kept %s, its row could not be read.", document_id, name)


def _mark_issued(document: Document, *, snapshot: dict, sha256: str,
                 attempt: str) -> tuple[bool, int | None]:
    """Issue the rendered document if this attempt still holds it: (whether this call issued
    it, its batch). One statement, without a transaction of its own: the UPDATE takes the row
    lock and, if another worker or an erasure holds it, checks the status again once that one
    has committed; the batch is read in the same statement, as a batch request can take the
    document meanwhile (Django's update() can't return it, hence the SQL)."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name

    def column(field: str) -> str:
        return quote(Document._meta.get_field(field).column)

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Document._meta.db_table)} SET {column('status')} = %s, "
            f"{column('snapshot')} = %s, {column('pdf')} = %s, {column('sha256')} = %s, "
            f"{column('issued_at')} = %s, {column('error')} = '', "
            f"{column('lease_until')} = NULL "
            f"WHERE {column('id')} = %s AND {column('status')} = %s "
            f"AND {column('lease_token')} = %s "
            f"RETURNING {column('batch')}",
            [DocumentStatus.ISSUED.value,
             Document._meta.get_field("snapshot").get_db_prep_save(snapshot, connection),
             document.pdf.name, sha256,
             connection.ops.adapt_datetimefield_value(document.issued_at), document.pk,
             DocumentStatus.RENDERING.value, attempt])
        row = cursor.fetchone()
    return (True, row[0]) if row else (False, None)


def document_fail(*, document_id: int, error: str, attempt: str = "") -> bool:
    """Mark the document failed: with `attempt`, only if that render still holds it (a render
    whose lease was taken over must not fail a document another render issued or is making);
    without, only if no live render holds it. Whether it did."""
    documents = Document.objects.filter(pk=document_id).exclude(status=DocumentStatus.ISSUED)
    if attempt:
        documents = documents.filter(status=DocumentStatus.RENDERING, lease_token=attempt)
    else:
        documents = documents.filter(_lease_free(timezone.now()))
    return bool(documents.update(status=DocumentStatus.FAILED, error=error[:5000],
                                 lease_until=None))


def _check_reason(reason: str, missing: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": missing})
    if len(reason.strip()) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under %(limit)d characters.")
                               % {"limit": REASON_MAX_LENGTH}})


def can_reissue(user, document: Document) -> bool:
    """Managers, and the trainers who manage the document's enrolment or cohort."""
    if not user.is_authenticated:
        return False
    return user.sees_everything or (
        can_manage_enrollment(user, document.enrollment) if document.enrollment_id
        else document.cohort_id is not None and can_manage_cohort(user, document.cohort))


def can_revoke(user, document: Document) -> bool:
    return user.is_authenticated and user.sees_everything


def document_reissue(*, document: Document, by, reason: str,
                     cause: ReissueCause = ReissueCause.CORRECTION) -> Document:
    """A corrected version: re-reads today's facts; the old one shows as superseded (as
    amended when `cause` is the amendment of an attendance sheet it prints, the new
    version's reason then shown on the public verification page)."""
    if not can_reissue(by, document):
        raise PermissionDenied
    _check_reason(reason, _("Say why the document is issued again."))
    _check_not_erased(document.learner)
    if document.enrollment_id:
        check_issuable(document.kind, document.enrollment)
    with transaction.atomic():
        old = Document.objects.select_for_update().get(pk=document.pk)
        if hasattr(old, "superseded_by") or old.revoked_at:
            raise ValidationError(_("Only the current version can be issued again."))
        # A version still pending or failed has no PDF anyone holds: asking for it again
        # (document_request) retries it instead.
        if old.status != DocumentStatus.ISSUED:
            raise ValidationError(_("Only an issued document can be issued again."))
        new = Document.objects.create(
            kind=old.kind, subject=old.subject, version=old.version + 1, requested_by=by,
            enrollment=old.enrollment, learner=old.learner, path=old.path, cohort=old.cohort,
            session=old.session, week_start=old.week_start, supersedes=old,
            override_reason=reason.strip(), reissue_cause=cause,
        )
        _enqueue(new)
    return new


def document_revoke(*, document: Document, by, reason: str) -> Document:
    if not can_revoke(by, document):
        raise PermissionDenied(_("Only a manager revokes a document."))
    _check_reason(reason, _("Give the reason for revoking the document."))
    # The first revocation stands (a second would rewrite who revoked it, when and why): one
    # conditional UPDATE, so that two managers revoking at once can't both do it.
    revoked_at, reason = timezone.now(), reason.strip()
    if not Document.objects.filter(pk=document.pk, revoked_at__isnull=True).update(
            revoked_at=revoked_at, revoked_by=by, revoke_reason=reason):
        raise ValidationError(_("This document is already revoked."))
    document.revoked_at, document.revoked_by, document.revoke_reason = revoked_at, by, reason
    return document


def documents_redispatch_stale(*, older_than=STALE_AFTER, limit: int = 500) -> int:
    """Send again the documents due (see the module's docstring): pending and never sent
    (broker down when asked), pending and sent longer than `older_than` ago (message lost), or
    rendering with an expired lease (worker killed whole). How many were sent.

    Cheap (one indexed query when nothing is due), and safe to run from beat and from every
    worker at once: the due rows are taken with FOR UPDATE SKIP LOCKED and their dispatched_at
    moved to now in the same transaction, so a concurrent sweep skips them and a later one
    finds them not due; a given document is sent once per period cluster-wide. This needs no
    Redis lock, which would be down exactly when the sweep matters."""
    now = timezone.now()
    with transaction.atomic():
        due = _waiting_too_long(Document.objects.all(), now=now, older_than=older_than)
        ids = list(due.select_for_update(skip_locked=True).order_by("dispatched_at")
                   .values_list("pk", flat=True)[:limit])
        Document.objects.filter(pk__in=ids).update(dispatched_at=now)
    for position, pk in enumerate(ids):
        if _dispatch(pk) is False:
            # The broker is still down: the rest stay due for the next sweep, unsent.
            Document.objects.filter(pk__in=ids[position:], status=DocumentStatus.PENDING) \
                .update(dispatched_at=NEVER_SENT)
            Document.objects.filter(pk__in=ids[position:], status=DocumentStatus.RENDERING) \
                .update(dispatched_at=now - older_than)
            return position
    return len(ids)


# PDFs no document points to: left by a worker killed between writing the file and issuing
# the document, or by a render whose row could not be read afterwards. Older than this, no
# render can still be about to point to them (a render lives RENDER_TIME_LIMIT at most).
ORPHAN_AFTER = timezone.timedelta(hours=1)


def documents_remove_orphans(*, older_than=ORPHAN_AFTER) -> list[str]:
    """Delete the PDFs under documents/ that no document points to and that are older than
    `older_than`; the names deleted."""
    # Through the storage API only: the files may be on S3 (lms.core.storage_sweep).
    storage = Document._meta.get_field("pdf").storage
    removed = orphans_remove(
        storage, stored_names(storage, "documents", suffix=".pdf", skip={"documents/batches"}),
        referenced=lambda chunk: set(Document.objects.filter(pdf__in=chunk)
                                     .values_list("pdf", flat=True)),
        cutoff=timezone.now() - older_than)
    if removed:
        logger.warning("Removed %d orphan PDF(s): %s", len(removed), ", ".join(removed[:20]))
    return removed


# Batches ------------------------------------------------------------------------------------

def batch_request(*, cohort, kind: DocumentKind,
                  by) -> tuple[DocumentBatch, list[tuple[str, str]]]:
    """One document per learner of the cohort; learners who can't have one are reported, as
    (name, why)."""
    if not can_manage_cohort(by, cohort):
        raise PermissionDenied
    batch = DocumentBatch.objects.create(cohort=cohort, kind=kind, requested_by=by)
    skipped = []
    for enrollment in cohort.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN) \
            .select_related("learner", "path", "cohort"):
        try:
            document = document_request(kind=kind, by=by, enrollment=enrollment, batch=batch)
        except ValidationError as error:
            skipped.append((str(enrollment.learner), " ".join(error.messages)))
            continue
        if document.batch_id != batch.pk:
            Document.objects.filter(pk=document.pk).update(batch=batch)
            if document.status == DocumentStatus.ISSUED:
                transaction.on_commit(lambda: _batch_maybe_archive(batch.pk))
    return batch, skipped


def batch_progress(batch: DocumentBatch) -> dict[str, int]:
    counts = dict.fromkeys(DocumentStatus.values, 0)
    for status in batch.documents.values_list("status", flat=True):
        counts[status] += 1
    counts["total"] = sum(counts.values())
    return counts


def _batch_maybe_archive(batch_id: int) -> None:
    batch = DocumentBatch.objects.get(pk=batch_id)
    progress = batch_progress(batch)
    if progress["total"] and progress[DocumentStatus.ISSUED] == progress["total"] \
            and not batch.archive:
        signature(ARCHIVE_TASK, args=(batch_id,)).apply_async()


def batch_build_archive(*, batch_id: int) -> DocumentBatch:
    import io
    import zipfile

    with transaction.atomic():
        batch = DocumentBatch.objects.select_for_update().get(pk=batch_id)
        if batch.archive:
            return batch
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for document in batch.documents.select_related("learner").order_by("pk"):
                name = f"{document.get_kind_display()} - {document.learner} - {document.code}.pdf"
                with document.pdf.open("rb") as handle:
                    archive.writestr(name.replace("/", "-"), handle.read())
        batch.archive.save(f"lot-{batch.pk}.zip", ContentFile(buffer.getvalue()))
    return batch


# Personal data (lms.privacy's erasure) ------------------------------------------------------

def _expire(document: Document, now, batches: set[int]) -> None:
    """Past retention: the PDF goes. An issued document must carry its PDF (database
    constraint), so the record leaves the issued state and says why."""
    delete_file_on_commit(document.pdf)
    if document.batch_id:
        batches.add(document.batch_id)
    document.pdf = ""
    document.sha256 = ""
    document.status = DocumentStatus.FAILED
    document.error = _("Personal data erased on %(date)s after the retention period: the PDF "
                       "was deleted.") % {"date": timezone.localdate(now).isoformat()}


def snapshots_erase_learner(*, user, sheets) -> None:
    """Anonymise `user`'s rows in the snapshots of `sheets` (attendance sheets): found by the
    learner's id, never by name, so that a namesake in the group keeps theirs."""
    for sheet in sheets:
        for row in sheet.snapshot.get("rows", []):
            if row.get("learner_id") == user.pk:
                row["name"] = ANONYMOUS_NAME
                for cell in row.get("cells", []):
                    cell["signature_svg"] = ""


@transaction.atomic
def documents_erase_learner(*, user, retained_until, now) -> dict:
    """What a personal-data erasure does to the documents about `user`: those within their
    retention period are kept as issued (name printed, PDF, verification); past it, the
    person's fields are anonymised and the PDF deleted. `retained_until(document)` is the day
    an issued document (the person's own, or a sheet listing them) may be erased from: the
    retention policy is lms.privacy's."""
    today = timezone.localdate(now)
    kept, anonymised, batches = [], [], set()

    def entry(document, until=None):
        return {"code": document.code, "kind": document.kind,
                "issued_at": json_value(document.issued_at), "retained_until": json_value(until)}

    def expire_or_keep(document) -> bool:
        """Whether the document is kept; else its PDF is deleted (if it was issued)."""
        if document.status == DocumentStatus.ISSUED:
            until = retained_until(document)
            if today < until:
                kept.append(entry(document, until))
                return True
            _expire(document, now, batches)
        return False

    for document in Document.objects.select_for_update().filter(learner=user):
        if document.status != DocumentStatus.ISSUED:
            # Never issued: nothing to prove, and it must not be issued any more.
            document.status = DocumentStatus.FAILED
            document.error = _("Personal data erased before the document was issued.")
        elif expire_or_keep(document):
            continue
        if document.snapshot.get("learner"):
            document.snapshot["learner"] = {"name": ANONYMOUS_NAME, "employer": ""}
        document.save(update_fields=["pdf", "sha256", "status", "error", "snapshot"])
        anonymised.append(entry(document))

    # A sheet proves the attendance of the whole group: kept as long as any learner needs it.
    for sheet, _rows in sheets_listing(user, for_update=True):
        if expire_or_keep(sheet):
            continue
        snapshots_erase_learner(user=user, sheets=[sheet])
        sheet.save(update_fields=["pdf", "sha256", "status", "error", "snapshot"])
        anonymised.append(entry(sheet))

    # A sheet still being made may have read the name and signatures before this erasure:
    # it is given up (its render then keeps nothing, _mark_issued) and made again, without
    # them, when asked for.
    Document.objects.filter(
        kind=DocumentKind.ATTENDANCE_SHEET, cohort_id__in=learner_cohort_ids(user),
        status__in=[DocumentStatus.PENDING, DocumentStatus.RENDERING],
    ).update(status=DocumentStatus.FAILED, error=_(
        "A learner's personal data was erased while this sheet was being made: ask for it "
        "again."))

    # A batch's ZIP holds copies of the PDFs: it goes with them.
    for batch in DocumentBatch.objects.filter(pk__in=batches).exclude(archive=""):
        delete_file_on_commit(batch.archive)
        batch.archive = ""
        batch.save(update_fields=["archive"])
    return {"kept": kept, "anonymised": anonymised}
