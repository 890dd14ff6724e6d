"""“New trainee” with a learner who has no account yet: the account is made as everywhere else
(prénom.nom, numbered when taken; lms.accounts.usernames), the email is optional since many
trainees have none, an email already used by any account is refused with a form error, and
only the staff of the programme (or a manager) may do it."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lms.accounts.models import User
from lms.insertion import services
from lms.insertion.models import Trainee, TraineeStatusChange
from tests.accounts.factories import LearnerFactory, ManagerFactory, TrainerFactory, UserFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory

URL = "/insertion/beneficiaires/nouveau/"
TODAY = timezone.localdate()


def new_trainee(programme, **values):
    data = {"programme": programme.pk, "first_name": "Awa", "last_name": "Diallo",
            "email": "", "entry_date": TODAY.isoformat()}
    data.update(values)
    return data


def created(client, programme, **values) -> User:
    response = client.post(URL, new_trainee(programme, **values))
    assert response.status_code == 302, response.context["form"].errors
    trainee = Trainee.objects.latest("pk")
    assert response["Location"] == f"/insertion/beneficiaires/{trainee.pk}/"
    return trainee.learner


# --- Usernames -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_username_is_prenom_nom_then_numbered(client, staff, programme):
    client.force_login(staff)
    assert created(client, programme).username == "awa.diallo"
    # Namesakes, confirmed as other people (tests/insertion/test_trainee_namesakes.py).
    assert created(client, programme, namesake_ok="on").username == "awa.diallo2"
    # Usernames compare case-insensitively at login: an “Awa.Diallo3” is taken too.
    UserFactory(username="Awa.Diallo3")
    assert created(client, programme, namesake_ok="on").username == "awa.diallo4"
    accented = created(client, programme, first_name=" Élodie-Marie ", last_name="N’Diaye")
    assert accented.username == "elodie-marie.ndiaye"
    assert (accented.first_name, accented.last_name) == ("Élodie-Marie", "N’Diaye")


@pytest.mark.django_db
def test_names_in_another_script(client, staff, programme):
    """Nothing of an Arabic name survives in ASCII: the email's local part stands in, else
    “apprenant”, numbered like any other username. The names themselves are kept as typed."""
    client.force_login(staff)
    with_email = created(client, programme, first_name="فاطمة", last_name="الزهراء",
                         email="fatima.z@exemple.fr")
    assert with_email.username == "fatima-z"
    assert (with_email.first_name, with_email.last_name) == ("فاطمة", "الزهراء")
    assert [created(client, programme, first_name="يوسف", last_name="بن علي",
                    namesake_ok="on").username
            for _ in range(2)] == ["apprenant", "apprenant2"]
    assert created(client, programme, first_name="Youssef", last_name="بن علي").username \
        == "youssef"


# --- Email -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_no_email_is_needed(client, staff, programme):
    client.force_login(staff)
    response = client.post(URL, new_trainee(programme))
    assert response.status_code == 302
    learner = Trainee.objects.get().learner
    assert learner.email == "" and learner.is_learner
    assert not learner.has_usable_password()
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("Donner l'accès" in message for message in shown)
    # The way in for someone without an email: the printed one-time link.
    assert client.get(f"/comptes/apprenants/{learner.pk}/acces/").status_code == 200
    # A second person without an email is no clash.
    assert created(client, programme, first_name="Moussa", last_name="Koné").email == ""


@pytest.mark.django_db
@pytest.mark.parametrize("owner", [LearnerFactory, TrainerFactory, InsertionStaffFactory])
def test_an_email_already_used_is_refused(client, staff, programme, owner):
    owner(email="Awa.Diallo@Exemple.fr")
    client.force_login(staff)
    before = User.objects.count()
    response = client.post(URL, new_trainee(programme, email="awa.diallo@EXEMPLE.fr"))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("email", "email_taken")
    assert "Un compte utilise déjà cette adresse e-mail" in response.content.decode()
    assert User.objects.count() == before and not Trainee.objects.exists()


@pytest.mark.django_db
def test_the_service_refuses_an_email_already_used(staff, programme):
    """Should two pages race past the form's check, the service still refuses, in this page's
    words, and leaves nothing behind."""
    LearnerFactory(email="awa.diallo@exemple.fr")
    before = User.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.trainee_create_with_learner(
            by=staff, programme=programme, entry_date=TODAY, first_name="Awa",
            last_name="Diallo", email=" AWA.Diallo@exemple.fr ")
    [error] = refused.value.error_dict["email"]
    assert error.code == "email_taken"
    assert "liste des apprenant·es existant·es" in str(error.message)
    assert User.objects.count() == before and not Trainee.objects.exists()


# --- Who, and what is recorded ---------------------------------------------------------------

@pytest.mark.django_db
def test_the_status_change_is_recorded_by_whoever_created(client, staff, programme):
    client.force_login(staff)
    learner = created(client, programme, referent=staff.pk)
    trainee = learner.trainee_records.get()
    change = TraineeStatusChange.objects.get(trainee=trainee)
    assert (change.changed_by, change.changed_on) == (staff, TODAY)
    assert trainee.referent == staff


@pytest.mark.django_db
def test_managers_create_in_any_programme(client, programme):
    client.force_login(ManagerFactory())
    assert created(client, programme).username == "awa.diallo"


@pytest.mark.django_db
def test_only_the_programme_staff_create_learners(client, staff, programme):
    other_staff = InsertionStaffFactory()
    ProgrammeFactory(staff=[other_staff])
    outsiders = (TrainerFactory(), LearnerFactory())
    before = User.objects.count()
    for user in outsiders:
        client.force_login(user)
        assert client.post(URL, new_trainee(programme)).status_code == 404
    # Staff of another programme: the programme is not among their choices.
    client.force_login(other_staff)
    response = client.post(URL, new_trainee(programme))
    assert response.status_code == 400 and "programme" in response.context["form"].errors
    assert User.objects.count() == before
    # The service's own rule, whatever the form offers: no account is made first.
    with pytest.raises(PermissionDenied):
        services.trainee_create_with_learner(by=other_staff, programme=programme,
                                             entry_date=TODAY, first_name="Awa",
                                             last_name="Diallo")
    assert not User.objects.filter(first_name="Awa").exists()
    assert not Trainee.objects.exists()
