import logging

from django.core.exceptions import ValidationError
from django.dispatch import receiver

from lms.progress.services import path_completed

from .enums import DocumentKind
from .services import document_request

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
