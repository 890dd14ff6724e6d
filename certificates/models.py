import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.core import clock
from lms.core.scopes import own_or_trained

from .enums import DocumentKind, DocumentStatus, ReissueCause, Validity

# No 0/O, 1/I/L: codes are typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def document_path(document, filename: str) -> str:
    return f"documents/{document.issued_at or document.requested_at:%Y/%m}/{document.code}.pdf"


class DocumentQuerySet(models.QuerySet):
    def current(self):
        """Neither superseded nor revoked."""
        return self.filter(superseded_by__isnull=True, revoked_at__isnull=True)

    def issued(self):
        return self.filter(status=DocumentStatus.ISSUED)

    def visible_to(self, user):
        """A learner sees their attestations and certificates, a trainer the documents of the
        paths and cohorts they train, a manager all."""
        return own_or_trained(
            self, user, distinct=True,
            own=Q(learner=user, kind__in=[DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE]),
            trained=lambda: Q(path__trainers=user) | Q(cohort__trainers=user))


class DocumentBatch(models.Model):
    """Documents asked for a whole cohort at once; the ZIP is built when all are issued."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    archive = models.FileField(upload_to="documents/batches/", blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.cohort}"


class Document(models.Model):
    """An issued document. What it prints is frozen in `snapshot` with the PDF and its SHA-256;
    a correction is a new version that supersedes this one."""

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    # What the document is about: "attestation:enrollment:12", "sheet:session:4"… Versions of
    # the same subject are numbered; two requests can't create the same version twice.
    subject = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(_("status"), max_length=10, choices=DocumentStatus.choices,
                              default=DocumentStatus.PENDING)
    code = models.CharField(_("verification code"), max_length=20, unique=True,
                            default=new_code)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="documents")
    enrollment = models.ForeignKey("progress.Enrollment", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="documents")
    path = models.ForeignKey("courses.TrainingPathPage", on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="documents")
    session = models.ForeignKey("attendance.Session", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="documents")
    week_start = models.DateField(null=True, blank=True)
    batch = models.ForeignKey(DocumentBatch, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="documents")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    override_reason = models.CharField(
        _("reason for issuing despite the completion rule"), max_length=300, blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to=document_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    # Renders tried since it was last asked for (certificates.services.MAX_ATTEMPTS).
    attempts = models.PositiveSmallIntegerField(default=0)
    # When its rendering was last sent to the workers: documents_redispatch_stale sends again
    # only those left waiting longer than any queue should keep them.
    dispatched_at = models.DateTimeField(default=clock.now, editable=False)
    # The render that holds the document (certificates.services.document_render): until when,
    # under which attempt token (only that render marks it issued or failed), for which task
    # (a delivery of the same task takes over: its earlier delivery has ended).
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_task = models.CharField(max_length=64, blank=True, editable=False)
    error = models.TextField(blank=True)
    # Why this version was made, when it replaces another: a manual correction, or the
    # amendment of an attendance sheet it prints (then the old one verifies as "amended").
    reissue_cause = models.CharField(max_length=12, choices=ReissueCause.choices, blank=True)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    revoke_reason = models.CharField(max_length=300, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "version"], name="one_document_version"),
            models.CheckConstraint(
                condition=~Q(status=DocumentStatus.ISSUED) | (
                    Q(issued_at__isnull=False) & ~Q(sha256="") & ~Q(pdf="")),
                name="issued_document_has_pdf",
            ),
            models.CheckConstraint(condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                                   name="revocation_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.code}"

    @property
    def validity(self) -> Validity:
        if self.revoked_at:
            return Validity.REVOKED
        if hasattr(self, "superseded_by"):
            if self.superseded_by.reissue_cause == ReissueCause.AMENDMENT:
                return Validity.AMENDED
            return Validity.SUPERSEDED
        return Validity.VALID
