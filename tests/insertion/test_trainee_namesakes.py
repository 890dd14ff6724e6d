"""“New trainee” when an account already has the new learner's name: with the email optional, a
second account for the same person would otherwise slip through. As on the enrolment form
(lms.accounts.learner_search.namesakes: same first and last names, accents and capitals aside),
nothing is saved at once: the accounts are shown — only what this staff member may see — to be
chosen instead, or the staff member ticks “This is another person”."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from lms.accounts import services as accounts_services
from lms.accounts.models import User
from lms.insertion import services
from lms.insertion.models import Trainee
from tests.accounts.factories import LearnerFactory, ManagerFactory, TrainerFactory
from tests.insertion.factories import InsertionStaffFactory, ProgrammeFactory, TraineeFactory
from tests.progress.concurrency import created_twice_at_once

URL = "/insertion/beneficiaires/nouveau/"
TODAY = timezone.localdate()
ANOTHER_PERSON = "C&#x27;est une autre personne"  # as escaped in the page


def new_trainee(programme, **values):
    data = {"programme": programme.pk, "first_name": "Awa", "last_name": "Diallo",
            "email": "", "entry_date": TODAY.isoformat()}
    data.update(values)
    return data


def namesake(**values) -> User:
    values = {"first_name": "Awa", "last_name": "Diallo", "username": "awa.diallo",
              "birth_date": datetime.date(1990, 5, 17), **values}
    values.setdefault("email", f"secret.{values['username']}@exemple.fr")
    return LearnerFactory(**values)


def warned(response) -> bool:
    form = response.context["form"]
    return response.status_code == 400 and form.has_error("__all__", "namesake")


@pytest.fixture
def logged_in(client, staff):
    client.force_login(staff)
    return client


# --- The warning -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("existing", "typed"), [
    (("Awa", "Diallo"), ("Awa", "Diallo")),
    (("Awa", "Diallo"), (" awa ", "DIALLO")),
    (("Élodie", "Lefèvre"), ("elodie", "LEFEVRE")),
    (("Jean-Pierre", "N’Diaye"), ("Jean Pierre", "ndiaye")),
    (("Chloé", "Lœuvre"), ("CHLOE", "Loeuvre")),
])
def test_a_namesake_stops_the_form(logged_in, programme, existing, typed):
    person = namesake(first_name=existing[0], last_name=existing[1])
    before = User.objects.count()
    response = logged_in.post(URL, new_trainee(programme, first_name=typed[0],
                                               last_name=typed[1]))
    assert warned(response)
    assert User.objects.count() == before and not Trainee.objects.exists()
    text = response.content.decode()
    assert "Un compte porte déjà ce nom" in text
    assert f'name="namesake" value="{person.pk}"' in text
    assert "awa.diallo" in text
    assert ANOTHER_PERSON in text and 'name="namesake_ok"' in text
    # The details typed are kept, to create again in one click.
    assert f'value="{typed[1].strip()}"' in text


@pytest.mark.django_db
def test_no_warning_for_other_names(logged_in, programme):
    namesake()
    namesake(first_name="Diallo", last_name="Awa", username="diallo.awa")
    namesake(first_name="Awa Marie", last_name="Diallo", username="awa-marie.diallo")
    InsertionStaffFactory(first_name="Awa", last_name="Diallou")
    # Someone else's name in full, or one whose parts are only contained in it.
    for first, last in [("Aïcha", "Diallo"), ("Awa", "Diallou"), ("Awa", "Dial")]:
        response = logged_in.post(URL, new_trainee(programme, first_name=first,
                                                   last_name=last))
        assert response.status_code == 302, first
    assert Trainee.objects.count() == 3


@pytest.mark.django_db
def test_staff_and_inactive_accounts_are_not_namesakes(logged_in, programme):
    """The enrolment form's rule: active learners only."""
    TrainerFactory(first_name="Awa", last_name="Diallo")
    namesake(is_active=False)
    assert logged_in.post(URL, new_trainee(programme)).status_code == 302


@pytest.mark.django_db
def test_an_existing_learner_chosen_in_the_list_is_not_checked(logged_in, programme):
    person = namesake()
    response = logged_in.post(URL, new_trainee(programme, first_name="", last_name="",
                                               learner=person.pk))
    assert response.status_code == 302
    assert Trainee.objects.get().learner == person


