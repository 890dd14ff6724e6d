"""The site's group pages: create, edit, close (lms/cohorts/views.py), the group list and
planning page's links, and the navigation."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.cohorts.models import Cohort
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def day(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def path_trainer(path):
    trainer = TrainerFactory()
    path.trainers.add(trainer)
    path.save()  # a parental M2M is written on save
    return trainer


def form_data(path, **values):
    data = {"name": "Club du mardi", "path": path.pk, "start_date": day(1),
            "end_date": day(90), "place": "Salle 2", "capacity": "10", "what_to_bring": "",
            "trainers": []}
    data.update(values)
    return data


def test_a_trainer_of_the_path_creates_a_group(client, path, path_trainer):
    client.force_login(path_trainer)
    response = client.get(reverse("cohorts:create"))
    assert response.status_code == 200 and path.title in text(response)
    response = client.post(reverse("cohorts:create"), form_data(path))
    cohort = Cohort.objects.get(name="Club du mardi")
    assert response.status_code == 302
    assert response.url == reverse("attendance:cohort_detail", args=[cohort.pk])
    assert list(cohort.trainers.all()) == [path_trainer]  # the creator trains it
    assert cohort.capacity == 10 and cohort.place == "Salle 2"


def test_a_trainer_of_no_path_is_told_so(client, path, trainer):
    client.force_login(trainer)
    response = client.get(reverse("cohorts:create"))
    assert response.status_code == 200
    assert "Vous ne formez encore sur aucun parcours" in text(response)
    response = client.post(reverse("cohorts:create"), form_data(path))
    assert response.status_code == 400 and not Cohort.objects.filter(name="Club du mardi")


def test_bad_input_is_a_400_with_the_fields(client, path, manager):
    client.force_login(manager)
    response = client.post(reverse("cohorts:create"),
                           form_data(path, end_date=day(0), capacity="0"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"end_date", "capacity"}


def test_learners_and_other_roles_get_a_404(client, cohort, learner, staff):
    for user in (learner, staff):
        client.force_login(user)
        assert client.get(reverse("cohorts:create")).status_code == 404
        assert client.get(reverse("cohorts:edit", args=[cohort.pk])).status_code == 404
    client.force_login(TrainerFactory())  # another group's trainer
    assert client.get(reverse("cohorts:edit", args=[cohort.pk])).status_code == 404
    assert client.get(reverse("cohorts:close", args=[cohort.pk])).status_code == 404


def test_the_group_trainer_edits_it_and_a_refusal_is_on_the_field(client, cohort, trainer,
                                                                  enrollment):
    client.force_login(trainer)
    url = reverse("cohorts:edit", args=[cohort.pk])
    response = client.get(url)
    assert response.status_code == 200 and cohort.name in text(response)
    SessionFactory(cohort=cohort, date=timezone.localdate() + datetime.timedelta(days=20))
    data = form_data(cohort.path, name="Groupe renommé",
                     start_date=cohort.start_date.isoformat(), end_date=day(10),
                     trainers=[trainer.pk], capacity="")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "end_date" in response.context["form"].errors
    response = client.post(url, {**data, "end_date": cohort.end_date.isoformat()})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Groupe renommé" and cohort.capacity is None


def test_closing_asks_for_confirmation_then_closes(client, cohort, trainer):
    client.force_login(trainer)
    url = reverse("cohorts:close", args=[cohort.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {})
    assert response.status_code == 400 and "confirm" in response.context["form"].errors
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.closed_on == timezone.localdate()
    # A closed group is no longer edited: the edit page leads back to it.
    response = client.get(reverse("cohorts:edit", args=[cohort.pk]))
    assert response.status_code == 302


def test_the_groups_are_reachable_from_the_navigation_and_each_group(client, cohort, trainer):
    client.force_login(trainer)
    home = client.get(reverse("progress:dashboard"))
    assert f'href="{reverse("attendance:cohort_list")}"' in text(home)
    listing = client.get(reverse("attendance:cohort_list"))
    assert f'href="{reverse("cohorts:create")}"' in text(listing)
    detail_url = reverse("attendance:cohort_detail", args=[cohort.pk])
    assert f'href="{detail_url}"' in text(listing)
    detail = text(client.get(detail_url))
    for name in ("cohorts:edit", "cohorts:close", "progress:trainer_cohort_place"):
        assert f'href="{reverse(name, args=[cohort.pk])}"' in detail
    follow_up = text(client.get(reverse("progress:trainer_home")))
    assert f'href="{detail_url}"' in follow_up
    matrix = text(client.get(reverse("progress:trainer_cohort", args=[cohort.pk])))
    assert f'href="{detail_url}"' in matrix


def test_the_group_list_query_count_is_pinned(client, manager, path):
    client.force_login(manager)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("attendance:cohort_list")).status_code == 200
        return len(queries)

    CohortFactory(path=path)
    count()
    few = count()
    for _ in range(4):
        CohortFactory(path=path, trainers=[TrainerFactory()])
    assert count() == few


def test_the_creation_form_query_count_is_pinned(client, manager, path):
    client.force_login(manager)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cohorts:create")).status_code == 200
        return len(queries)

    count()
    few = count()
    TrainerFactory.create_batch(4)
    LearnerFactory.create_batch(2)
    assert count() == few
