"""Demo entries of the quality register: one complaint, handled and closed, and the
improvement action it led to, so that the demo shows indicators 31 and 32 with evidence."""

import datetime
from decimal import Decimal

from django.utils import timezone

from lms.quality.enums import (
    ComplainantKind,
    ComplaintChannel,
    ComplaintStatus,
    ImprovementSource,
    ImprovementStatus,
)
from lms.quality.models import Complaint, Improvement

DEMO_NAME = "Mme Josiane Martin"


def quality_demo_seed(*, today: datetime.date | None = None) -> bool:
    """Create the demo complaint and improvement unless the demo complaint exists (idempotent).
    Returns whether anything was created."""
    if Complaint.objects.filter(complainant_name=DEMO_NAME).exists():
        return False
    today = today or timezone.localdate()
    received = today - datetime.timedelta(days=40)
    # About the workshop group when the demo built it (its audit pack shows indicators 31-32),
    # in its third day; otherwise about no group in particular.
    from lms.demo.groups import GROUPS, demo_cohort

    workshop = next((demo_cohort(spec) for spec in GROUPS if spec.key == "workshop"), None)
    if workshop is not None and workshop.start_date + datetime.timedelta(days=12) < today:
        received = workshop.start_date + datetime.timedelta(days=3)
    complaint = Complaint(
        cohort=workshop, path=workshop.path if workshop else None,
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


# Who pays for each demo group's enrolments (BPF, cadre C): the vocational training by every
# kind of funder; the club by its members; the workshop and the insertion training by public
# programmes.
VOCATIONAL_FUNDING = (
    {"funder_type": "cpf", "cpf_case_number": "7{:010d}", "price": "1960.00"},
    {"funder_type": "opco", "opco_name": "OPCO EP", "agreement_number": "EP-2026-{:05d}",
     "scheme": "Plan de développement des compétences", "price": "1960.00"},
    {"funder_type": "france_travail", "scheme": "AIF", "price": "1960.00"},
    {"funder_type": "region", "scheme": "Programme régional de formation", "price": "1680.00"},
    {"funder_type": "cpf", "cpf_case_number": "7{:010d}", "price": "1960.00"},
    {"funder_type": "self_funded", "price": "980.00"},
    {"funder_type": "employer", "scheme": "Plan de développement des compétences",
     "price": "1960.00"},
    {"funder_type": "opco", "opco_name": "Uniformation", "agreement_number": "UNI-{:06d}",
     "scheme": "Pro-A", "price": "1960.00"},
)
GROUP_FUNDING = {
    "club": ({"funder_type": "self_funded", "scheme": "Adhésion annuelle", "price": "40.00"},
             {"funder_type": "free_other_public", "scheme": "Pass numérique",
              "price": "0.00"}),
    "workshop": ({"funder_type": "free_other_public", "scheme": "Conseiller numérique",
                  "price": "0.00"},),
    "insertion": ({"funder_type": "free_other_public",
                   "scheme": "Aide au poste IAE — formation des salariés", "price": "1400.00"},),
    "vocational": VOCATIONAL_FUNDING,
}


def funding_demo_seed(*, today: datetime.date | None = None) -> int:
    """Record the funding of each demo group's enrolments that has none. Returns how many."""
    from lms.accounts.models import User
    from lms.demo.groups import GROUPS, demo_cohort
    from lms.quality.services import funding_save

    manager = User.objects.managers().order_by("pk").first()
    created = 0
    for spec in GROUPS:
        cohort = demo_cohort(spec)
        if cohort is None:
            continue
        choices = GROUP_FUNDING[spec.key]
        enrollments = (cohort.enrollments.filter(funding__isnull=True)
                       .select_related("learner").order_by("learner__username"))
        for enrollment in enrollments:
            number = spec.learners.index(enrollment.learner.username) \
                if enrollment.learner.username in spec.learners else enrollment.pk
            fields = dict(choices[number % len(choices)])
            for name in ("cpf_case_number", "agreement_number"):
                if name in fields:
                    fields[name] = fields[name].format(104729 * (number + 1) % 10**6 + 3100)
            fields["price"] = Decimal(fields["price"])
            funding_save(enrollment=enrollment, by=manager, **fields)
            created += 1
    return created