# --- The answers -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_another_person_is_created_once_confirmed(logged_in, programme):
    person = namesake()
    response = logged_in.post(URL, new_trainee(programme, first_name="AWA",
                                               namesake_ok="on"))
    assert response.status_code == 302
    learner = Trainee.objects.get().learner
    assert learner != person
    assert (learner.first_name, learner.username) == ("AWA", "awa.diallo2")


@pytest.mark.django_db
def test_choosing_the_namesake_creates_no_account(logged_in, programme):
    person = namesake()
    other = namesake(username="awa.diallo2", email="")
    before = User.objects.count()
    response = logged_in.post(URL, new_trainee(programme, namesake=other.pk,
                                               email="awa@exemple.fr"))
    assert response.status_code == 302
    assert User.objects.count() == before
    trainee = Trainee.objects.get()
    assert trainee.learner == other and trainee.learner != person
    # The email typed for the account that was not made is not given to the one chosen.
    other.refresh_from_db()
    assert other.email == ""


@pytest.mark.django_db
def test_the_choice_stays_after_another_error(logged_in, programme):
    person = namesake()
    response = logged_in.post(URL, new_trainee(programme, namesake=person.pk, entry_date=""))
    assert response.status_code == 400 and not Trainee.objects.exists()
    assert response.context["form"].has_error("entry_date")
    assert f'name="namesake" value="{person.pk}" id="id_namesake_0" checked' \
        in response.content.decode()
    # So does the box, once ticked.
    response = logged_in.post(URL, new_trainee(programme, namesake_ok="on", entry_date=""))
    assert response.status_code == 400 and not warned(response)
    assert 'name="namesake_ok" id="id_namesake_ok" checked' in response.content.decode()


@pytest.mark.django_db
def test_both_answers_at_once_are_refused(logged_in, programme):
    person = namesake()
    before = User.objects.count()
    response = logged_in.post(URL, new_trainee(programme, namesake=person.pk,
                                               namesake_ok="on"))
    assert response.status_code == 400
    assert response.context["form"].has_error("__all__", "namesake_both")
    assert User.objects.count() == before and not Trainee.objects.exists()
    # A radio button cannot be unticked: it is not kept, the box is.
    text = response.content.decode()
    assert f'value="{person.pk}" id="id_namesake_0">' in text
    assert 'name="namesake_ok" id="id_namesake_ok" checked' in text


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1" * 40])
def test_a_wrong_choice_is_a_form_error(logged_in, programme, value):
    namesake()
    response = logged_in.post(URL, new_trainee(programme, namesake=value))
    assert response.status_code == 400
    assert response.context["form"].has_error("namesake")
    assert not Trainee.objects.exists()


@pytest.mark.django_db
def test_a_staff_account_cannot_be_chosen(logged_in, programme):
    """The choice is the list's: a staff member cannot be made a trainee this way."""
    staff_member = InsertionStaffFactory(first_name="Awa", last_name="Diallo")
    response = logged_in.post(URL, new_trainee(programme, namesake=staff_member.pk))
    assert response.status_code == 400 and response.context["form"].has_error("namesake")
    assert not Trainee.objects.exists()


@pytest.mark.django_db
def test_a_namesake_already_in_the_programme(logged_in, programme):
    person = namesake()
    TraineeFactory(programme=programme, learner=person)
    response = logged_in.post(URL, new_trainee(programme, namesake=person.pk))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert Trainee.objects.count() == 1


# --- What is shown of the accounts -----------------------------------------------------------

