"""An audit pack: the ZIP an auditor is handed for a group or a year (Qualiopi evidence).

Packs hold personal data (names, marks, positionings, complaints): managers only, and the file
goes through Django's storage API (AUDIT_PACK_STORAGE, an alias of STORAGES) so that an S3
backend can hold and serve it later."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.core import clock

from .enums import PackStatus


def pack_storage():
    return storages[getattr(settings, "AUDIT_PACK_STORAGE", "default")]


def pack_path(pack, filename: str) -> str:
    return f"audit-packs/{pack.requested_at:%Y/%m}/{pack.token}.zip"


def new_token() -> str:
    import secrets

    return secrets.token_hex(16)


class AuditPack(models.Model):
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="audit_packs", verbose_name=_("group"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PackStatus.choices,
                              default=PackStatus.PENDING)
    # 0-100, and what the build is doing: the page's progress bar.
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A random name: the stored file's path tells nothing of whose data it holds.
    token = models.CharField(max_length=32, default=new_token, editable=False)
    archive = models.FileField(upload_to=pack_path, storage=pack_storage, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # Indicator numbers without evidence, as built: the page lists them.
    gaps = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    # The lease of the build that holds the pack (see services: documents' pattern).
    attempts = models.PositiveSmallIntegerField(default=0)
    dispatched_at = models.DateTimeField(default=clock.now, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_task = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit pack")
        verbose_name_plural = _("audit packs")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(cohort__isnull=False) & Q(year__isnull=True))
                | (Q(cohort__isnull=True) & Q(year__isnull=False)),
                name="audit_pack_group_or_year"),
            models.CheckConstraint(condition=~Q(status=PackStatus.READY) | ~Q(archive=""),
                                   name="ready_audit_pack_has_archive"),
        ]
        indexes = [models.Index(fields=["status", "dispatched_at"])]

    def __str__(self):
        if self.cohort_id:
            return str(_("Audit pack of %(group)s") % {"group": self.cohort})
        return str(_("Audit pack of %(year)s") % {"year": self.year})

    @property
    def filename(self) -> str:
        from django.utils.text import slugify

        scope = slugify(self.cohort.name) if self.cohort_id else str(self.year)
        return f"dossier-audit-{scope}-{self.pk}.zip"
