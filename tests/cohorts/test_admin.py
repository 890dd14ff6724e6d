"""The Wagtail admin's cohort forms save through lms.cohorts.services: the same rules as the
site and the API, a refusal shown on the form, never a 500."""

import pytest
from wagtail.models import ModelLogEntry

from lms.cohorts.models import Cohort
from tests.accounts.factories import ManagerFactory
from tests.courses.factories import TrainingPathFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_manager(db):
    return ManagerFactory(is_superuser=True, is_staff=True)


def form(cohort, path, **changes):
    data = {"name": cohort.name if cohort else "Groupe admin", "path": path.pk,
            "start_date": "2026-03-02", "end_date": "2026-06-26", "place": "",
            "capacity": "", "what_to_bring": "", "trainers": []}
    if cohort is not None:
        data.update(start_date=cohort.start_date.isoformat(),
                    end_date=cohort.end_date.isoformat(), capacity=cohort.capacity or "")
    data.update(changes)
    return data


def test_the_admin_creates_a_cohort_through_the_service(client, admin_manager, path, trainer):
    client.force_login(admin_manager)
    response = client.post("/admin/snippets/cohorts/cohort/add/",
                           form(None, path, trainers=[trainer.pk]))
    assert response.status_code == 302, response.content[:500]
    cohort = Cohort.objects.get(name="Groupe admin")
    assert list(cohort.trainers.all()) == [trainer]
    assert ModelLogEntry.objects.filter(object_id=str(cohort.pk), action="wagtail.create")


def test_a_refused_admin_edit_is_a_message_not_a_500(client, admin_manager, cohort, enrollment,
                                                     catalogue):
    client.force_login(admin_manager)
    other = TrainingPathFactory(parent=catalogue, title="Autre parcours")
    url = f"/admin/snippets/cohorts/cohort/edit/{cohort.pk}/"
    response = client.post(url, form(cohort, other))
    assert response.status_code == 200  # the form again, with the service's error
    assert response.context["form"].errors == {"path": [
        "Ce groupe a des apprenant·es : son parcours ne peut pas changer."]}
    cohort.refresh_from_db()
    assert cohort.path_id == enrollment.path_id
    response = client.post(url, form(cohort, cohort.path, capacity="0"))
    assert response.status_code == 200
    response = client.post(url, form(cohort, cohort.path, name="Renommé"))
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Renommé"
