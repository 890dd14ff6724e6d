"""Password guessing is stopped (django-axes): per account and per client address, on every
login form and the API token endpoint, with a French message, a lock-out that expires and an
unlock by a manager; the client's address never comes from X-Forwarded-For by default."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from rest_framework.test import APIClient
from wagtail.models import ModelLogEntry

from lms.accounts.selectors import LOCKOUT_LIFTED_ACTION
from tests.accounts.factories import PASSWORD, LearnerFactory, ManagerFactory, TrainerFactory

SITE_LOGIN = "/comptes/connexion/"
WAGTAIL_LOGIN = "/admin/login/"
DJANGO_ADMIN_LOGIN = "/django-admin/login/"
TOKEN = "/api/v1/auth/token/"
LOCKOUTS = "/comptes/connexions-bloquees/"
LOCKED_FR = "Trop de tentatives de connexion"
START = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 30
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def post_login(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("url", [SITE_LOGIN, WAGTAIL_LOGIN, DJANGO_ADMIN_LOGIN])
def test_sixty_wrong_passwords_then_the_right_one_is_refused(url, clock):
    person = TrainerFactory(is_staff=True, is_superuser=True)  # may use every login form
    client = Client()
    for attempt in range(60):
        response = post_login(client, url, person.username, f"guess-{attempt}",
                              HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
        assert response.status_code in (200, 429)
    response = post_login(client, url, person.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert LOCKED_FR in response.content.decode()
    assert "15 minutes" in response.content.decode()
    # The attempts are logged (without the password).
    assert AccessFailureLog.objects.filter(username=person.username).count() == 61
    assert "guess-" not in "".join(AccessAttempt.objects.values_list("post_data", flat=True))


@pytest.mark.django_db
def test_the_lock_comes_at_the_limit_not_before(clock):
    person = LearnerFactory()
    client = Client()
    for _attempt in range(4):
        assert post_login(client, SITE_LOGIN, person.username, "nope").status_code == 200
    assert post_login(client, SITE_LOGIN, person.username, PASSWORD).status_code == 302
    assert AccessLog.objects.filter(username=person.username).count() == 1


@pytest.mark.django_db
def test_the_lock_is_per_account_from_any_address(clock):
    person = LearnerFactory()
    for attempt in range(5):
        post_login(Client(REMOTE_ADDR=f"198.51.100.{attempt}"), SITE_LOGIN, person.username, "x")
    response = post_login(Client(REMOTE_ADDR="192.0.2.77"), SITE_LOGIN, person.username,
                          PASSWORD)
    assert response.status_code == 429
    # Another account from those addresses is not affected.
    other = LearnerFactory()
    response = post_login(Client(REMOTE_ADDR="198.51.100.1"), SITE_LOGIN, other.username,
                          PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_lock_is_per_address_whatever_x_forwarded_for_says(clock):
    client = Client(REMOTE_ADDR="192.0.2.10")
    for attempt in range(30):  # one guess at each of 30 accounts: no account reaches 5
        post_login(client, SITE_LOGIN, f"someone{attempt}", "password",
                   HTTP_X_FORWARDED_FOR=f"10.0.{attempt}.1")
    person = LearnerFactory()
    response = post_login(client, SITE_LOGIN, person.username, PASSWORD,
                          HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429
    # Elsewhere, the same person logs in.
    assert post_login(Client(REMOTE_ADDR="192.0.2.11"), SITE_LOGIN, person.username,
                      PASSWORD).status_code == 302


@pytest.mark.django_db
def test_logging_into_ones_own_account_does_not_wipe_the_count_of_guesses_at_another(clock):
    victim, attacker = LearnerFactory(), LearnerFactory()
    client = Client()
    for _round in range(3):
        post_login(client, SITE_LOGIN, victim.username, "guess")
        post_login(client, SITE_LOGIN, victim.username, "guess")
        assert post_login(client, SITE_LOGIN, attacker.username, PASSWORD).status_code == 302
        client.post("/comptes/deconnexion/")
    assert post_login(Client(), SITE_LOGIN, victim.username, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_lock_expires(clock):
    person = LearnerFactory()
    client = Client()
    for _attempt in range(5):
        post_login(client, SITE_LOGIN, person.username, "nope")
    clock.shift(datetime.timedelta(minutes=14))
    assert post_login(client, SITE_LOGIN, person.username, PASSWORD).status_code == 429
    # That refused attempt counts as a failure: the 15 minutes start again from it.
    clock.shift(datetime.timedelta(minutes=14))
    assert post_login(client, SITE_LOGIN, person.username, PASSWORD).status_code == 429
    clock.shift(datetime.timedelta(minutes=16))
    assert post_login(client, SITE_LOGIN, person.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_limits_come_from_the_settings(settings, clock):
    settings.AXES_FAILURE_LIMIT = 2
    person = LearnerFactory()
    client = Client()
    post_login(client, SITE_LOGIN, person.username, "nope")
    post_login(client, SITE_LOGIN, person.username, "nope")
    assert post_login(client, SITE_LOGIN, person.username, PASSWORD).status_code == 429


# The API token endpoint ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_token_endpoint_counts_towards_the_same_lock(clock):
    person = LearnerFactory()
    api = APIClient()
    for attempt in range(5):
        response = api.post(TOKEN, {"username": person.username, "password": "nope"},
                            format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
        assert response.status_code in (400, 429)
    response = api.post(TOKEN, {"username": person.username, "password": PASSWORD},
                        format="json", HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert LOCKED_FR in response.json()["detail"]
    # …and the site's form is locked too.
    assert post_login(Client(), SITE_LOGIN, person.username, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_token_throttle_is_not_bypassed_by_x_forwarded_for(clock):
    api = APIClient()
    statuses = [
        api.post(TOKEN, {"username": f"nobody{n}", "password": "x"}, format="json",
                 HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


# A manager unlocks ---------------------------------------------------------------------------


def lock_out(username, *, address="192.0.2.50", times=5):
    client = Client(REMOTE_ADDR=address)
    for _attempt in range(times):
        post_login(client, SITE_LOGIN, username, "nope")


@pytest.mark.django_db
def test_a_manager_sees_the_locks_and_unlocks_an_account(clock):
    person = LearnerFactory()
    lock_out(person.username)
    manager = Client()
    manager.force_login(ManagerFactory())
    page = manager.get(LOCKOUTS)
    assert page.status_code == 200
    assert person.username in page.content.decode()
    assert [lock.key for lock in page.context["accounts"]] == [person.username]
    assert page.context["addresses"] == []  # 5 failures: far from the address's limit
    response = manager.post(LOCKOUTS, {"username": person.username}, follow=True)
    assert response.status_code == 200
    assert response.context["accounts"] == []
    assert post_login(Client(REMOTE_ADDR="192.0.2.50"), SITE_LOGIN, person.username,
                      PASSWORD).status_code == 302
    # The failures stay in the log, and the unlock is in the account's history.
    assert AccessFailureLog.objects.filter(username=person.username).count() == 5
    [entry] = ModelLogEntry.objects.filter(action=LOCKOUT_LIFTED_ACTION,
                                           object_id=str(person.pk))
    assert entry.user.is_manager


@pytest.mark.django_db
def test_a_manager_unlocks_an_address(clock):
    client = Client(REMOTE_ADDR="192.0.2.60")
    for attempt in range(30):
        post_login(client, SITE_LOGIN, f"guess{attempt}", "nope")
    manager = Client()
    manager.force_login(ManagerFactory())
    assert [lock.key for lock in manager.get(LOCKOUTS).context["addresses"]] == ["192.0.2.60"]
    manager.post(LOCKOUTS, {"ip_address": "192.0.2.60"})
    person = LearnerFactory()
    assert post_login(client, SITE_LOGIN, person.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_empty_unlock_unlocks_nothing(clock):
    person = LearnerFactory()
    lock_out(person.username)
    manager = Client()
    manager.force_login(ManagerFactory())
    manager.post(LOCKOUTS, {"username": "", "ip_address": ""})
    assert post_login(Client(), SITE_LOGIN, person.username, PASSWORD).status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [LearnerFactory, TrainerFactory])
def test_only_managers_reach_the_unlock_page(factory, clock):
    person = LearnerFactory()
    lock_out(person.username)
    client = Client()
    client.force_login(factory())
    assert client.get(LOCKOUTS).status_code == 404
    assert client.post(LOCKOUTS, {"username": person.username}).status_code == 404
    assert post_login(Client(), SITE_LOGIN, person.username, PASSWORD).status_code == 429
    assert Client().get(LOCKOUTS).status_code == 302  # to the login page


@pytest.mark.django_db
def test_choosing_a_new_password_with_the_accounts_link_unlocks_it(clock):
    from lms.accounts.services import access_link_make

    person = LearnerFactory()
    lock_out(person.username)
    link = access_link_make(user=person)
    client = Client()
    path = link.url.split("parcours.exemple.org", 1)[1]
    form_url = client.get(path).url
    response = client.post(form_url, {"new_password1": "le jardin du mardi matin",
                                      "new_password2": "le jardin du mardi matin"})
    assert response.status_code == 302
    assert post_login(Client(), SITE_LOGIN, person.username,
                      "le jardin du mardi matin").status_code == 302


@pytest.mark.django_db
def test_the_lockout_page_is_french_first_and_accessible_to_read(clock):
    person = LearnerFactory()
    lock_out(person.username)
    response = post_login(Client(), SITE_LOGIN, person.username, PASSWORD)
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Mot de passe oublié" in body