@pytest.mark.django_db
def test_staff_see_the_birth_year_only_of_their_trainees(client, staff, programme):
    other_programme = ProgrammeFactory(staff=[InsertionStaffFactory()])
    mine = namesake(username="awa.diallo", birth_date=datetime.date(1990, 5, 17))
    TraineeFactory(programme=programme, learner=mine)
    theirs = namesake(username="awa.diallo2", birth_date=datetime.date(1985, 3, 2),
                      phone="0611223344")
    TraineeFactory(programme=other_programme, learner=theirs)
    nobody = namesake(username="awa.diallo3", birth_date=datetime.date(1979, 1, 9))
    unknown = namesake(username="awa.diallo4", birth_date=None, email="")
    TraineeFactory(programme=programme, learner=unknown)

    client.force_login(staff)
    response = client.post(URL, new_trainee(programme))
    assert warned(response)
    text = response.content.decode()
    for person in (mine, theirs, nobody, unknown):
        assert f"identifiant {person.username}" in text
    assert "4 comptes portent déjà ce nom" in text
    assert "né·e en 1990" in text
    for secret in ("1985", "1979", "0611223344", "secret.", "@exemple.fr"):
        assert secret not in text
    assert text.count("né·e en") == 1

    # A manager follows every trainee; someone who is no trainee stays out of reach.
    client.force_login(ManagerFactory())
    text = client.post(URL, new_trainee(programme)).content.decode()
    assert "né·e en 1990" in text and "né·e en 1985" in text
    assert "1979" not in text and "secret." not in text


@pytest.mark.django_db
def test_the_form_has_no_namesake_choice_before_a_namesake(logged_in, programme):
    namesake()
    text = logged_in.get(URL).content.decode()
    assert 'name="namesake"' not in text and 'name="namesake_ok"' not in text
    assert "awa.diallo" not in text


# --- Query count -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 5])
def test_the_warning_page_has_a_fixed_query_count(logged_in, staff, programme,
                                                  django_assert_num_queries, size):
    other_programme = ProgrammeFactory()
    for n in range(size):
        person = namesake(username=f"awa.diallo{n or ''}")
        TraineeFactory(programme=programme if n % 2 else other_programme, learner=person)
    data = new_trainee(programme)
    logged_in.post(URL, data)
    with django_assert_num_queries(13):
        response = logged_in.post(URL, data)
    assert warned(response)
    assert len(response.context["form"].namesakes) == size


# --- Two submissions at once -----------------------------------------------------------------
# A double click or a resubmission: both pass the form's check before either is saved, and
# without an email no unique constraint stops the second account. The service checks again,
# under a lock on the names (lms.accounts.services.learner_create).

def create(staff, programme, **values) -> Trainee:
    values = {"first_name": "Awa", "last_name": "Diallo", **values}
    return services.trainee_create_with_learner(by=staff, programme=programme,
                                                entry_date=TODAY, **values)


@pytest.mark.django_db
def test_the_service_refuses_a_second_account_with_the_same_name(staff, programme):
    first = create(staff, programme)
    before = (User.objects.count(), Trainee.objects.count())
    with pytest.raises(ValidationError) as refused:
        create(staff, programme, first_name=" awa ", last_name="DIALLO")
    assert accounts_services.is_namesake_refusal(refused.value)
    # The form's words on this page, not the enrolment form's.
    [message] = refused.value.messages
    assert message.startswith("Un compte porte déjà ce nom. S'il s'agit de cette personne, "
                              "choisissez son compte")
    assert (User.objects.count(), Trainee.objects.count()) == before
    # “This is another person”: made, numbered.
    second = create(staff, programme, namesake_ok=True)
    assert second.learner.username == "awa.diallo2" and second.learner != first.learner


@pytest.mark.django_db
def test_a_double_click_shows_the_warning_with_the_account_just_made(logged_in, programme):
    real = services.trainee_create_with_learner

    def saved_first_by_the_other_click(**values):
        real(**values)
        return real(**values)

    with mock.patch.object(services, "trainee_create_with_learner",
                           side_effect=saved_first_by_the_other_click):
        response = logged_in.post(URL, new_trainee(programme))
    assert warned(response)
    made = User.objects.get(first_name="Awa", last_name="Diallo")
    assert Trainee.objects.get().learner == made
    text = response.content.decode()
    assert "Un compte porte déjà ce nom" in text
    assert f'name="namesake" value="{made.pk}"' in text and ANOTHER_PERSON in text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_creations_make_one_account(staff, programme):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with real concurrent transactions (CI runs PostgreSQL)")
    results = created_twice_at_once(lambda: create(staff, programme).learner.username)
    assert results == ["awa.diallo", "refused"]
    assert User.objects.filter(first_name="Awa", last_name="Diallo").count() == 1
    assert Trainee.objects.count() == 1
