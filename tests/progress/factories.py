import datetime

import factory
from django.utils import timezone

from lms.progress.enums import (
    AssessmentKind,
    AssessmentMethod,
    EnrollmentSource,
    EnrollmentStatus,
)
from lms.progress.models import CohortMembership, CompetenceAssessment, Enrollment, LessonCompletion
from tests.accounts.factories import LearnerFactory

LONG_AGO = datetime.date(2000, 1, 1)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    learner = factory.SubFactory(LearnerFactory)
    source = EnrollmentSource.STAFF

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        """The membership the progress services would have written (see enrollment_create and
        enrollment_set_status). `membership=<date>` is the first day the learner is expected
        at the cohort's sessions. By default the learner is in the group since long before
        any session a test makes (tests build their sessions days or weeks before today,
        sometimes before the cohort's start): most tests are not about the roster, and those
        about a learner who joined later say when. `membership=False` writes none."""
        if not create or obj.cohort_id is None or extracted is False:
            return
        start = extracted if isinstance(extracted, datetime.date) else LONG_AGO
        end = None
        # Only a withdrawal closes the membership that day, as enrollment_set_status does: a
        # learner who completed the path stays in the group for its remaining sessions.
        if obj.status == EnrollmentStatus.WITHDRAWN:
            end = max(timezone.localdate(obj.status_changed_at), start)
        CohortMembership.objects.create(enrollment=obj, cohort=obj.cohort, start_date=start,
                                        end_date=end)


class LessonCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LessonCompletion


class ValidationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetenceAssessment

    kind = AssessmentKind.VALIDATION
    method = AssessmentMethod.OBSERVATION
    level = 3
