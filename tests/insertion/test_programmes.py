"""Insertion programmes and their staff, written by a manager (any programme) or by insertion
staff (programmes they create, and those they staff, but not the staff or co-financing of an
existing one): services.programme_create / programme_update, used by the site's pages and the
API."""

import datetime
import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.insertion import services
from lms.insertion.models import Programme
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 1, 5)


def test_a_manager_creates_and_changes_a_programme(manager, staff):
    colleague = InsertionStaffFactory()
    programme = services.programme_create(by=manager, name=" Chantier espaces verts ",
                                          start_date=START, staff=[staff], co_financed=True,
                                          funders="FSE+, Département")
    assert programme.name == "Chantier espaces verts"
    assert list(programme.staff.all()) == [staff] and programme.co_financed
    programme = services.programme_update(programme=programme, by=manager,
                                          staff=[staff, colleague],
                                          end_date=START + datetime.timedelta(days=365))
    assert set(programme.staff.all()) == {staff, colleague}
    assert programme.end_date == START + datetime.timedelta(days=365)


def test_insertion_staff_create_programmes_and_change_those_they_staff(staff, programme):
    colleague = InsertionStaffFactory()
    created = services.programme_create(by=staff, name="Chantier vélo", start_date=START,
                                        staff=[colleague])
    assert set(created.staff.all()) == {staff, colleague}  # its creator is on its staff
    # They change it, its staff sent back as they are (with or without themselves).
    created = services.programme_update(programme=created, by=staff, name="Chantier cycles",
                                        staff=[colleague], co_financed=False)
    assert created.name == "Chantier cycles"
    assert set(created.staff.all()) == {staff, colleague}
    services.programme_update(programme=programme, by=staff, funders="DDETS")
    # Who reads the trainees' notes and how long evidence is kept: a manager's decisions.
    other = InsertionStaffFactory()
    for change in ({"staff": [colleague, other]}, {"staff": []}, {"co_financed": True}):
        with pytest.raises(ValidationError) as error:
            services.programme_update(programme=created, by=staff, name="X", **change)
        assert set(error.value.message_dict) == set(change)
    created.refresh_from_db()
    assert created.name == "Chantier cycles" and not created.co_financed
    assert set(created.staff.all()) == {staff, colleague}
    # Not a programme they staff: refused.
    with pytest.raises(PermissionDenied):
        services.programme_update(programme=ProgrammeFactory(staff=[colleague]), by=staff,
                                  name="X")


def test_trainers_and_learners_write_no_programme(trainer, learner, programme):
    for user in (trainer, learner, InsertionStaffFactory(is_active=False)):
        with pytest.raises(PermissionDenied):
            services.programme_create(by=user, name="X", start_date=START)
        with pytest.raises(PermissionDenied):
            services.programme_update(programme=programme, by=user, name="X")
    assert not Programme.objects.filter(name="X").exists()


def test_the_staff_are_active_insertion_staff_and_dates_coherent(manager, staff):
    for wrong in (TrainerFactory(), LearnerFactory(), InsertionStaffFactory(is_active=False)):
        with pytest.raises(ValidationError) as error:
            services.programme_create(by=manager, name="X", start_date=START, staff=[wrong])
        assert set(error.value.message_dict) == {"staff"}
    with pytest.raises(ValidationError) as error:
        services.programme_create(by=manager, name="X", start_date=START,
                                  end_date=START - datetime.timedelta(days=1))
    assert set(error.value.message_dict) == {"end_date"}
    assert not Programme.objects.filter(name="X").exists()


