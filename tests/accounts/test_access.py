"""“Donner l'accès”: staff who follow a learner make them a one-time link to choose their
password, shown as a QR code on a printable handout or sent by email, and logged."""

import datetime
import html
import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from lms.accounts.models import User
from lms.accounts.selectors import ACCESS_LINK_ACTION, learners_in_care_of
from tests.accounts.conftest import SITE_URL
from tests.accounts.factories import LearnerFactory, ManagerFactory, TrainerFactory, UserFactory
from tests.cohorts.factories import CohortFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
from tests.progress.factories import EnrollmentFactory

NEW_PASSWORD = "le jardin partagé du mardi"


@pytest.fixture
def beginner(db):
    """A senior of the beginners' club: an account made by staff, no email, no password."""
    person = LearnerFactory(username="josette.martin", first_name="Josette", last_name="Martin",
                            email="")
    person.set_unusable_password()
    person.save()
    return person


@pytest.fixture
def enrolled(beginner, path, cohort):
    return EnrollmentFactory(learner=beginner, path=path, cohort=cohort)


def access_url(person, **query) -> str:
    url = f"/comptes/apprenants/{person.pk}/acces/"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def logged(person):
    return ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk),
        action=ACCESS_LINK_ACTION).order_by("timestamp")


def text(response) -> str:
    return html.unescape(response.content.decode())


def handout_link(response) -> str:
    links = re.findall(r"parcours\.exemple\.org(/comptes/acces/[^/<\s]+/[^/<\s]+/)",
                       response.text)
    assert links, response.text
    return links[0]


