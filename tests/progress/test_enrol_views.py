"""“Enrol learners”: search and tick existing learners, or create one, from the follow-up pages
of a path or a cohort."""

import datetime
import html
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from lms.accounts import services as accounts_services
from lms.accounts.learner_search import MAX_RESULTS, fold, learners_matching
from lms.accounts.models import User
from lms.progress import services
from lms.progress.enums import EnrollmentSource, EnrollmentStatus
from lms.progress.models import Enrollment
from tests.accounts.factories import LearnerFactory, TrainerFactory, UserFactory
from tests.cohorts.factories import CohortFactory
from tests.courses.factories import TrainingPathFactory
from tests.progress.concurrency import created_twice_at_once
from tests.progress.factories import EnrollmentFactory


def path_enrol_url(path):
    return reverse("progress:trainer_path_enrol", args=[path.pk])


def cohort_enrol_url(cohort):
    return reverse("progress:trainer_cohort_enrol", args=[cohort.pk])


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def new_learner(**values):
    data = {"action": "create", "first_name": "Jeanne", "last_name": "Kerbrat",
            "email": "", "phone": "", "birth_date": ""}
    data.update(values)
    return data


@pytest.fixture
def other_cohort(path):
    """A cohort of the same path, trained by someone else."""
    return CohortFactory(path=path, trainers=[TrainerFactory()], name="Groupe du jeudi")


@pytest.fixture
def other_path(catalogue):
    return TrainingPathFactory(parent=catalogue, title="Atelier tablette")


@pytest.fixture
def path_trainer(path):
    trainer = TrainerFactory()
    path.trainers.add(trainer)
    path.save()  # a parental M2M is written on save
    return trainer


@pytest.fixture
def said(db):
    return LearnerFactory(username="ahamada.said", first_name="Ahamada", last_name="Saïd",
                          email="A.Said@Exemple.fr")


# --- Who reaches the pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, path, cohort):
    for url in [path_enrol_url(path), cohort_enrol_url(cohort)]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/comptes/connexion/?next=")


@pytest.mark.django_db
def test_learners_and_insertion_staff_get_404(client, enrollment, path, cohort, staff, said):
    for user in [enrollment.learner, staff]:
        client.force_login(user)
        for url in [path_enrol_url(path), cohort_enrol_url(cohort)]:
            assert client.get(url, {"q": "said"}).status_code == 404, url
            assert client.post(url, {"learners": [said.pk]}).status_code == 404, url
            assert client.post(url, new_learner()).status_code == 404, url
    assert not Enrollment.objects.filter(learner=said).exists()
    assert not User.objects.filter(last_name="Kerbrat").exists()


@pytest.mark.django_db
def test_trainers_reach_only_what_they_train(client, catalogue, path, cohort, other_cohort,
                                             other_path, trainer, said):
    client.force_login(trainer)
    assert client.get(path_enrol_url(path)).status_code == 200
    assert client.get(cohort_enrol_url(cohort)).status_code == 200
    assert client.get(cohort_enrol_url(other_cohort)).status_code == 404
    assert client.get(path_enrol_url(other_path)).status_code == 404
    assert client.post(cohort_enrol_url(other_cohort),
                       {"learners": [said.pk], "cohort": other_cohort.pk}).status_code == 404
    assert client.get("/suivi/formation/parcours/999999/inscrire/").status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_the_follow_up_pages_link_to_the_form(client, path, cohort, trainer):
    client.force_login(trainer)
    assert path_enrol_url(path) in client.get(f"/suivi/formation/parcours/{path.pk}/").text
    assert cohort_enrol_url(cohort) in client.get(f"/suivi/formation/groupe/{cohort.pk}/").text


