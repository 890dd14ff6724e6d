import datetime

import pytest
from django.utils import timezone

from lms.attendance.models import AttendanceAlert
from lms.convocations.enums import Channel, MessageKind
from lms.convocations.models import SentMessage
from lms.progress.enums import AssessmentKind, AssessmentMethod
from lms.progress.services import assessment_record
from tests.documents_setup import attended_session, ready_to_sign
from tests.quality.factories import ComplaintFactory, ImprovementFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def competence(referential):
    from courses.referential import Competence

    return Competence.objects.order_by("pk").first()


def sent_convocation(enrollment, *, when=None) -> SentMessage:
    return SentMessage.objects.create(
        kind=MessageKind.CONVOCATION, channel=Channel.EMAIL,
        recipient=enrollment.learner.email, learner=enrollment.learner,
        cohort=enrollment.cohort, subject=f"Convocation : {enrollment.cohort.name}",
        body_text="Bonjour,\nvous êtes convoqué·e.", sent_at=when or timezone.now(),
        attachments=[{"name": "seances.ics", "content_type": "text/calendar; method=REQUEST",
                      "sha256": "x", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}])


@pytest.fixture
def evidence(enrollment, trainer, competence, module):
    """A group with evidence for most indicators: a convocation, positionings, a validation,
    a locked sheet, an alert, a complaint and the improvement it led to."""
    from tests.courses.factories import module_target

    ready_to_sign()
    cohort = enrollment.cohort
    learner = enrollment.learner
    module_target(module, competence, 2)
    sent_convocation(enrollment)
    assessment_record(learner=learner, competence=competence, kind=AssessmentKind.INITIAL,
                      level=1, by=learner, path=cohort.path)
    assessment_record(learner=learner, competence=competence, kind=AssessmentKind.FINAL,
                      level=3, by=learner, path=cohort.path)
    assessment_record(learner=learner, competence=competence, kind=AssessmentKind.VALIDATION,
                      level=2, by=trainer, method=AssessmentMethod.OBSERVATION,
                      path=cohort.path)
    session = attended_session(enrollment, by=trainer,
                               date=timezone.localdate() - datetime.timedelta(days=3))
    AttendanceAlert.objects.create(learner=learner, cohort=cohort, kind="absence_streak",
                                   key="k", details={"dates": ["2026-01-05"], "count": 3})
    complaint = ComplaintFactory(cohort=cohort, received_on=timezone.localdate())
    ImprovementFactory(source="complaint", complaint=complaint,
                       identified_on=timezone.localdate())
    return {"cohort": cohort, "session": session, "complaint": complaint}