# --- The handout ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trainer_gives_access_with_a_handout_that_works_once(client, trainer, enrolled,
                                                               beginner):
    client.force_login(trainer)
    page = client.get(access_url(beginner))
    assert page.status_code == 200
    assert "Donner l'accès à Josette Martin" in text(page)
    assert "josette.martin" in page.text and "pas encore choisi" in page.text
    assert 'value="email"' not in page.text  # no address: no email button
    assert "Aucun accès donné pour le moment." in page.text

    response = client.post(access_url(beginner), {"action": "handout"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Votre accès à Parcours" in response.text
    assert 'src="data:image/svg+xml' in response.text
    assert 'alt="QR code : ouvre la page où vous choisissez votre mot de passe"' in text(response)
    assert '<dd class="handout__username">josette.martin</dd>' in response.text
    assert "Ce code ne sert qu'une fois, jusqu'au" in text(response)
    assert 'type="password"' not in response.text  # staff never type the password
    path = handout_link(response)

    [entry] = logged(beginner)
    assert (entry.user, entry.data) == (trainer, {"channel": "handout"})
    assert "Lien pour choisir un mot de passe remis" in log_registry.get_formatter(
        entry).format_message(entry)
    history = client.get(access_url(beginner))
    assert "Aucun accès donné" not in history.text
    assert str(trainer) in text(history) and "fiche imprimée ou QR code à l'écran" in text(history)

    # The learner scans it on their phone and chooses a password.
    phone = Client()
    form_url = phone.get(path)["Location"]
    response = phone.post(form_url, {"new_password1": NEW_PASSWORD,
                                     "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/comptes/acces/termine/"
    beginner.refresh_from_db()
    assert beginner.check_password(NEW_PASSWORD)
    assert phone.login(username="josette.martin", password=NEW_PASSWORD)
    # The sheet is now useless, to anybody.
    again = Client().get(path)
    assert again.status_code == 200 and not again.context["validlink"]


@pytest.mark.django_db
def test_the_handout_expires_with_password_reset_timeout(client, settings, manager, beginner,
                                                         monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 2 * 24 * 3600
    client.force_login(manager)
    assert "pendant 2 jours" in client.get(access_url(beginner)).text
    path = handout_link(client.post(access_url(beginner), {"action": "handout"}))
    real_now = PasswordResetTokenGenerator._now
    # Three days on, past the two-day timeout (a year on is no date from a 29 February).
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now",
                        lambda self: real_now(self) + datetime.timedelta(days=3))
    response = Client().get(path)
    assert response.status_code == 200 and not response.context["validlink"]


@pytest.mark.django_db
def test_a_learner_with_a_password_keeps_it_until_they_choose_another(client, manager, learner):
    client.force_login(manager)
    page = client.get(access_url(learner))
    assert "Cette personne a déjà un mot de passe" in page.text
    client.post(access_url(learner), {"action": "handout"})
    learner.refresh_from_db()
    assert learner.has_usable_password()


# --- By email ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_link_is_sent_by_email_in_french(client, trainer, path, cohort):
    person = LearnerFactory(first_name="Ali", last_name="Benali", email="ali@exemple.fr")
    person.set_unusable_password()
    person.save()
    EnrollmentFactory(learner=person, path=path, cohort=cohort)
    client.force_login(trainer)
    client.cookies["django_language"] = "en"  # the trainer reads English, the email is French
    page = client.get(access_url(person))
    assert 'value="email"' in page.text
    response = client.post(access_url(person, retour="/suivi/formation/"), {"action": "email"})
    assert response.status_code == 302
    assert response["Location"] == access_url(person, retour="/suivi/formation/")
    [message] = mail.outbox
    assert message.to == ["ali@exemple.fr"]
    assert message.subject == "Votre accès à Parcours"
    assert "Bonjour Ali Benali," in message.body
    assert f"{trainer} vous envoie le lien pour choisir votre mot de passe" in message.body
    assert "Votre identifiant : " + person.username in message.body
    link = re.search(rf"{re.escape(SITE_URL)}(/comptes/acces/\S+/\S+/)", message.body)[1]
    assert link in message.alternatives[0][0]
    assert Client().get(link).status_code == 302  # valid
    [entry] = logged(person)
    assert (entry.user, entry.data) == (trainer, {"channel": "email"})


@pytest.mark.django_db
def test_no_email_address_means_no_email(client, trainer, enrolled, beginner):
    client.force_login(trainer)
    response = client.post(access_url(beginner), {"action": "email"})
    assert response.status_code == 400
    assert "Cette personne n'a pas d'adresse e-mail" in text(response)
    assert 'role="alert"' in response.text
    assert not mail.outbox and not logged(beginner).exists()


@pytest.mark.django_db
def test_a_mail_server_failure_is_told_to_staff(client, manager, learner, monkeypatch):
    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    client.force_login(manager)
    response = client.post(access_url(learner), {"action": "email"}, follow=True)
    assert response.status_code == 200
    assert "L'e-mail n'a pas pu partir" in text(response)
    assert not logged(learner).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"action": "password"}, {"action": "x" * 5000}])
def test_bad_input_is_a_400(client, manager, learner, data):
    client.force_login(manager)
    response = client.post(access_url(learner), data)
    assert response.status_code == 400
    assert "Choisissez comment donner l'accès." in text(response)
    assert not logged(learner).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("back", ["//evil.example/", "https://evil.example/", "javascript:x",
                                  "suivi"])
def test_only_a_local_page_is_offered_to_go_back_to(client, manager, learner, back):
    client.force_login(manager)
    page = client.get(access_url(learner), {"retour": back})
    assert page.context["back_url"] == ""
    assert ">Retour</a>" not in page.text
    page = client.get(access_url(learner), {"retour": "/suivi/formation/"})
    assert 'href="/suivi/formation/">Retour</a>' in page.text


# --- Who may give access ------------------------------------------------------------------------


@pytest.fixture
def world(path, cohort, trainer, enrolled, beginner):
    """The beginner: in `cohort` (trained by `trainer`), a trainee of a programme."""
    other_cohort = CohortFactory(path=path, trainers=[TrainerFactory()])
    path_trainer = TrainerFactory()
    path.trainers.add(path_trainer)
    path.save()
    staff = InsertionStaffFactory()
    TraineeFactory(programme=ProgrammeFactory(staff=[staff]), learner=beginner)
    other_learner = LearnerFactory()
    EnrollmentFactory(learner=other_learner, path=path, cohort=other_cohort)
    return {
        "trainer": trainer, "path_trainer": path_trainer, "staff": staff,
        "manager": ManagerFactory(),
        "other_trainer": other_cohort.trainers.get(),
        "other_staff": InsertionStaffFactory(),
        "learner": beginner, "other_learner": other_learner,
        "nobody": UserFactory(),
    }


ALLOWED = {"trainer", "path_trainer", "staff", "manager"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["trainer", "path_trainer", "staff", "manager",
                                  "other_trainer", "other_staff", "learner", "other_learner",
                                  "nobody"])
def test_only_staff_who_follow_the_learner_reach_the_page(client, world, beginner, role):
    client.force_login(world[role])
    expected = 200 if role in ALLOWED else 404
    assert client.get(access_url(beginner)).status_code == expected
    assert client.post(access_url(beginner), {"action": "handout"}).status_code == expected
    assert logged(beginner).exists() == (role in ALLOWED)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, beginner):
    response = client.get(access_url(beginner))
    assert response["Location"].startswith("/comptes/connexion/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["is_trainer", "is_insertion_staff", "is_manager", "is_staff",
                                  "is_superuser"])
