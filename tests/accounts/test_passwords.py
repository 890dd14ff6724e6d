"""Forgotten password (by email, rate-limited, no account enumeration), the one-time link and
the change of one's password."""

import datetime
import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail

from lms.accounts import views
from lms.accounts.services import access_link_make
from tests.accounts.conftest import SITE_URL
from tests.accounts.factories import PASSWORD, LearnerFactory, UserFactory

RESET_URL = "/comptes/mot-de-passe-oublie/"
DONE_URL = "/comptes/mot-de-passe-oublie/envoye/"
NEW_PASSWORD = "trois petits chats gris"


@pytest.fixture
def newcomer(db):
    """A learner whose account staff created: an email address, no password yet."""
    person = LearnerFactory(username="helene.lefevre", first_name="Hélène", last_name="Lefèvre",
                            email="helene.l@exemple.fr")
    person.set_unusable_password()
    person.save()
    return person


def link_in(message) -> str:
    links = re.findall(rf"{re.escape(SITE_URL)}/comptes/acces/[^/\s]+/[^/\s]+/", message.body)
    assert len(set(links)) == 1, message.body
    return links[0]


def without_csrf(page: str) -> str:
    """A page without its CSRF token (the language switcher's), which changes every time."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def limit(rate: str) -> int:
    return int(rate.split("/")[0])


# --- Forgotten password -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_login_page_leads_to_the_forgotten_password_page(client):
    page = client.get("/comptes/connexion/").text
    assert f'href="{RESET_URL}"' in page
    assert "Mot de passe oublié ?" in page
    form = client.get(RESET_URL)
    assert form.status_code == 200
    assert '<label for="id_email">Votre adresse e-mail ou votre identifiant</label>' in form.text
    assert 'autocomplete="username"' in form.text


@pytest.mark.django_db
def test_reset_by_email_end_to_end(client, newcomer):
    response = client.post(RESET_URL, {"email": " Helene.L@EXEMPLE.fr "})
    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    assert "Consultez votre messagerie" in client.get(DONE_URL).text

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["helene.l@exemple.fr"]
    assert message.subject == "Parcours : choisir un nouveau mot de passe"
    assert "Bonjour Hélène Lefèvre," in message.body
    assert "Votre identifiant : helene.lefevre" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body  # plain text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    link = link_in(message)
    assert f'href="{link}"' in html and 'lang="fr"' in html

    # The link: its token leaves the address bar, then the form takes the new password.
    path = link.removeprefix(SITE_URL)
    response = client.get(path)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    page = client.get(form_url)
    assert page.status_code == 200
    assert "Choisissez votre mot de passe" in page.text
    assert 'value="helene.lefevre" readonly autocomplete="username"' in page.text
    response = client.post(form_url, {"new_password1": NEW_PASSWORD,
                                      "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/comptes/acces/termine/"
    done = client.get(response["Location"])
    assert done.context["user"] == newcomer  # signed in straight away
    assert "helene.lefevre" in done.text
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)

    # Once used, the link is dead, even in another browser.
    client.logout()
    again = client.get(path)
    assert again.status_code == 200
    assert not again.context["validlink"]
    assert "Ce lien ne fonctionne plus" in again.text


@pytest.mark.django_db
def test_reset_by_username_goes_to_the_account_address(client, newcomer):
    response = client.post(RESET_URL, {"email": "HELENE.LEFEVRE"})
    assert response["Location"] == DONE_URL
    assert [message.to for message in mail.outbox] == [["helene.l@exemple.fr"]]


@pytest.mark.django_db
def test_the_answer_never_tells_whether_an_account_exists(client, newcomer):
    without_email = LearnerFactory(username="sans.adresse", email="")
    UserFactory(username="parti", email="parti@exemple.fr", is_active=False)
    known = client.post(RESET_URL, {"email": newcomer.email})
    assert len(mail.outbox) == 1
    pages = {without_csrf(client.get(DONE_URL).text)}
    for identifier in ["personne@exemple.fr", without_email.username, "parti@exemple.fr",
                       "parti"]:
        response = client.post(RESET_URL, {"email": identifier})
        assert (response.status_code, response["Location"]) == (
            known.status_code, known["Location"])
        pages.add(without_csrf(client.get(DONE_URL).text))
    assert len(pages) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_server_failure_answers_like_a_success(client, newcomer, monkeypatch):
    def broken(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    response = client.post(RESET_URL, {"email": newcomer.email})
    assert response["Location"] == DONE_URL


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "   ", "x" * 300, "a\x00b", "<script>@exemple.fr"])
def test_bad_input_is_a_form_error_or_the_usual_answer(client, value):
    response = client.post(RESET_URL, {"email": value})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert 'aria-invalid="true"' in response.text
        assert 'aria-describedby="id_email_helptext id_email_error"' in response.text
        assert 'id="id_email_error"' in response.text
    assert not mail.outbox


@pytest.mark.django_db
def test_one_address_is_limited_and_then_sent_nothing_more(client, newcomer):
    per_account = limit(views.RESET_RATE_PER_ACCOUNT)
    for _attempt in range(per_account + 2):
        response = client.post(RESET_URL, {"email": newcomer.email.upper()})
        assert response["Location"] == DONE_URL  # the same answer…
    assert len(mail.outbox) == per_account  # …but the mailbox is not flooded


@pytest.mark.django_db
def test_one_network_address_is_limited_with_a_friendly_page(client, newcomer):
    per_ip = limit(views.RESET_RATE_PER_IP)
    for number in range(per_ip):
        response = client.post(RESET_URL, {"email": f"inconnu{number}@exemple.fr"},
                               REMOTE_ADDR="192.0.2.7")
        assert response.status_code == 302
    response = client.post(RESET_URL, {"email": newcomer.email}, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 429
    assert "Trop de demandes" in response.text
    assert not mail.outbox
    assert client.get(RESET_URL, REMOTE_ADDR="192.0.2.7").status_code == 200  # only sending
    # Another address is not held back.
    response = client.post(RESET_URL, {"email": newcomer.email}, REMOTE_ADDR="192.0.2.8")
    assert response["Location"] == DONE_URL
    assert len(mail.outbox) == 1


# --- The link ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [
    "/comptes/acces/zzz/abc/", "/comptes/acces/MQ/set-password/",
    "/comptes/acces/%00%FF/x-y/", f"/comptes/acces/{'A' * 500}/{'b' * 500}/",
])
def test_a_broken_link_says_so(client, learner, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not response.context["validlink"]
    assert f'href="{RESET_URL}"' in response.text


@pytest.mark.django_db
def test_the_link_expires(client, settings, newcomer, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    link = access_link_make(user=newcomer)
    path = link.url.removeprefix(SITE_URL)
    real_now = PasswordResetTokenGenerator._now
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now",
                        lambda self: real_now(self) + datetime.timedelta(minutes=59))
    assert client.get(path).status_code == 302  # still valid
    client.logout()
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now",
                        lambda self: real_now(self) + datetime.timedelta(minutes=61))
    response = client.get(path)
    assert response.status_code == 200 and not response.context["validlink"]


@pytest.mark.django_db
def test_a_refused_password_keeps_the_errors_with_their_fields(client, newcomer):
    link = access_link_make(user=newcomer)
    form_url = client.get(link.url.removeprefix(SITE_URL))["Location"]
    response = client.post(form_url, {"new_password1": "12345678",
                                      "new_password2": "12345679"})
    assert response.status_code == 200
    assert 'id="id_new_password2_error"' in response.text
    assert 'aria-describedby="id_new_password2_helptext id_new_password2_error"' in response.text
    assert 'aria-describedby="id_new_password1_helptext"' in response.text
    assert 'role="alert"' in response.text
    response = client.post(form_url, {"new_password1": "12345678",
                                      "new_password2": "12345678"})
    assert response.status_code == 200  # too common, only digits
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


# --- Changing one's password ------------------------------------------------------------------


@pytest.mark.django_db
def test_changing_ones_password(client, learner):
    assert client.get("/comptes/mot-de-passe/")["Location"].startswith("/comptes/connexion/")
    assert "Mon mot de passe" not in client.get("/comptes/connexion/").text
    client.force_login(learner)
    page = client.get("/comptes/mot-de-passe/")
    assert page.status_code == 200
    assert 'href="/comptes/mot-de-passe/" aria-current="page">Mon mot de passe</a>' in page.text
    wrong = client.post("/comptes/mot-de-passe/", {
        "old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200
    assert 'aria-describedby="id_old_password_error"' in wrong.text
    response = client.post("/comptes/mot-de-passe/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/comptes/mot-de-passe/modifie/"
    done = client.get(response["Location"])
    assert done.context["user"] == learner  # still signed in
    assert "Mot de passe modifié" in done.text
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
