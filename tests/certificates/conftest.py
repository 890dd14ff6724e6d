import datetime

import pytest
from django.utils import timezone

from lms.accounts.models import Organisation
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.documents_setup import attended_session, forget_locked_session, ready_to_sign


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def organisation(db):
    """An organisation that can sign documents: signatory, signature and stamp (the
    Ministry's model; document_request refuses without)."""
    organisation = Organisation.load()
    organisation.name = "C-Num"
    organisation.legal_name = "Association C-Num"
    organisation.address = "12 rue des Tanneurs"
    organisation.postcode, organisation.city = "79000", "Niort"
    organisation.siret, organisation.nda = "73282932000074", "75790123479"
    organisation.signatory_name, organisation.signatory_title = "Nathalie Giraud", "Directrice"
    return ready_to_sign(organisation)


@pytest.fixture
def attended(request, enrollment, trainer):
    """The enrolment's learner attended one 3-hour session, its sheet locked: 3 realised
    hours. Enrolled before it."""
    enrollment.enrolled_at = timezone.now() - datetime.timedelta(days=200)
    enrollment.save(update_fields=["enrolled_at"])
    session = attended_session(enrollment, by=trainer)
    yield session
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        forget_locked_session(session)


@pytest.fixture
def completed(enrollment, organisation, lesson, attended):
    return enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED)
