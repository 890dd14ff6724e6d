import factory

from lms.progress.enums import AssessmentKind, AssessmentMethod, EnrollmentSource
from lms.progress.models import CompetenceAssessment, Enrollment, LessonCompletion
from tests.accounts.factories import LearnerFactory


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(LearnerFactory)
    source = EnrollmentSource.STAFF


class LessonCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonCompletion


class ValidationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetenceAssessment

    kind = AssessmentKind.VALIDATION
    method = AssessmentMethod.OBSERVATION
    level = 3