def test_the_manager_creates_a_programme_from_the_site(client, manager, staff):
    client.force_login(manager)
    dashboard = html.unescape(client.get(reverse("insertion:dashboard")).content.decode())
    assert f'href="{reverse("insertion:programme_list")}"' in dashboard
    response = client.get(reverse("insertion:programme_create"))
    assert response.status_code == 200 and str(staff) in html.unescape(
        response.content.decode())
    response = client.post(reverse("insertion:programme_create"), {
        "name": "Chantier recyclerie", "start_date": "2026-02-02", "end_date": "",
        "staff": [staff.pk], "funders": "DDETS"})
    assert response.status_code == 302
    programme = Programme.objects.get(name="Chantier recyclerie")
    assert list(programme.staff.all()) == [staff] and programme.funders == "DDETS"
    response = client.post(reverse("insertion:programme_edit", args=[programme.pk]), {
        "name": "Chantier recyclerie", "start_date": "2026-02-02", "end_date": "2026-01-01",
        "staff": [staff.pk]})
    assert response.status_code == 400 and "end_date" in response.context["form"].errors
    response = client.post(reverse("insertion:programme_edit", args=[programme.pk]), {
        "name": "Recyclerie", "start_date": "2026-02-02", "staff": []})
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Recyclerie" and not programme.staff.exists()


def test_insertion_staff_create_a_programme_from_the_site(client, staff, programme):
    colleague = InsertionStaffFactory(first_name="Sandrine", last_name="Moreau")
    foreign = ProgrammeFactory(name="Chantier d'à côté", staff=[colleague])
    client.force_login(staff)
    dashboard = html.unescape(client.get(reverse("insertion:dashboard")).content.decode())
    assert f'href="{reverse("insertion:programme_list")}"' in dashboard
    # The list shows the programmes they staff, not the others.
    page = html.unescape(client.get(reverse("insertion:programme_list")).content.decode())
    assert programme.name in page and foreign.name not in page
    # The form offers their colleagues; they are on the staff anyway.
    response = client.get(reverse("insertion:programme_create"))
    choices = list(response.context["form"].fields["staff"].queryset)
    assert colleague in choices and staff not in choices
    response = client.post(reverse("insertion:programme_create"), {
        "name": "Chantier recyclerie", "start_date": "2026-02-02", "staff": [colleague.pk]})
    assert response.status_code == 302
    created = Programme.objects.get(name="Chantier recyclerie")
    assert set(created.staff.all()) == {staff, colleague}
    # On the edit page the staff and co-financing are shown, not changed: what is posted
    # for them is ignored.
    form = client.get(reverse("insertion:programme_edit", args=[created.pk])).context["form"]
    assert form.fields["staff"].disabled and form.fields["co_financed"].disabled
    response = client.post(reverse("insertion:programme_edit", args=[created.pk]), {
        "name": "Recyclerie", "start_date": "2026-02-02", "staff": [], "co_financed": "on"})
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name == "Recyclerie" and not created.co_financed
    assert set(created.staff.all()) == {staff, colleague}
    # Another programme's page is not found.
    assert client.get(reverse("insertion:programme_edit", args=[foreign.pk])
                      ).status_code == 404
    assert client.post(reverse("insertion:programme_edit", args=[foreign.pk]), {
        "name": "X", "start_date": "2026-02-02"}).status_code == 404


def test_the_programme_pages_are_not_for_trainers_or_learners(client, trainer, learner,
                                                              programme):
    for user in (trainer, learner):
        client.force_login(user)
        assert client.get(reverse("insertion:programme_list")).status_code == 404
        assert client.get(reverse("insertion:programme_create")).status_code == 404
        assert client.get(reverse("insertion:programme_edit", args=[programme.pk])
                          ).status_code == 404


@pytest.mark.parametrize("who", ["manager", "staff"])
def test_the_programme_list_query_count_is_pinned(client, manager, staff, programme, who):
    client.force_login({"manager": manager, "staff": staff}[who])

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("insertion:programme_list"))
            assert response.status_code == 200
        return len(queries), len(response.context["programmes"])

    count()
    few, shown = count()
    for _ in range(4):
        # Staffed by the staff member too: their list grows as the manager's does.
        ProgrammeFactory(staff=[staff, InsertionStaffFactory(), InsertionStaffFactory()])
    assert count() == (few, shown + 4)
