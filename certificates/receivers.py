from django.dispatch import receiver

from lms.progress.services import path_completed

from .enums import DocumentKind
from .services import document_request


@receiver(path_completed, dispatch_uid="certificates.auto_attestation")
def issue_attestation_on_completion(sender, enrollment, **kwargs):
    if enrollment.path.auto_attestation:
        document_request(kind=DocumentKind.ATTESTATION, enrollment=enrollment)
