import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.insertion import services
from lms.insertion.enums import (
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObstacleCategory,
    TraineeStatus,
)
from lms.insertion.models import NoteAccess
from tests.accounts.factories import LearnerFactory
from tests.insertion.factories import InsertionStaffFactory

pytestmark = pytest.mark.dates

TODAY = datetime.date.today()


@pytest.mark.django_db
def test_create_trainee_with_history(programme, staff):
    learner = LearnerFactory()
    trainee = services.trainee_create(programme=programme, learner=learner, by=staff,
                                      entry_date=TODAY, referent=staff,
                                      pass_iae_number="999992212345")
    assert trainee.status == TraineeStatus.ACTIVE
    assert trainee.status_changes.get().to_status == TraineeStatus.ACTIVE
    with pytest.raises(PermissionDenied):
        services.trainee_create(programme=programme, learner=LearnerFactory(),
                                by=InsertionStaffFactory(), entry_date=TODAY)


@pytest.mark.django_db
def test_contract_rules(trainee, staff):
    start = datetime.date(2026, 1, 5)
    with pytest.raises(ValidationError):
        services.contract_add(trainee=trainee, by=staff, start_date=start,
                              end_date=start + datetime.timedelta(days=60), weekly_hours=26)
    first = services.contract_add(trainee=trainee, by=staff, start_date=start,
                                  end_date=datetime.date(2026, 7, 4), weekly_hours=26)
    assert first.kind == "initial"
    with pytest.raises(ValidationError):  # overlaps
        services.contract_add(trainee=trainee, by=staff, start_date=datetime.date(2026, 7, 1),
                              end_date=datetime.date(2026, 12, 31), weekly_hours=26)
    renewal = services.contract_add(trainee=trainee, by=staff,
                                    start_date=datetime.date(2026, 7, 5),
                                    end_date=datetime.date(2027, 1, 4), weekly_hours=30)
    assert renewal.kind == "renewal"
    with pytest.raises(ValidationError):  # beyond 24 months in all
        services.contract_add(trainee=trainee, by=staff, start_date=datetime.date(2027, 1, 5),
                              end_date=datetime.date(2028, 6, 1), weekly_hours=26)
    with pytest.raises(ValidationError):  # 40 h a week is not a CDDI
        services.contract_add(trainee=trainee, by=staff, start_date=datetime.date(2027, 1, 5),
                              end_date=datetime.date(2027, 6, 1), weekly_hours=40)


@pytest.mark.django_db
def test_notes_are_for_programme_staff_and_each_reading_is_logged(trainee, staff, trainer,
                                                                  manager):
    services.interview_record(trainee=trainee, by=staff, date=TODAY,
                              kind=InterviewKind.INITIAL, notes="Hébergée chez sa sœur",
                              next_steps="Rendez-vous CAF")
    interviews = services.interview_notes_read(trainee=trainee, user=staff, context="page")
    assert interviews[0].notes == "Hébergée chez sa sœur"
    assert NoteAccess.objects.filter(user=staff, trainee=trainee).count() == 1
    for outsider in (trainer, manager, InsertionStaffFactory(), trainee.learner):
        with pytest.raises(PermissionDenied):
            services.interview_notes_read(trainee=trainee, user=outsider, context="page")
    assert NoteAccess.objects.count() == 1


@pytest.mark.django_db
def test_future_interviews_are_refused(trainee, staff):
    with pytest.raises(ValidationError):
        services.interview_record(trainee=trainee, by=staff,
                                  date=TODAY + datetime.timedelta(days=2),
                                  kind=InterviewKind.REGULAR)


@pytest.mark.django_db
def test_obstacles_keep_their_evolution(trainee, staff):
    for severity, day in ((3, 60), (2, 30), (1, 0)):
        services.obstacle_assess(trainee=trainee, by=staff, category=ObstacleCategory.MOBILITY,
                                 severity=severity, on=TODAY - datetime.timedelta(days=day))
    assert list(trainee.obstacles.values_list("severity", flat=True)) == [3, 2, 1]
    with pytest.raises(ValidationError):
        services.obstacle_assess(trainee=trainee, by=staff, category="weather", severity=2)


@pytest.mark.django_db
def test_exit_categories_and_subtypes(trainee, staff):
    with pytest.raises(ValidationError):
        services.exit_record(trainee=trainee, by=staff, date=TODAY,
                             category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                             outcome=ExitOutcome.QUALIFYING_TRAINING)
    services.exit_record(trainee=trainee, by=staff, date=TODAY + datetime.timedelta(20),
                         category=ExitCategory.SUSTAINABLE_EMPLOYMENT,
                         outcome=ExitOutcome.CDI, planned=True)
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.ACTIVE
    services.exit_record(trainee=trainee, by=staff, date=TODAY,
                         category=ExitCategory.POSITIVE_EXIT,
                         outcome=ExitOutcome.QUALIFYING_TRAINING, comment="Titre pro AIS")
    trainee.refresh_from_db()
    assert trainee.status == TraineeStatus.EXITED
    assert trainee.exit.outcome == ExitOutcome.QUALIFYING_TRAINING
