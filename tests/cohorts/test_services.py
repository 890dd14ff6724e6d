"""The cohorts' rules, wherever a cohort is written: lms.cohorts.services."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lms.attendance import services as attendance_services
from lms.cohorts import services
from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_move, enrollment_set_status
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import TrainingPathFactory
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def codes(error: ValidationError) -> dict[str, set[str]]:
    return {name: {item.code for item in items} for name, items in error.error_dict.items()}


def test_a_trainer_creates_groups_of_the_paths_they_teach(path, trainer, manager):
    with pytest.raises(PermissionDenied):
        services.cohort_create(by=trainer, name="Mardi", path=path, start_date=days(1),
                               end_date=days(60))
    path.trainers.add(trainer)
    path.save()  # a parental M2M is written on save
    cohort = services.cohort_create(by=trainer, name="  Mardi ", path=path,
                                    start_date=days(1), end_date=days(60), place="Salle 2",
                                    capacity=8, trainers=[trainer])
    assert cohort.name == "Mardi" and list(cohort.trainers.all()) == [trainer]
    assert services.cohort_create(by=manager, name="Jeudi", path=path, start_date=days(1),
                                  end_date=days(9)).pk


def test_creation_checks_dates_capacity_and_trainers(path, manager, learner):
    base = {"by": manager, "name": "X", "path": path, "start_date": days(1),
            "end_date": days(9)}
    with pytest.raises(ValidationError) as error:
        services.cohort_create(**{**base, "end_date": days(0)})
    assert "end_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.cohort_create(**base, capacity=0)
    assert codes(error.value) == {"capacity": {"min_value"}}
    with pytest.raises(ValidationError) as error:
        services.cohort_create(**base, trainers=[learner])
    assert codes(error.value) == {"trainers": {"not_a_trainer"}}
    assert not Cohort.objects.filter(name="X").exists()


def test_the_path_stays_once_the_group_has_learners(cohort, enrollment, catalogue, manager):
    other = TrainingPathFactory(parent=catalogue, title="Autre")
    with pytest.raises(ValidationError) as error:
        services.cohort_update(cohort=cohort, by=manager, path=other)
    assert codes(error.value) == {"path": {"has_learners"}}
    empty = CohortFactory(path=cohort.path)
    assert services.cohort_update(cohort=empty, by=manager, path=other).path == other


def test_a_trainer_changes_only_their_groups_and_paths_they_teach(cohort, trainer, catalogue):
    other_trainer = TrainerFactory()
    with pytest.raises(PermissionDenied):
        services.cohort_update(cohort=cohort, by=other_trainer, name="Y")
    assert services.cohort_update(cohort=cohort, by=trainer, name="Y").name == "Y"
    other = TrainingPathFactory(parent=catalogue, title="Autre")
    with pytest.raises(PermissionDenied):  # a path they do not teach
        services.cohort_update(cohort=cohort, by=trainer, path=other)


def test_the_dates_keep_the_planned_sessions(cohort, manager, trainer):
    session = SessionFactory(cohort=cohort, date=days(10))
    with pytest.raises(ValidationError) as error:
        services.cohort_update(cohort=cohort, by=manager, end_date=days(5))
    assert codes(error.value) == {"end_date": {"sessions_outside"}}
    with pytest.raises(ValidationError) as error:
        services.cohort_update(cohort=cohort, by=manager, start_date=days(11))
    assert set(error.value.message_dict) >= {"start_date"}
    attendance_services.session_cancel(session=session, by=trainer, reason="Grève")
    assert services.cohort_update(cohort=cohort, by=manager, end_date=days(5)).end_date == days(5)


def test_the_capacity_is_never_below_the_learners(cohort, manager, path):
    for _ in range(3):
        EnrollmentFactory(path=path, cohort=cohort)
    with pytest.raises(ValidationError) as error:
        services.cohort_update(cohort=cohort, by=manager, capacity=2)
    assert codes(error.value) == {"capacity": {"below_learners"}}
    assert services.cohort_update(cohort=cohort, by=manager, capacity=3).capacity == 3


def test_a_full_or_closed_group_takes_no_learner(cohort, manager, path, trainer):
    services.cohort_update(cohort=cohort, by=manager, capacity=1)
    EnrollmentFactory(path=path, cohort=cohort)
    waiting = EnrollmentFactory(path=path, cohort=None)
    with pytest.raises(ValidationError) as error:
        enrollment_move(enrollment=waiting, cohort=cohort, by=trainer)
    assert codes(error.value) == {"cohort": {"full"}}
    services.cohort_update(cohort=cohort, by=manager, capacity=None)
    services.cohort_close(cohort=cohort, by=trainer)
    with pytest.raises(ValidationError) as error:
        enrollment_move(enrollment=waiting, cohort=cohort, by=trainer)
    assert codes(error.value) == {"cohort": {"closed"}}


def test_a_withdrawn_learner_frees_their_seat(cohort, manager, path, trainer):
    services.cohort_update(cohort=cohort, by=manager, capacity=1)
    first = EnrollmentFactory(path=path, cohort=cohort)
    enrollment_set_status(enrollment=first, status=EnrollmentStatus.WITHDRAWN, by=trainer)
    waiting = EnrollmentFactory(path=path, cohort=None, learner=LearnerFactory())
    assert enrollment_move(enrollment=waiting, cohort=cohort, by=trainer).cohort == cohort


def test_closing_ends_the_group_and_freezes_it(cohort, trainer, manager):
    later = SessionFactory(cohort=cohort, date=days(10))
    with pytest.raises(ValidationError) as error:
        services.cohort_close(cohort=cohort, by=trainer)
    assert codes(error.value) == {"on_date": {"sessions_outside"}}
    with pytest.raises(ValidationError) as error:
        services.cohort_close(cohort=cohort, by=trainer,
                              on_date=cohort.start_date - datetime.timedelta(days=1))
    assert codes(error.value) == {"on_date": {"before_start"}}
    attendance_services.session_cancel(session=later, by=trainer, reason="Fin anticipée")
    with pytest.raises(PermissionDenied):
        services.cohort_close(cohort=cohort, by=TrainerFactory())
    closed = services.cohort_close(cohort=cohort, by=trainer)
    assert closed.closed_on == today() and closed.end_date == today() and closed.is_closed
    with pytest.raises(ValidationError):
        services.cohort_close(cohort=cohort, by=manager)
    with pytest.raises(ValidationError):
        services.cohort_update(cohort=cohort, by=manager, name="Encore")
    assert list(Cohort.objects.open()) == []


def test_closing_a_finished_group_keeps_its_end(path, manager):
    cohort = CohortFactory(path=path, start_date=days(-60), end_date=days(-5))
    closed = services.cohort_close(cohort=cohort, by=manager)
    assert closed.end_date == days(-5) and closed.closed_on == today()


def test_a_system_write_checks_no_right(path):
    cohort = services.cohort_create(name="Démo", path=path, start_date=days(1),
                                    end_date=days(9))
    assert services.cohort_update(cohort=cohort, place="Tiers-lieu").place == "Tiers-lieu"
