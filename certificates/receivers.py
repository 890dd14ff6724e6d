import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext as _

from lms.attendance.signals import sheet_amended
from lms.progress.services import path_completed

from .enums import DocumentKind, ReissueCause
from .models import Document
from .services import REASON_MAX_LENGTH, document_reissue, document_request, document_revoke

logger = logging.getLogger(__name__)


@receiver(path_completed, dispatch_uid="certificates.auto_attestation")
def issue_attestation_on_completion(sender, enrollment, **kwargs):
    if enrollment.path.auto_attestation:
        try:
            document_request(kind=DocumentKind.ATTESTATION, enrollment=enrollment)
        except ValidationError as error:
            # The organisation can't sign yet (no signatory, signature or stamp): completing
            # the path still stands; the attestation is asked for once the settings are done.
            logger.warning("Attestation of enrolment %s not issued: %s", enrollment.pk,
                           " ".join(error.messages))


@receiver(sheet_amended, dispatch_uid="certificates.reissue_after_amendment")
def reissue_after_amendment(sender, session_id, by, reason, cohort_ids=(), dates=(), **kwargs):
    """A locked sheet was amended: every current document built from it is issued again, so
    the old version verifies as superseded. Its sheet (the session's, or the week's of either
    cohort and date before and after the amendment), and the attestations and certificates of
    the cohorts' enrolments."""
    weeks = {day - datetime.timedelta(days=day.weekday()) for day in dates}
    built_from_sheet = (
        Q(kind=DocumentKind.ATTENDANCE_SHEET)
        & (Q(session_id=session_id) | Q(cohort_id__in=cohort_ids, week_start__in=weeks))
    ) | Q(kind__in=[DocumentKind.ATTESTATION, DocumentKind.CERTIFICATE],
          enrollment__cohort_id__in=cohort_ids)
    documents = (Document.objects.current().issued().filter(built_from_sheet)
                 .select_related("learner", "enrollment", "cohort").order_by("pk"))
    why = _("Attendance sheet amended: %(reason)s") % {"reason": reason}
    why = why[:REASON_MAX_LENGTH]
    for document in documents:
        try:
            document_reissue(document=document, by=by, reason=why,
                             cause=ReissueCause.AMENDMENT)
        except ValidationError as error:
            if _no_realised_hours(error):
                # The amendment took away every hour the certificate states: no new version
                # can be made, and the old one must not keep verifying as valid.
                _revoke(document, by=by, why=why, session_id=session_id)
            else:
                # An erased learner's document, or one superseded meanwhile: the others
                # still go.
                logger.warning("Document %s not issued again after the amendment of session "
                               "%s: %s", document.pk, session_id, error)
        except PermissionDenied as error:
            logger.warning("Document %s not issued again after the amendment of session %s: %s",
                           document.pk, session_id, error)


def _no_realised_hours(error: ValidationError) -> bool:
    codes = []
    if hasattr(error, "error_dict"):
        for errors in error.error_dict.values():
            codes.extend(item.code for item in errors)
    else:
        codes.extend(item.code for item in error.error_list)
    return "no_realised_hours" in codes


def _revoke(document, *, by, why, session_id) -> None:
    try:
        document_revoke(document=document, by=by, reason=why)
    except (ValidationError, PermissionDenied) as error:
        logger.warning("Document %s states hours the amendment of session %s took away, and "
                       "could not be revoked: %s", document.pk, session_id, error)
    else:
        logger.info("Document %s revoked: the amendment of session %s left it no realised "
                    "hours", document.pk, session_id)
