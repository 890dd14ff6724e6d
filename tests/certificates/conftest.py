import pytest

from lms.accounts.models import Organisation
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def organisation(db):
    organisation = Organisation.load()
    organisation.name = "C-Num"
    organisation.legal_name = "Association C-Num"
    organisation.address = "12 rue des Tanneurs"
    organisation.postcode, organisation.city = "79000", "Niort"
    organisation.siret, organisation.nda = "73282932000074", "75790123479"
    organisation.signatory_name, organisation.signatory_title = "Nathalie Giraud", "Directrice"
    organisation.save()
    return organisation


@pytest.fixture
def completed(enrollment, organisation, lesson):
    return enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED)
