"""Issue 12, point 2: the admins' password pages record, as the site's own do, that the person
chose their own password (User.password_set_by_owner_at) — when the owner sets it, never when
someone sets another person's."""

import re

import pytest
import time_machine
from django import forms
from django.core import mail
from django.utils import timezone

from lms.accounts.models import User
from tests.accounts.factories import PASSWORD, LearnerFactory, ManagerFactory

NEW_PASSWORD = "le jardin partagé du mardi"

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    """A manager with access to both admins, who never chose their password on the site."""
    return ManagerFactory(is_superuser=True, is_staff=True, email="nathalie@exemple.org")


@pytest.fixture
def start():
    """The moment the password is set: now, held still (a fixed day could lie beyond the login
    session's age from the clock the suite runs on, and log the admin out)."""
    return timezone.now().replace(microsecond=0)


def unbound_data(form) -> dict:
    """What a browser would send back of `form` untouched (its initial values)."""
    data = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            value = [getattr(item, "pk", item) for item in value]
        elif value is True:
            value = "on"
        data[form.add_prefix(name)] = value
    return data


def stamp(user):
    user.refresh_from_db()
    return user.password_set_by_owner_at


def test_the_wagtail_account_page_records_ones_own_password(client, admin_user, start):
    client.force_login(admin_user)
    page = client.get("/admin/account/")
    assert page.status_code == 200
    data = {}
    for panels in page.context["panels_by_tab"].values():
        for panel in panels:
            if panel.name != "password":
                data.update(unbound_data(panel.get_form()))
    data.update({"password-old_password": PASSWORD, "password-new_password1": NEW_PASSWORD,
                 "password-new_password2": NEW_PASSWORD})
    with time_machine.travel(start, tick=False):
        response = client.post("/admin/account/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert stamp(admin_user) == start and admin_user.check_password(NEW_PASSWORD)
    assert admin_user.has_own_password


def test_the_wagtail_account_page_without_a_new_password_records_nothing(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/admin/account/")
    data = {}
    for panels in page.context["panels_by_tab"].values():
        for panel in panels:
            if panel.name != "password":
                data.update(unbound_data(panel.get_form()))
    assert client.post("/admin/account/", data).status_code == 302
    assert stamp(admin_user) is None


def test_the_wagtail_admins_reset_link_records_ones_own_password(client, admin_user, start):
    response = client.post("/admin/password_reset/", {"email": admin_user.email})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"/admin/password_reset/confirm/[^/\s]+/[^/\s]+/", mail.outbox[0].body)
    form_url = client.get(link.group(0))["Location"]
    with time_machine.travel(start, tick=False):
        response = client.post(form_url, {"new_password1": NEW_PASSWORD,
                                          "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/password_reset/complete/")
    assert stamp(admin_user) == start and admin_user.check_password(NEW_PASSWORD)


def test_the_django_admins_password_change_records_ones_own_password(client, admin_user, start):
    client.force_login(admin_user)
    assert client.get("/django-admin/password_change/").status_code == 200
    with time_machine.travel(start, tick=False):
        response = client.post("/django-admin/password_change/", {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/django-admin/password_change/done/"
    assert stamp(admin_user) == start
    # A wrong current password changes nothing, and is the form again.
    admin_user.password_set_by_owner_at = None
    admin_user.save()
    client.force_login(admin_user)
    response = client.post("/django-admin/password_change/", {
        "old_password": "pas le bon", "new_password1": "un autre jardin partagé",
        "new_password2": "un autre jardin partagé"})
    assert response.status_code == 200 and stamp(admin_user) is None


def test_the_django_admins_own_password_change_needs_the_admin(client):
    learner = LearnerFactory()
    client.force_login(learner)
    response = client.get("/django-admin/password_change/")
    assert response.status_code == 302 and "/django-admin/login/" in response["Location"]


def django_user_password(client, user, password):
    return client.post(f"/django-admin/accounts/user/{user.pk}/password/", {
        "password1": password, "password2": password, "usable_password": "true"})


def test_the_django_user_admin_records_only_the_owners_own_password(client, admin_user, start):
    learner = LearnerFactory()
    client.force_login(admin_user)
    with time_machine.travel(start, tick=False):
        assert django_user_password(client, learner, NEW_PASSWORD).status_code == 302
        assert learner.__class__.objects.get(pk=learner.pk).check_password(NEW_PASSWORD)
        assert stamp(learner) is None  # set by a manager: not the learner's choice
        assert django_user_password(client, admin_user, NEW_PASSWORD).status_code == 302
    assert stamp(admin_user) == start


def wagtail_user_edit(client, user, password):
    url = f"/admin/users/edit/{user.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    data = unbound_data(page.context["form"])
    data.update({"password1": password, "password2": password})
    return client.post(url, data)


def test_the_wagtail_users_admin_records_only_the_owners_own_password(client, admin_user, start):
    learner = LearnerFactory(email="apprenant@exemple.org")
    client.force_login(admin_user)
    with time_machine.travel(start, tick=False):
        response = wagtail_user_edit(client, learner, NEW_PASSWORD)
        assert response.status_code == 302, response.content.decode()[:3000]
        assert User.objects.get(pk=learner.pk).check_password(NEW_PASSWORD)
        assert stamp(learner) is None
        response = wagtail_user_edit(client, admin_user, NEW_PASSWORD)
        assert response.status_code == 302, response.content.decode()[:3000]
    assert stamp(admin_user) == start
