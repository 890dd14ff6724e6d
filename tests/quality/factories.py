import datetime
from decimal import Decimal

import factory

from lms.quality.enums import ComplainantKind, ComplaintChannel, FunderType, ImprovementSource
from lms.quality.models import Complaint, EnrollmentFunding, Improvement

DAY = datetime.date(2026, 3, 4)


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    received_on = DAY
    complainant_kind = ComplainantKind.LEARNER
    complainant_name = factory.Sequence(lambda n: f"Personne {n}")
    channel = ComplaintChannel.EMAIL
    description = "La salle était trop froide."


class ImprovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Improvement

    source = ImprovementSource.TEAM
    identified_on = DAY
    description = "Vérifier le chauffage avant chaque séance."


class FundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnrollmentFunding

    funder_type = FunderType.SELF_FUNDED
    price = Decimal("120.00")
