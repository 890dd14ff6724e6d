"""Requesting and building audit packs.

The build follows the documents' pattern (certificates.services, README "Faults and
recovery"): a request creates the row and enqueues its build on commit; the build takes the
pack's pk, claims it with one conditional UPDATE (the row lock) for a lease under a fresh
attempt token, exits at once when the pack is ready or held by a live build, and only the
holder of the current attempt stores progress, marks it ready or failed. packs_redispatch_stale
(beat, and a thread of every worker) sends again a pack whose message was lost or whose worker
died (its lease expired)."""

import contextlib
import datetime
import hashlib
import logging
import tempfile
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError

from lms.core.storage_sweep import orphans_remove, stored_names
from lms.quality.selectors import YEAR_MAX, YEAR_MIN

from .archive import write_zip
from .enums import PackStatus
from .models import AuditPack
from .perms import can_see_packs
from .providers import distinct_providers
from .scope import scope_of

logger = logging.getLogger(__name__)

# Within the project's task time limits (lms.settings.base) and the broker's visibility
# timeout (240 s): a message comes back only once its build can no longer be running.
BUILD_SOFT_TIME_LIMIT = 150
BUILD_TIME_LIMIT = 180
LEASE = datetime.timedelta(seconds=BUILD_TIME_LIMIT + 10)
SWEEP_EVERY = 15
STALE_AFTER = datetime.timedelta(seconds=30)
NEVER_SENT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
MAX_ATTEMPTS = 4
BUILDABLE = (PackStatus.PENDING, PackStatus.BUILDING)


BUILD_TASK = "lms.auditpack.tasks.audit_pack_build_task"


class LeaseLost(Exception):
    """Another build took the pack over (this one outlived its lease)."""


def _dispatch(pack_id: int) -> bool:
    from lms.celery import app

    try:
        # By its registered name: tasks import this module, not the other way round.
        app.tasks[BUILD_TASK].delay(pack_id)
    except (KombuError, OSError) as error:
        logger.warning("Audit pack %s left pending, broker unreachable: %s", pack_id, error)
        with contextlib.suppress(DatabaseError):
            AuditPack.objects.filter(pk=pack_id, status=PackStatus.PENDING).update(
                dispatched_at=NEVER_SENT)
        return False
    return True


def pack_request(*, by, cohort=None, year: int | None = None) -> AuditPack:
    """A new pack of the group or of the year, built in the background. Managers only."""
    if not can_see_packs(by):
        raise PermissionDenied
    if (cohort is None) == (year is None):
        raise ValidationError({"cohort": _("Choose a group or a year, not both.")})
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError({"year": _("Give a year between %(low)d and %(high)d.") % {
            "low": YEAR_MIN, "high": YEAR_MAX}})
    pack = AuditPack.objects.create(cohort=cohort, year=year, requested_by=by,
                                    step=_("Waiting for a worker"))
    transaction.on_commit(lambda: _dispatch(pack.pk))
    return pack


def _lease_free(now, task_id: str = "") -> Q:
    free = Q(status=PackStatus.PENDING) | Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    if task_id:
        # The same message delivered again: its earlier delivery has ended.
        free |= Q(lease_task=task_id)
    return free


def _held(pack_id: int, attempt: str):
    return AuditPack.objects.filter(pk=pack_id, status=PackStatus.BUILDING,
                                    lease_token=attempt)


def _progress(pack_id: int, attempt: str, percent: int, step: str) -> None:
    if not _held(pack_id, attempt).update(progress=percent, step=step[:200]):
        raise LeaseLost


def pack_build(*, pack_id: int, attempt: str = "", task_id: str = "") -> AuditPack:
    """Build the pack if no live build holds it; the pack as it then is."""
    attempt = attempt or uuid.uuid4().hex
    now = timezone.now()
    buildable = AuditPack.objects.filter(_lease_free(now, task_id), pk=pack_id,
                                         status__in=BUILDABLE)
    claimed = buildable.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=PackStatus.BUILDING, attempts=F("attempts") + 1, lease_token=attempt,
        lease_task=task_id, lease_until=now + LEASE, progress=0,
        step=_("Reading the evidence"))
    if not claimed:
        buildable.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=PackStatus.FAILED, lease_until=None,
            error=_("Given up after %(count)d attempts.") % {"count": MAX_ATTEMPTS})
        return AuditPack.objects.get(pk=pack_id)
    pack = AuditPack.objects.select_related("cohort").get(pk=pack_id)
    scope = scope_of(pack)
    providers = distinct_providers()
    found = {}
    for position, provider in enumerate(providers):
        found[provider] = provider(scope)
        _progress(pack_id, attempt, round(80 * (position + 1) / len(providers)),
                  _("Evidence read: %(done)d of %(total)d kinds") % {
                      "done": position + 1, "total": len(providers)})
    _progress(pack_id, attempt, 85, _("Writing the index and the archive"))
    # On disk, not in memory: a year's pack of PDFs can weigh hundreds of megabytes.
    with tempfile.TemporaryFile() as output:
        gaps = write_zip(pack, scope, found, output)
        return _store(pack, output, gaps=gaps, attempt=attempt)