def test_no_link_into_an_account_that_holds_a_staff_role(client, world, beginner, flag):
    """A trainer enrolled as a learner, a manager in a programme: taking over their account
    would give someone else's rights. They use “Forgotten password?”."""
    setattr(beginner, flag, True)
    beginner.save()
    for role in ("trainer", "staff", "manager"):
        client.force_login(world[role])
        assert client.get(access_url(beginner)).status_code == 404
        assert client.post(access_url(beginner), {"action": "handout"}).status_code == 404
    assert not logged(beginner).exists()


@pytest.mark.django_db
def test_no_link_into_a_deactivated_account(client, world, beginner):
    beginner.is_active = False
    beginner.save()
    client.force_login(world["manager"])
    assert client.get(access_url(beginner)).status_code == 404
    assert client.get("/comptes/apprenants/999999/acces/").status_code == 404


@pytest.mark.django_db
def test_the_scope_of_each_role(world, beginner):
    other = world["other_learner"]
    assert set(learners_in_care_of(world["trainer"])) == {beginner}
    assert set(learners_in_care_of(world["path_trainer"])) == {beginner, other}
    assert set(learners_in_care_of(world["staff"])) == {beginner}
    assert set(learners_in_care_of(world["other_trainer"])) == {other}
    for role in ("other_staff", "learner", "nobody"):
        assert not learners_in_care_of(world[role]).exists()
    assert beginner in learners_in_care_of(world["manager"])
    assert world["trainer"] not in learners_in_care_of(world["manager"])


# --- The history: one query, whatever its length ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("given", [1, 12])
def test_the_page_and_its_history_take_a_fixed_number_of_queries(client, manager, learner,
                                                                 given, django_assert_num_queries):
    client.force_login(manager)
    givers = [ManagerFactory() for _ in range(3)]
    for number in range(given):
        client.force_login(givers[number % 3])
        client.post(access_url(learner), {"action": "handout"})
    client.force_login(manager)
    ContentType.objects.get_for_model(User)  # cached for the process, as in production
    # Session, user, learner, history; the layout's organisation, admin bar permissions (2)
    # and catalogue link (2).
    with django_assert_num_queries(9):
        page = client.get(access_url(learner))
    assert len(page.context["history"]) == given
    assert page.context["history"][0].at >= page.context["history"][-1].at


# --- Where staff find it ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_matrix_rows_lead_to_it(client, trainer, cohort, enrolled, beginner):
    client.force_login(trainer)
    page = client.get(f"/suivi/formation/groupe/{cohort.pk}/").text
    assert (f'href="/comptes/apprenants/{beginner.pk}/acces/?retour=/suivi/formation/groupe/'
            f'{cohort.pk}/">Donner l\'accès<span class="visually-hidden"> à Josette Martin'
            f'</span></a>') in page
    assert "Pas encore de mot de passe" in page


@pytest.mark.django_db
def test_the_trainee_page_leads_to_it(client, staff, trainee, learner):
    client.force_login(staff)
    page = client.get(f"/insertion/beneficiaires/{trainee.pk}/").text
    assert f'href="/comptes/apprenants/{learner.pk}/acces/?retour=' in page
    assert learner.username in page


@pytest.mark.django_db
def test_a_new_trainee_without_password_is_pointed_to_it(client, staff, programme):
    client.force_login(staff)
    response = client.post("/insertion/beneficiaires/nouveau/", {
        "programme": programme.pk, "first_name": "Nadia", "last_name": "Kaci",
        "email": "nadia.k@exemple.fr", "entry_date": "2026-01-05"}, follow=True)
    assert response.status_code == 200
    assert "Nadia Kaci n'a pas encore de mot de passe" in text(response)
    assert "Donner l'accès" in text(response)