# --- Cohorts one may enrol into ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_cohort_trainer_chooses_among_their_own_cohorts_only(client, path, cohort,
                                                               other_cohort, trainer, said):
    client.force_login(trainer)
    field = client.get(path_enrol_url(path)).context["enrol_form"].fields["cohort"]
    # Their only cohort, and no “No group”: a learner outside it would vanish from their view.
    assert [value for value, _label in field.choices] == [cohort.pk]
    response = client.post(path_enrol_url(path), {"learners": [said.pk],
                                                  "cohort": other_cohort.pk, "q": "said"})
    assert response.status_code == 400
    assert response.context["enrol_form"].has_error("cohort", "invalid_choice")
    response = client.post(path_enrol_url(path), {"learners": [said.pk], "cohort": ""})
    assert response.status_code == 400
    assert response.context["enrol_form"].has_error("cohort", "required")
    response = client.post(path_enrol_url(path), new_learner(cohort=other_cohort.pk))
    assert response.status_code == 400
    assert not Enrollment.objects.exists()
    assert not User.objects.filter(last_name="Kerbrat").exists()


@pytest.mark.django_db
def test_a_path_trainer_enrols_in_any_cohort_of_the_path_or_none(client, path, cohort,
                                                                 other_cohort, path_trainer,
                                                                 said):
    client.force_login(path_trainer)
    field = client.get(path_enrol_url(path)).context["enrol_form"].fields["cohort"]
    assert {value for value, _label in field.choices} == {"", cohort.pk, other_cohort.pk}
    response = client.post(path_enrol_url(path), {"learners": [said.pk], "cohort": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/suivi/formation/parcours/{path.pk}/"
    assert Enrollment.objects.get(learner=said, path=path).cohort is None


@pytest.mark.django_db
def test_a_cohort_of_another_path_is_refused(client, path, other_path, manager, said):
    foreign = CohortFactory(path=other_path)
    client.force_login(manager)
    response = client.post(path_enrol_url(path), {"learners": [said.pk], "cohort": foreign.pk})
    assert response.status_code == 400
    assert "Choisissez l'un des groupes de la liste." in page_text(response)
    with pytest.raises(ValidationError) as refused:
        services.enroll_many(learners=[said], path=path, by=manager, cohort=foreign)
    assert refused.value.error_dict["cohort"][0].code == "other_path"
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_the_cohort_page_preselects_its_cohort(client, path, cohort, manager):
    CohortFactory(path=path)
    client.force_login(manager)
    response = client.get(cohort_enrol_url(cohort))
    assert response.context["enrol_form"]["cohort"].value() == cohort.pk
    assert response.context["new_form"]["cohort"].value() == cohort.pk
    assert response.context["enrol_form"]["cohort"].value() is not None
    assert client.get(path_enrol_url(path)).context["enrol_form"]["cohort"].value() is None


# --- Search -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["said", "SAÏD", "Ahamada Saïd", "saïd ahamada", "ahamada.s",
                                   "a.said@exemple", "EXEMPLE.FR said"])
def test_search_ignores_accents_and_capitals(client, path, cohort, trainer, said, query):
    LearnerFactory(first_name="Saïda", last_name="Benali")
    client.force_login(trainer)
    response = client.get(path_enrol_url(path), {"q": query})
    assert response.status_code == 200
    found = [candidate.learner for candidate in response.context["results"].candidates]
    assert said in found
    assert all("said" in fold(f"{u.first_name} {u.last_name} {u.username} {u.email}")
               for u in found)


@pytest.mark.django_db
def test_search_folds_apostrophes_hyphens_and_ligatures(db):
    ndiaye = LearnerFactory(first_name="Aïssatou", last_name="N’Diaye")
    jean_pierre = LearnerFactory(first_name="Jean-Pierre", last_name="Lœuvre")
    assert list(learners_matching("ndiaye")) == [ndiaye]
    assert list(learners_matching("n'diaye AISSATOU")) == [ndiaye]
    assert list(learners_matching("jean pierre")) == [jean_pierre]
    assert list(learners_matching("loeuvre")) == [jean_pierre]
    assert list(learners_matching("   ")) == []


