"""Demo entries of the quality register: one complaint, handled and closed, and the
improvement action it led to, so that the demo shows indicators 31 and 32 with evidence."""

import datetime

from django.utils import timezone

from .enums import (
    ComplainantKind,
    ComplaintChannel,
    ComplaintStatus,
    ImprovementSource,
    ImprovementStatus,
)
from .models import Complaint, Improvement

DEMO_NAME = "Mme Josiane Martin"


def quality_demo_seed(*, today: datetime.date | None = None) -> bool:
    """Create the demo complaint and improvement unless the demo complaint exists (idempotent).
    Returns whether anything was created."""
    if Complaint.objects.filter(complainant_name=DEMO_NAME).exists():
        return False
    today = today or timezone.localdate()
    received = today - datetime.timedelta(days=40)
    complaint = Complaint(
        received_on=received, complainant_kind=ComplainantKind.LEARNER,
        complainant_name=DEMO_NAME, complainant_contact="06 12 34 56 78",
        channel=ComplaintChannel.PHONE,
        description="La salle était trop froide lors des deux premières séances du matin.",
        handling="Échange avec la régie du tiers-lieu ; chauffage vérifié.",
        answer="Le chauffage est désormais lancé une heure avant chaque séance.",
        answered_on=received + datetime.timedelta(days=2),
        closed_on=received + datetime.timedelta(days=9), status=ComplaintStatus.CLOSED)
    complaint.full_clean()
    complaint.save()
    improvement = Improvement(
        source=ImprovementSource.COMPLAINT, complaint=complaint,
        identified_on=received + datetime.timedelta(days=2),
        description="Allumer le chauffage de la salle une heure avant chaque séance.",
        decision="Validé en réunion d'équipe ; consigne ajoutée à la fiche de la salle.",
        owner="Régie du tiers-lieu", due_on=received + datetime.timedelta(days=9),
        done_on=received + datetime.timedelta(days=7), status=ImprovementStatus.DONE)
    improvement.full_clean()
    improvement.save()
    return True
