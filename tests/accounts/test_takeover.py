"""No account takeover: once a person chose their own password, only a manager gives them a new
way in; a trainer's one-time link is for learners who never chose one, and the learner is told
of every link made for their account. Enrolling an account without a learner role takes a
manager."""

import datetime
import html

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from lms.accounts.models import User
from lms.progress.models import Enrollment
from tests.accounts.factories import PASSWORD, LearnerFactory, TrainerFactory
from tests.progress.factories import EnrollmentFactory

NEW_PASSWORD = "le jardin partagé du mardi"
START = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def access_url(person) -> str:
    return f"/comptes/apprenants/{person.pk}/acces/"


def choose_password_with_link(response, password=NEW_PASSWORD) -> Client:
    """The learner opens the handout's link and chooses a password; returns their client."""
    body = html.unescape(response.content.decode())
    path = "/comptes/acces/" + body.split("parcours.exemple.org/comptes/acces/", 1)[1].split(
        "<", 1)[0].split('"', 1)[0].strip()
    phone = Client()
    form_url = phone.get(path)["Location"]
    answer = phone.post(form_url, {"new_password1": password, "new_password2": password})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return phone


@pytest.fixture
def newcomer(path, cohort):
    """A learner whose account staff made: no password yet."""
    person = LearnerFactory(email="")
    person.set_unusable_password()
    person.save()
    EnrollmentFactory(learner=person, path=path, cohort=cohort)
    return person


@pytest.mark.django_db
def test_choosing_ones_password_is_recorded(client, trainer, newcomer):
    assert newcomer.password_set_by_owner_at is None and not newcomer.has_own_password
    with time_machine.travel(START, tick=False):
        # Logged in on the travelled day: a session opened on another day may have expired.
        client.force_login(trainer)
        choose_password_with_link(client.post(access_url(newcomer), {"action": "handout"}))
    newcomer.refresh_from_db()
    assert newcomer.password_set_by_owner_at == START
    assert newcomer.has_own_password


@pytest.mark.django_db
def test_a_trainer_cannot_give_a_link_to_a_learner_who_chose_their_password(
        client, trainer, newcomer):
    client.force_login(trainer)
    choose_password_with_link(client.post(access_url(newcomer), {"action": "handout"}))
    page = client.get(access_url(newcomer))
    assert page.status_code == 200
    assert "seul un responsable peut lui donner un nouvel accès" in html.unescape(page.text)
    assert 'value="handout"' not in page.text
    response = client.post(access_url(newcomer), {"action": "handout"})
    assert response.status_code == 400
    assert "seul un responsable peut lui donner un nouvel accès" in html.unescape(response.text)
    assert "parcours.exemple.org/comptes/acces/" not in response.text
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_the_enrol_then_print_takeover_is_closed(client, path, cohort, trainer):
    """The probe's path: a trainer enrols someone else's learner in their own cohort, then
    prints the access link to set a new password over the learner's own."""
    victim = LearnerFactory()
    victim.set_password("mon mot de passe à moi")
    victim.password_set_by_owner_at = START
    victim.save()
    EnrollmentFactory(learner=victim, path=path, cohort=cohort)
    client.force_login(trainer)
    assert client.post(access_url(victim), {"action": "email"}).status_code == 400
    assert client.post(access_url(victim), {"action": "handout"}).status_code == 400
    victim.refresh_from_db()
    assert victim.check_password("mon mot de passe à moi")


@pytest.mark.django_db
def test_a_manager_still_gives_a_new_access(client, manager, newcomer, trainer):
    trainer_client = Client()
    trainer_client.force_login(trainer)
    choose_password_with_link(trainer_client.post(access_url(newcomer), {"action": "handout"}))
    client.force_login(manager)
    response = client.post(access_url(newcomer), {"action": "handout"})
    assert response.status_code == 200
    choose_password_with_link(response, password="un autre jardin partagé")
    newcomer.refresh_from_db()
    assert newcomer.check_password("un autre jardin partagé")