@pytest.mark.django_db
def test_search_finds_active_learners_only_and_never_oneself(client, path, cohort, manager):
    manager.first_name, manager.is_learner = "Camille", True
    manager.save()
    LearnerFactory(first_name="Camille", is_active=False)
    TrainerFactory(first_name="Camille")
    learner = LearnerFactory(first_name="Camille")
    client.force_login(manager)
    response = client.get(path_enrol_url(path), {"q": "camille"})
    assert [c.learner for c in response.context["results"].candidates] == [learner]


@pytest.mark.django_db
def test_enrolled_learners_are_shown_as_such_and_cannot_be_ticked(client, path, cohort,
                                                                  other_cohort, trainer):
    mine = EnrollmentFactory(path=path, cohort=cohort,
                             learner=LearnerFactory(last_name="Martin", first_name="Ana"))
    theirs = EnrollmentFactory(path=path, cohort=other_cohort,
                               learner=LearnerFactory(last_name="Martin", first_name="Bob"))
    free = LearnerFactory(last_name="Martin", first_name="Cléo")
    client.force_login(trainer)
    response = client.get(path_enrol_url(path), {"q": "martin"})
    html = response.text
    assert response.context["selectable"] == {free.pk}
    assert f'value="{mine.learner.pk}" id="enrol-learner-{mine.learner.pk}"' in html
    for enrolled in (mine, theirs):
        box = html.split(f'id="enrol-learner-{enrolled.learner.pk}"')[1].split(">")[0]
        assert "disabled" in box
    # Their own cohort's enrolment in full; of another trainer's cohort, only that it exists.
    assert f"Déjà inscrit·e (en cours), groupe {cohort.name}" in html
    assert "Déjà inscrit·e à ce parcours" in html
    assert other_cohort.name not in html


@pytest.mark.django_db
def test_tick_all_works_without_javascript(client, path, cohort, trainer):
    enrolled = EnrollmentFactory(path=path, cohort=cohort, learner=LearnerFactory(last_name="Roux"))
    others = LearnerFactory.create_batch(3, last_name="Roux")
    client.force_login(trainer)
    response = client.get(path_enrol_url(path), {"q": "roux"})
    assert response.context["ticked"] == set()
    assert 'href="?q=roux&amp;all=1#results"' in response.text
    response = client.get(path_enrol_url(path), {"q": "roux", "all": "1"})
    assert response.context["ticked"] == {learner.pk for learner in others}
    assert enrolled.learner.pk not in response.context["ticked"]
    assert "Tout décocher" in response.text


@pytest.mark.django_db
def test_search_without_match_says_so_and_points_to_creation(client, path, cohort, trainer):
    client.force_login(trainer)
    response = client.get(path_enrol_url(path), {"q": "zzzz"})
    assert response.status_code == 200
    assert "Aucun·e apprenant·e ne correspond à « zzzz »" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["x" * 500, "sa\x00id"])
def test_a_bad_search_is_a_400_not_a_500(client, path, cohort, trainer, query):
    client.force_login(trainer)
    response = client.get(path_enrol_url(path), {"q": query})
    assert response.status_code == 400
    assert response.context["results"] is None
    assert 'aria-describedby="search-q_helptext search-q_error"' in response.text


@pytest.mark.django_db
def test_many_matches_are_cut_with_a_notice(client, path, cohort, manager):
    LearnerFactory.create_batch(MAX_RESULTS + 2, last_name="Nombreux")
    client.force_login(manager)
    response = client.get(path_enrol_url(path), {"q": "nombreux"})
    assert len(response.context["results"].candidates) == MAX_RESULTS
    assert response.context["results"].truncated
    assert "seuls les 50 premier·es sont affiché·es" in response.text


# --- Enrolling the ticked learners ------------------------------------------------------------


