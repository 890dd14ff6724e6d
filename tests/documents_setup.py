"""What issuing an attestation or certificate needs, for the tests of every app: an
organisation that can sign (signatory's name and title, signature and stamp images) and
realised hours (attended sessions on locked sheets)."""

import datetime
import io

from django.core.files.images import ImageFile
from PIL import Image

SIGNATORY_NAME, SIGNATORY_TITLE = "Nathalie Giraud", "Directrice"
STROKES = ["M5 5 L 50 50"]


def png(colour, name="image.png") -> ImageFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), colour).save(buffer, "PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=name)


def ready_to_sign(organisation=None):
    """The organisation with a signatory, a signature and a stamp: what the Ministry's model
    prints and what document_request requires."""
    from wagtail.images import get_image_model

    from lms.accounts.models import Organisation

    organisation = organisation or Organisation.load()
    images = get_image_model().objects
    organisation.signatory_name = organisation.signatory_name or SIGNATORY_NAME
    organisation.signatory_title = organisation.signatory_title or SIGNATORY_TITLE
    if organisation.signature_image_id is None:
        organisation.signature_image = images.create(title="signature",
                                                     file=png("navy", "signature.png"))
    if organisation.stamp_image_id is None:
        organisation.stamp_image = images.create(title="cachet", file=png("red", "cachet.png"))
    organisation.save()
    # Wagtail leaves a rendition's temporary file to the garbage collector: the renditions
    # made (and cached) here, collected here, not in a later test.
    import gc
    import warnings

    from certificates import snapshots

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        snapshots.organisation_snapshot()
        gc.collect()
    return organisation


def attended_session(enrollment, *, by, date=None, start=datetime.time(9),
                     end=datetime.time(12), status="present", locked=True, minutes_late=0):
    """A session of the enrolment's cohort where the learner is marked `status`, its sheet
    countersigned and locked unless `locked` is false."""
    from lms.attendance import services as attendance
    from lms.attendance.services import MarkInput
    from tests.attendance.factories import SessionFactory

    session = SessionFactory(cohort=enrollment.cohort, trainer=by, start_time=start,
                             end_time=end, **({"date": date} if date else {}))
    attendance.roll_call_save(session=session, by=by, marks=[MarkInput(
        learner_id=enrollment.learner_id, status=status, minutes_late=minutes_late)])
    if locked:
        session = attendance.session_lock(session=session, by=by, strokes=STROKES)
    return session
