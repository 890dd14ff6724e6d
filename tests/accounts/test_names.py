"""Names are clean: stored in NFC, invisible and direction-changing characters refused with a
message in every way a name comes in, the same-name check on the normalised form, usernames
transliterated."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse

from lms.accounts import services as accounts_services
from lms.accounts.models import User
from lms.accounts.usernames import username_base
from lms.accounts.validators import person_name_normalize, validate_person_name
from tests.accounts.factories import LearnerFactory

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731

REFUSED = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
           "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u00ad", "\u2060", "\ufeff",
           "\t", "\n", "\u2028", "\ue000"]


@pytest.mark.parametrize("char", REFUSED)
def test_invisible_and_direction_characters_are_refused(char):
    with pytest.raises(ValidationError) as error:
        validate_person_name(f"Martin{char}ez")
    assert error.value.code == "name_invisible_characters"
    assert f"U+{ord(char):04X}" in error.value.messages[0]


@pytest.mark.parametrize("name", [
    "Zoé", "N’Diaye", "Jean-Pierre", "Łukasz", "Nguyễn Thị Đào", "Иван", "王芳", "محمد",
    "می\u200cخواهم",  # Persian needs the zero-width non-joiner
    "क्\u200dष",  # and Devanagari the joiner
])
def test_names_in_any_script_are_accepted(name):
    validate_person_name(name)


@pytest.mark.django_db
def test_names_are_stored_in_nfc_whatever_the_way_in():
    learner = LearnerFactory(first_name=NFD("Hélène"), last_name=NFD("Lefèvre "))
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name) == ("Hélène", "Lefèvre")
    assert person_name_normalize(NFD("Zoé")) == "Zoé"


@pytest.mark.django_db
def test_a_model_form_refuses_a_reversed_name():
    # Wagtail's user forms are model forms: the model's validators speak there.
    Form = modelform_factory(User, fields=["username", "first_name", "last_name"])
    form = Form(data={"username": "x", "first_name": "Lucie", "last_name": "\u202eniTraM"})
    assert not form.is_valid()
    assert "U+202E" in form.errors["last_name"][0]


@pytest.mark.django_db
def test_the_learner_service_refuses_a_reversed_name():
    with pytest.raises(ValidationError) as error:
        accounts_services.learner_create(first_name="Lucie\u2067", last_name="Martin")
    assert "first_name" in error.value.error_dict
    assert not User.objects.filter(last_name="Martin").exists()


@pytest.mark.django_db
def test_the_same_name_check_sees_decomposed_names():
    existing = LearnerFactory(first_name=NFD("Zoé"), last_name=NFD("Bénard"))
    found = accounts_services.namesakes(first_name="Zoé", last_name="Bénard")
    assert existing in found
    found = accounts_services.namesakes(first_name=NFD("Zoé"), last_name=NFD("Bénard"))
    assert existing in found


@pytest.mark.django_db
def test_the_enrolment_form_says_which_character_is_refused(client, path, manager):
    client.force_login(manager)
    response = client.post(reverse("progress:trainer_path_enrol", args=[path.pk]), {
        "action": "create", "first_name": "Jeanne\u202e", "last_name": "Kerbrat",
        "email": "", "phone": "", "birth_date": ""})
    assert response.status_code in (200, 400)
    assert "U+202E" in response.content.decode()
    assert not User.objects.filter(last_name="Kerbrat").exists()


@pytest.mark.parametrize(("first", "last", "username"), [
    ("Łukasz", "Wójcik", "lukasz.wojcik"),
    ("Jean", "Dubœuf", "jean.duboeuf"),
    ("Hans", "Straße", "hans.strasse"),
    ("Đào", "Nguyễn", "dao.nguyen"),
    ("Thị Đào", "Nguyễn", "thi-dao.nguyen"),
    ("Aïssatou", "N’Diaye", "aissatou.ndiaye"),
    ("Ævar", "Þórsson", "aevar.thorsson"),
    ("Youssef", "بن علي", "youssef"),  # another script: left out, not romanised
])
def test_usernames_are_transliterated(first, last, username):
    assert username_base(first, last, "") == username
    assert username_base(NFD(first), NFD(last), "") == username


@pytest.mark.django_db
def test_wagtail_user_forms_refuse_a_reversed_name_and_store_nfc():
    from wagtail.users.forms import UserCreationForm

    data = {"username": "lucie.martin", "email": "lucie@exemple.fr", "first_name": "Lucie",
            "last_name": "\u202eniTraM", "password1": "parcours-long-2026!",
            "password2": "parcours-long-2026!"}
    form = UserCreationForm(data=data)
    assert not form.is_valid()
    assert "U+202E" in str(form.errors["last_name"])
    form = UserCreationForm(data={**data, "last_name": NFD("Lefèvre")})
    assert form.is_valid(), form.errors
    assert form.save().last_name == "Lefèvre"