@pytest.mark.django_db
def test_ticked_learners_are_enrolled_in_the_chosen_cohort(client, path, cohort, trainer):
    learners = LearnerFactory.create_batch(3, last_name="Petit")
    client.force_login(trainer)
    response = client.post(cohort_enrol_url(cohort), {
        "action": "enrol", "learners": [learner.pk for learner in learners],
        "cohort": cohort.pk, "q": "petit"})
    assert response.status_code == 302
    assert response["Location"] == f"/suivi/formation/groupe/{cohort.pk}/"
    assert flash(response) == [
        f"3 apprenant·es inscrit·es : {path.title}, groupe {cohort.name}."]
    enrollments = Enrollment.objects.filter(path=path)
    assert {e.learner for e in enrollments} == set(learners)
    assert {(e.cohort, e.source, e.enrolled_by, e.status) for e in enrollments} == {
        (cohort, EnrollmentSource.STAFF, trainer, EnrollmentStatus.ACTIVE)}
    follow_up = client.get(response["Location"])
    assert len(follow_up.context["matrix"].rows) == 3


@pytest.mark.django_db
def test_enrolling_again_changes_nothing(client, path, cohort, other_cohort, manager):
    withdrawn = EnrollmentFactory(path=path, cohort=other_cohort,
                                  status=EnrollmentStatus.WITHDRAWN)
    newcomer = LearnerFactory()
    client.force_login(manager)
    data = {"learners": [withdrawn.learner.pk, newcomer.pk], "cohort": cohort.pk}
    response = client.post(path_enrol_url(path), data)
    assert flash(response) == [
        f"1 apprenant·e inscrit·e : {path.title}, groupe {cohort.name}. 1 autre était déjà "
        f"inscrit·e au parcours : rien n'a changé pour elle ou lui."]
    client.get(response["Location"])  # the messages are shown, then gone
    withdrawn.refresh_from_db()
    assert (withdrawn.cohort, withdrawn.status) == (other_cohort, EnrollmentStatus.WITHDRAWN)
    assert withdrawn.status_changes.count() == 0
    before = list(Enrollment.objects.order_by("pk").values())
    response = client.post(path_enrol_url(path), data)
    assert response.status_code == 302
    assert flash(response) == [
        "Ces 2 apprenant·es étaient déjà inscrit·es au parcours : rien n'a changé."]
    assert list(Enrollment.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_enrolling_needs_a_ticked_learner(client, path, cohort, trainer, said):
    client.force_login(trainer)
    response = client.post(path_enrol_url(path), {"cohort": cohort.pk, "q": "said"})
    assert response.status_code == 400
    assert "Cochez au moins un·e apprenant·e dans la liste." in response.text
    # The search is shown again, with the error tied to the boxes.
    assert [c.learner for c in response.context["results"].candidates] == [said]
    described = f'aria-describedby="enrol-learner-{said.pk}-details enrol-learners_error"'
    assert described in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("learners", [["abc"], ["999999"], ["-1"], ["1.5"]])
def test_bad_learner_values_are_a_400(client, path, cohort, trainer, learners):
    client.force_login(trainer)
    response = client.post(path_enrol_url(path), {"learners": learners, "cohort": cohort.pk})
    assert response.status_code == 400
    assert response.context["enrol_form"].has_error("learners")


@pytest.mark.django_db
def test_at_most_a_page_of_learners_at_once(client, path, cohort, manager):
    learners = LearnerFactory.create_batch(MAX_RESULTS + 1)
    client.force_login(manager)
    response = client.post(path_enrol_url(path), {"learners": [u.pk for u in learners],
                                                  "cohort": cohort.pk})
    assert response.status_code == 400
    assert "Inscrivez au plus 50 apprenant·es à la fois." in response.text
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_accounts_that_are_not_learners_cannot_be_ticked(client, path, cohort, manager):
    inactive = LearnerFactory(is_active=False)
    colleague = TrainerFactory()
    client.force_login(manager)
    for user in (inactive, colleague, manager):
        response = client.post(path_enrol_url(path), {"learners": [user.pk], "cohort": ""})
        assert response.status_code == 400
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_ticking_a_learner_kept_on_error(client, path, cohort, trainer, said):
    client.force_login(trainer)
    response = client.post(path_enrol_url(path), {"learners": [said.pk], "cohort": "nope",
                                                  "q": "said"})
    assert response.status_code == 400
    assert response.context["ticked"] == {said.pk}


@pytest.mark.django_db
def test_enrolling_many_is_all_or_nothing(path, cohort, trainer):
    learners = LearnerFactory.create_batch(3)
    real = services.enrollment_create
    calls = []

    def failing_on_the_third(**kwargs):
        calls.append(kwargs["learner"])
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(**kwargs)

    with mock.patch.object(services, "enrollment_create", failing_on_the_third), \
            pytest.raises(RuntimeError):
        services.enroll_many(learners=learners, path=path, by=trainer, cohort=cohort)
    assert not Enrollment.objects.exists()

    deactivated = LearnerFactory(is_active=False)
    with pytest.raises(ValidationError):
        services.enroll_many(learners=[*learners, deactivated], path=path, by=trainer,
                             cohort=cohort)
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_enroll_many_checks_the_cohort(path, cohort, other_cohort, trainer, path_trainer):
    learner = LearnerFactory()
    with pytest.raises(PermissionDenied):
        services.enroll_many(learners=[learner], path=path, by=trainer, cohort=other_cohort)
    with pytest.raises(ValidationError) as refused:
        services.enroll_many(learners=[learner], path=path, by=trainer)
    assert refused.value.error_dict["cohort"][0].code == "cohort_required"
    with pytest.raises(PermissionDenied):
        services.enroll_many(learners=[learner], path=path, by=UserFactory(), cohort=cohort)
    assert not Enrollment.objects.exists()
    batch = services.enroll_many(learners=[learner, learner], path=path, by=path_trainer,
                                 cohort=other_cohort)
    assert (len(batch.created), len(batch.existing)) == (1, 0)


# --- Creating a learner -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_learner_is_created_and_enrolled(client, path, cohort, trainer):
    client.force_login(trainer)
    response = client.post(cohort_enrol_url(cohort), new_learner(
        first_name=" Hélène ", last_name="Lefèvre-Quéré", email="Helene.L@Exemple.FR",
        phone="06 12 34 56 78", birth_date="1961-04-02", cohort=cohort.pk))
    assert response.status_code == 302
    assert response["Location"] == f"/suivi/formation/groupe/{cohort.pk}/"
    learner = User.objects.get(last_name="Lefèvre-Quéré")
    assert (learner.username, learner.first_name, learner.email, learner.phone,
            learner.birth_date) == ("helene.lefevre-quere", "Hélène", "Helene.L@exemple.fr",
                                    "06 12 34 56 78", datetime.date(1961, 4, 2))
    assert learner.is_learner and learner.is_active and not learner.has_usable_password()
    assert not (learner.is_trainer or learner.is_manager or learner.is_staff)
    enrollment = Enrollment.objects.get(learner=learner)
    assert (enrollment.path, enrollment.cohort, enrollment.enrolled_by, enrollment.source) == (
        path, cohort, trainer, EnrollmentSource.STAFF)
    assert flash(response) == [
        f"Hélène Lefèvre-Quéré a désormais un compte apprenant·e (identifiant "
        f"helene.lefevre-quere) et est inscrit·e : {path.title}, groupe {cohort.name}."]


@pytest.mark.django_db
def test_new_usernames_follow_the_csv_import(client, path, cohort, manager):
    UserFactory(username="Jeanne.Kerbrat", first_name="J", last_name="D")
    UserFactory(username="jeanne.kerbrat2", first_name="J", last_name="D")
    client.force_login(manager)
    response = client.post(path_enrol_url(path), new_learner(cohort=""))
    assert response.status_code == 302
    assert User.objects.get(first_name="Jeanne", last_name="Kerbrat").username == "jeanne.kerbrat3"
    learner = accounts_services.learner_create(first_name="Мария", last_name="Иванова",
                                      email="maria.i@exemple.fr")
    assert learner.username == "maria-i"


@pytest.mark.django_db
def test_an_email_already_used_is_refused_with_a_way_to_find_its_account(client, path, cohort,
                                                                          trainer, said):
    client.force_login(trainer)
    response = client.post(path_enrol_url(path), new_learner(email="a.said@EXEMPLE.fr",
                                                             cohort=cohort.pk))
    assert response.status_code == 400
    assert response.context["new_form"].has_error("email", "email_taken")
    assert "Un compte utilise déjà cette adresse e-mail" in response.text
    assert 'href="?q=a.said%40EXEMPLE.fr#results"' in response.text
    assert 'aria-describedby="new-email_error"' in response.text
    assert not User.objects.filter(last_name="Kerbrat").exists()
    with pytest.raises(ValidationError) as refused:
        accounts_services.learner_create(first_name="A", last_name="B", email="A.SAID@exemple.fr")
    assert refused.value.error_dict["email"][0].code == "email_taken"


@pytest.mark.django_db
def test_a_namesake_asks_for_confirmation(client, path, cohort, trainer):
    namesake = LearnerFactory(first_name="Jéanne", last_name="KERBRAT")
    client.force_login(trainer)
    response = client.post(path_enrol_url(path), new_learner(cohort=cohort.pk))
    assert response.status_code == 400
    assert "Un compte porte déjà ce nom" in response.text
    assert f'href="?q={namesake.username}#results"' in response.text
    assert 'name="namesake_ok"' in response.text
    assert User.objects.filter(last_name__iexact="kerbrat").count() == 1
    response = client.post(path_enrol_url(path), new_learner(cohort=cohort.pk, namesake_ok="on"))
    assert response.status_code == 302
    assert User.objects.filter(last_name__iexact="kerbrat").count() == 2


@pytest.mark.django_db
def test_the_service_refuses_a_second_account_with_the_same_name(path, cohort, trainer):
    """A double click: both submissions passed the form's check before either was saved, and
    without an email no unique constraint stops the second. The service checks again, under a
    lock on the names (see the PostgreSQL test below)."""
    def create(**values):
        return services.learner_create_and_enroll(path=path, cohort=cohort, by=trainer,
                                                  **{"first_name": "Jeanne",
                                                     "last_name": "Kerbrat", **values})

    first = create()
    with pytest.raises(ValidationError) as refused:
        create(first_name="JEANNE ", last_name="kerbrat")
    assert accounts_services.is_namesake_refusal(refused.value)
    assert refused.value.messages[0].startswith("Un compte porte déjà ce nom")
    assert list(User.objects.filter(last_name__iexact="kerbrat")) == [first.learner]
    assert Enrollment.objects.filter(path=path).count() == 1
    assert create(namesake_ok=True).learner.username == "jeanne.kerbrat2"


@pytest.mark.django_db
def test_a_double_click_shows_the_namesake_warning(client, path, cohort, trainer):
    real = services.learner_create_and_enroll

    def saved_first_by_the_other_click(**values):
        real(**values)
        return real(**values)

    client.force_login(trainer)
    with mock.patch.object(services, "learner_create_and_enroll",
                           side_effect=saved_first_by_the_other_click):
        response = client.post(path_enrol_url(path), new_learner(cohort=cohort.pk))
    assert response.status_code == 400
    assert response.context["new_form"].has_error("__all__", "namesake")
    made = User.objects.get(last_name="Kerbrat")
    assert "Un compte porte déjà ce nom" in response.text
    assert f'href="?q={made.username}#results"' in response.text
    assert 'name="namesake_ok"' in response.text
    assert Enrollment.objects.filter(path=path).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_creations_make_one_account(path, cohort, trainer):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with real concurrent transactions (CI runs PostgreSQL)")
    results = created_twice_at_once(lambda: services.learner_create_and_enroll(
        first_name="Jeanne", last_name="Kerbrat", path=path, cohort=cohort,
        by=trainer).learner.username)
    assert results == ["jeanne.kerbrat", "refused"]
    assert User.objects.filter(last_name="Kerbrat").count() == 1
    assert Enrollment.objects.filter(path=path).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("values", "field"), [
    ({"first_name": ""}, "first_name"),
    ({"last_name": "   "}, "last_name"),
    ({"email": "pas-un-email"}, "email"),
    ({"birth_date": "31/02/1990"}, "birth_date"),
    ({"birth_date": "2999-01-01"}, "birth_date"),
    ({"phone": "0" * 31}, "phone"),
    ({"first_name": "x" * 151}, "first_name"),
    ({"last_name": "Ker\x00brat"}, "last_name"),
    ({"cohort": "abc"}, "cohort"),
])
def test_bad_new_learner_input_is_a_400(client, path, cohort, trainer, values, field):
    client.force_login(trainer)
    response = client.post(path_enrol_url(path), new_learner(**{"cohort": cohort.pk, **values}))
    assert response.status_code == 400
    assert response.context["new_form"].has_error(field)
    assert "Le compte n'a pas été créé" in page_text(response)
    assert not User.objects.filter(last_name="Kerbrat").exists()