@pytest.mark.django_db
def test_changing_ones_password_is_recorded(client, learner):
    client.force_login(learner)
    response = client.post("/comptes/mot-de-passe/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.has_own_password


@pytest.mark.django_db
def test_the_link_is_single_use(client, trainer, newcomer):
    client.force_login(trainer)
    response = client.post(access_url(newcomer), {"action": "handout"})
    body = html.unescape(response.content.decode())
    path = "/comptes/acces/" + body.split("parcours.exemple.org/comptes/acces/", 1)[1].split(
        "<", 1)[0].strip()
    choose_password_with_link(response)
    again = Client().get(path, follow=True)
    assert not again.context["validlink"]


@pytest.mark.django_db
def test_the_learner_is_told_of_a_link_made_for_them_at_their_next_login(
        client, trainer, learner, enrollment):
    learner.last_login = START - datetime.timedelta(days=2)
    learner.save()
    with time_machine.travel(START, tick=False):
        client.force_login(trainer)
        assert client.post(access_url(learner), {"action": "handout"}).status_code == 200
    with time_machine.travel(START + datetime.timedelta(hours=1), tick=False):
        own = Client()
        response = own.post("/comptes/connexion/",
                            {"username": learner.username, "password": PASSWORD}, follow=True)
    notices = [str(message) for message in response.context["messages"]]
    assert any(f"Un lien d'accès a été créé pour votre compte par {trainer}" in notice
               and "10/03/2026" in notice for notice in notices), notices
    # Told once: the next login after that says nothing.
    with time_machine.travel(START + datetime.timedelta(hours=2), tick=False):
        response = Client().post("/comptes/connexion/",
                                 {"username": learner.username, "password": PASSWORD},
                                 follow=True)
    assert not [str(m) for m in response.context["messages"]]


# Enrolling an account that holds no learner role ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["is_manager", "is_trainer", "is_insertion_staff", None])
def test_a_trainer_cannot_enrol_an_account_without_a_learner_role(trainer, path, cohort, role):
    person = User.objects.create_user(username=f"compte.{role}", password=PASSWORD,
                                      **({role: True} if role else {}))
    api = APIClient()
    api.force_authenticate(trainer)
    response = api.post("/api/v1/enrollments/", {"learner": person.pk, "path": path.pk,
                                                 "cohort": cohort.pk}, format="json")
    assert response.status_code == 400, response.content
    assert "seul un responsable" in str(response.json())
    assert not Enrollment.objects.filter(learner=person).exists()
    person.refresh_from_db()
    assert not person.is_learner


@pytest.mark.django_db
def test_a_manager_enrols_an_account_without_a_learner_role(manager, path, cohort):
    person = TrainerFactory()
    api = APIClient()
    api.force_authenticate(manager)
    response = api.post("/api/v1/enrollments/", {"learner": person.pk, "path": path.pk,
                                                 "cohort": cohort.pk}, format="json")
    assert response.status_code == 201, response.content
    person.refresh_from_db()
    assert person.is_learner


@pytest.mark.django_db
def test_enrol_many_refuses_a_non_learner_for_a_trainer(trainer, path, cohort):
    from django.core.exceptions import ValidationError

    from lms.progress.services import enroll_many

    person = TrainerFactory()
    with pytest.raises(ValidationError) as error:
        enroll_many(learners=[person], path=path, by=trainer, cohort=cohort)
    assert error.value.error_dict["learner"][0].code == "not_a_learner"
    assert not Enrollment.objects.filter(learner=person).exists()


@pytest.mark.django_db
def test_an_import_by_a_trainer_refuses_a_non_learner_row_and_imports_nothing(
        client, trainer, path, cohort, manager):
    from lms.progress import imports

    colleague = TrainerFactory(email="collegue@exemple.fr")
    text = ("nom;prénom;email;parcours;groupe\r\n"
            f"Martin;Lucie;lucie.martin@exemple.fr;{path.slug};{cohort.name}\r\n"
            f"Collègue;Jo;collegue@exemple.fr;{path.slug};{cohort.name}\r\n")
    preview = imports.build_preview(text=text, user=trainer)
    assert [(error.line, error.code) for error in preview.errors] == [(3, "not_a_learner")]
    with pytest.raises(imports.ImportRejected):
        imports.import_commit(text=text, by=trainer)
    assert not Enrollment.objects.exists()
    colleague.refresh_from_db()
    assert not colleague.is_learner
    # A manager may.
    assert imports.build_preview(text=text, user=manager).is_valid


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["is_trainer", None])
def test_insertion_staff_cannot_make_an_account_without_a_learner_role_a_trainee(
        staff, programme, manager, role):
    """One rule for every way of making a learner (lms.accounts.services.learner_role_grant):
    insertion staff may not draw a role-less or staff account into their programme (then give
    it an access link); a manager may, if it holds no staff role."""
    from django.core.exceptions import ValidationError

    from lms.insertion import services as insertion
    from lms.insertion.forms import learner_choices
    from tests.accounts.factories import UserFactory

    person = UserFactory(**({role: True} if role else {}))
    with pytest.raises(ValidationError) as error:
        insertion.trainee_create(programme=programme, learner=person, by=staff,
                                 entry_date=datetime.date(2026, 3, 2))
    assert error.value.error_dict["learner"][0].code == "not_a_learner"
    person.refresh_from_db()
    assert not person.is_learner and not person.trainee_records.exists()
    assert person not in learner_choices(staff)
    if role is None:
        assert person in learner_choices(manager)
        insertion.trainee_create(programme=programme, learner=person, by=manager,
                                 entry_date=datetime.date(2026, 3, 2))
        person.refresh_from_db()
        assert person.is_learner