def _store(pack: AuditPack, output, *, gaps, attempt: str) -> AuditPack:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: output.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    output.seek(0)
    field = AuditPack._meta.get_field("archive")
    name = field.storage.save(field.generate_filename(pack, "pack.zip"), File(output))
    try:
        ready = _held(pack.pk, attempt).update(
            status=PackStatus.READY, archive=name, sha256=digest.hexdigest(), size=size,
            gaps=gaps, progress=100, step="", error="", finished_at=timezone.now(),
            lease_until=None)
    except Exception:
        _remove_unless_kept(pack.pk, name)
        raise
    if not ready:
        _remove_unless_kept(pack.pk, name)
        raise LeaseLost
    return AuditPack.objects.get(pk=pack.pk)


def _remove_unless_kept(pack_id: int, name: str) -> None:
    # Never delete a file the row may point to (its UPDATE may have committed unanswered).
    with contextlib.suppress(DatabaseError):
        if not AuditPack.objects.filter(pk=pack_id, archive=name).exists():
            AuditPack._meta.get_field("archive").storage.delete(name)


def pack_fail(*, pack_id: int, error: str, attempt: str) -> bool:
    return bool(_held(pack_id, attempt).update(status=PackStatus.FAILED, error=error[:5000],
                                               lease_until=None, step=""))


def pack_retry(*, pack: AuditPack, by) -> AuditPack:
    """Build a failed pack again."""
    if not can_see_packs(by):
        raise PermissionDenied
    if AuditPack.objects.filter(pk=pack.pk, status=PackStatus.FAILED).update(
            status=PackStatus.PENDING, attempts=0, error="", progress=0,
            dispatched_at=timezone.now(), step=_("Waiting for a worker")):
        transaction.on_commit(lambda: _dispatch(pack.pk))
    pack.refresh_from_db()
    return pack


def packs_forget(*, learner) -> int:
    """Delete every pack holding something of `learner` (their personal data is erased):
    their files go with them once committed (receivers). A manager makes a new pack if an
    audit still needs it. How many were deleted."""
    from .selectors import packs_holding

    count = 0
    for pack in packs_holding(learner):
        pack.delete()
        count += 1
    return count


def _due(now, older_than):
    return AuditPack.objects.filter(
        Q(status=PackStatus.PENDING, dispatched_at__lt=now - older_than)
        | Q(status=PackStatus.BUILDING, lease_until__lt=now,
            dispatched_at__lt=now - older_than))


def packs_redispatch_stale(*, older_than=STALE_AFTER, limit: int = 100) -> int:
    """Send again the packs due: pending and never sent or sent too long ago, building with an
    expired lease. Rows taken FOR UPDATE SKIP LOCKED and stamped in the same transaction: once
    per period cluster-wide, without Redis. How many were sent."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(_due(now, older_than).select_for_update(skip_locked=True)
                   .order_by("dispatched_at").values_list("pk", flat=True)[:limit])
        AuditPack.objects.filter(pk__in=ids).update(dispatched_at=now)
    for position, pk in enumerate(ids):
        if not _dispatch(pk):
            # The broker is still down: the rest stay due for the next sweep, unsent (as
            # documents do: certificates.services.documents_redispatch_stale).
            AuditPack.objects.filter(pk__in=ids[position:], status=PackStatus.PENDING) \
                .update(dispatched_at=NEVER_SENT)
            AuditPack.objects.filter(pk__in=ids[position:], status=PackStatus.BUILDING) \
                .update(dispatched_at=now - older_than)
            return position
    return len(ids)


# ZIPs no pack points to: left by a worker killed between storing the archive and marking the
# pack ready. Older than this, no build can still be about to point to them (a build lives
# BUILD_TIME_LIMIT at most).
ORPHAN_AFTER = datetime.timedelta(hours=1)
PACKS_FOLDER = "audit-packs"


def packs_remove_orphans(*, older_than=ORPHAN_AFTER) -> list[str]:
    """Delete the archives under audit-packs/ that no pack points to and that are older than
    `older_than` (personal data no page can reach any more); the names deleted. Through the
    storage API only (AUDIT_PACK_STORAGE may be S3, where a folder is a prefix)."""
    storage = AuditPack._meta.get_field("archive").storage
    removed = orphans_remove(
        storage, stored_names(storage, PACKS_FOLDER),
        referenced=lambda chunk: set(AuditPack.objects.filter(archive__in=chunk)
                                     .values_list("archive", flat=True)),
        cutoff=timezone.now() - older_than)
    if removed:
        logger.warning("Removed %d orphan audit pack archive(s): %s", len(removed),
                       ", ".join(removed[:20]))
    return removed