@pytest.mark.django_db
def test_creation_and_enrolment_are_all_or_nothing(path, cohort, other_cohort, trainer):
    with pytest.raises(PermissionDenied):
        services.learner_create_and_enroll(first_name="Jeanne", last_name="Kerbrat", path=path,
                                           cohort=other_cohort, by=trainer)
    with mock.patch.object(services, "enrollment_create", side_effect=RuntimeError), \
            pytest.raises(RuntimeError):
        services.learner_create_and_enroll(first_name="Jeanne", last_name="Kerbrat", path=path,
                                           cohort=cohort, by=trainer)
    assert not User.objects.filter(last_name="Kerbrat").exists()


# --- Query counts -----------------------------------------------------------------------------

# Session and user (2); the page's own reads: the path or the cohort, the cohorts one may
# choose, whether one trains the whole path (not asked for a manager), the learners found and
# their enrolments (4 or 5); the base template's: organisation, userbar, catalogue link (6).


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_search_query_count_is_fixed(client, path, cohort, other_cohort, trainer,
                                     django_assert_num_queries, size):
    learners = LearnerFactory.create_batch(size, last_name="Lefèvre-Quéré")
    for learner in learners[::3]:
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    for learner in learners[1::3]:
        EnrollmentFactory(learner=learner, path=path, cohort=other_cohort)
    CohortFactory.create_batch(2, path=path, trainers=[trainer])
    client.force_login(trainer)
    client.get(cohort_enrol_url(cohort))  # warm the per-process caches (content types, site)
    with django_assert_num_queries(13):
        response = client.get(cohort_enrol_url(cohort), {"q": "lefevre", "all": "1"})
    assert len(response.context["results"].candidates) == size
    assert len(response.context["ticked"]) == size - len(learners[::3]) - len(learners[1::3])


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_search_query_count_is_fixed_for_a_manager(client, path, cohort, manager,
                                                   django_assert_num_queries, size):
    for learner in LearnerFactory.create_batch(size, last_name="Lefèvre-Quéré")[::2]:
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    client.force_login(manager)
    client.get(path_enrol_url(path))
    with django_assert_num_queries(12):
        response = client.get(path_enrol_url(path), {"q": "lefevre"})
    assert len(response.context["results"].candidates) == size


@pytest.mark.django_db
def test_the_enrol_form_takes_an_optional_first_day_in_the_group(client, path, cohort, trainer):
    from lms.progress.models import CohortMembership

    learner = LearnerFactory(last_name="Petit")
    client.force_login(trainer)
    outside = cohort.end_date + datetime.timedelta(days=1)
    response = client.post(cohort_enrol_url(cohort), {
        "action": "enrol", "learners": [learner.pk], "cohort": cohort.pk, "q": "petit",
        "joined_on": outside.isoformat()})
    assert response.status_code == 400
    assert "joined_on" in response.context["enrol_form"].errors
    assert not Enrollment.objects.filter(learner=learner).exists()
    response = client.post(cohort_enrol_url(cohort), {
        "action": "enrol", "learners": [learner.pk], "cohort": cohort.pk, "q": "petit",
        "joined_on": cohort.start_date.isoformat()})
    assert response.status_code == 302
    assert CohortMembership.objects.get(enrollment__learner=learner).start_date == (
        cohort.start_date)
