import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from lms.accounts.enums import Role
from lms.accounts.models import Organisation, User
from lms.accounts.validators import validate_nda, validate_siret
from tests.accounts.factories import PASSWORD, UserFactory


@pytest.mark.django_db
def test_token_is_issued_for_good_credentials_and_used_in_header(learner):
    api = APIClient()
    response = api.post("/api/v1/auth/token/",
                        {"username": learner.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/paths/").status_code == 200
    again = api.post("/api/v1/auth/token/",
                     {"username": learner.username, "password": PASSWORD}, format="json")
    assert again.json()["token"] == token


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [
    {"username": "nobody", "password": "x"},
    {"username": "", "password": ""},
    {},
])
def test_bad_credentials_get_a_400_with_field_errors(payload, learner):
    response = APIClient().post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 400
    assert response.json()


@pytest.mark.django_db
def test_a_person_can_hold_several_roles():
    person = UserFactory(is_trainer=True, is_insertion_staff=True)
    assert person.roles == [Role.TRAINER, Role.INSERTION_STAFF]
    assert person.has_role(Role.TRAINER) and not person.has_role(Role.MANAGER)
    assert list(User.objects.with_role(Role.INSERTION_STAFF)) == [person]
    assert list(User.objects.trainers()) == [person]
    assert not User.objects.learners().exists()


@pytest.mark.django_db
def test_login_page_logs_in_and_out(client, learner):
    response = client.post("/comptes/connexion/",
                           {"username": learner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/comptes/connexion/").status_code == 302  # already logged in
    response = client.post("/comptes/deconnexion/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_wrong_password_shows_a_form_message(client, learner):
    response = client.post("/comptes/connexion/",
                           {"username": learner.username, "password": "nope"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("siret", ["73282932000074", "35600000000048", "35600000012346"])
def test_valid_sirets_pass(siret):
    validate_siret(siret)


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A", ""])
def test_invalid_sirets_are_refused(siret):
    with pytest.raises(ValidationError):
        validate_siret(siret)


def test_nda_has_eleven_digits():
    validate_nda("11755555575")
    with pytest.raises(ValidationError):
        validate_nda("1175555557")


@pytest.mark.django_db
def test_organisation_is_a_single_setting_with_its_legal_identity():
    organisation = Organisation.load()
    organisation.name = "C-Num"
    organisation.address = "12 rue des Tanneurs"
    organisation.postcode = "79000"
    organisation.city = "Niort"
    organisation.siret = "73282932000074"
    organisation.nda = "75790123479"
    organisation.full_clean()
    organisation.save()
    assert Organisation.load().full_address == "12 rue des Tanneurs, 79000 Niort"
    organisation.siret = "123"
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "siret" in error.value.message_dict
