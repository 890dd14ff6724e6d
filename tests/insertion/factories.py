import datetime

import factory
from django.utils import timezone

from lms.insertion.models import Programme, Trainee
from tests.accounts.factories import LearnerFactory, UserFactory


class InsertionStaffFactory(UserFactory):
    is_insertion_staff = True


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Chantier d'insertion numérique {2026 + n}")
    start_date = datetime.date(2026, 1, 5)

    @factory.post_generation
    def staff(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.staff.set(extracted)


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    programme = factory.SubFactory(ProgrammeFactory)
    learner = factory.SubFactory(LearnerFactory)
    entry_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(90))
