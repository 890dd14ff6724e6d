"""What the database itself holds true of accounts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms.accounts.models import User
from tests.accounts.factories import LearnerFactory


@pytest.mark.django_db
def test_an_email_address_leads_to_one_account_whatever_its_case():
    LearnerFactory(email="amina.benali@exemple.fr")
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerFactory(email="Amina.Benali@Exemple.FR")
    # Model validation (forms, admin) says so before the database has to.
    other = User(username="amina2", email="AMINA.BENALI@exemple.fr")
    with pytest.raises(ValidationError) as error:
        other.full_clean()
    assert "e-mail" in str(error.value)


@pytest.mark.django_db
def test_many_accounts_may_have_no_email():
    LearnerFactory(email="")
    LearnerFactory(email="")
    assert User.objects.filter(email="").count() == 2


@pytest.mark.django_db
def test_an_account_made_meanwhile_with_the_same_email_is_a_form_error(monkeypatch):
    """Between the check and the insert, another request creates an account with the
    address: the database refuses, and the staff member gets the usual error, not a 500."""
    from lms.accounts import services

    LearnerFactory(email="a.said@exemple.fr")
    real_check = services.email_taken
    calls = []

    def misses_it_the_first_time(email):
        calls.append(email)
        return len(calls) > 1 and real_check(email)

    monkeypatch.setattr(services, "email_taken", misses_it_the_first_time)
    with pytest.raises(ValidationError) as refused:
        services.learner_create(first_name="Ahmed", last_name="Saïd", email="A.Said@exemple.fr")
    assert refused.value.error_dict["email"][0].code == "email_taken"
    assert User.objects.filter(last_name="Saïd").count() == 0


@pytest.mark.django_db
def test_accounts_sharing_an_address_are_listed_before_an_upgrade():
    """What migration accounts.0004 refuses, as an installation from before it may hold: its
    constraint is lifted inside the test's transaction."""
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.db import connection

    out = StringIO()
    call_command("shared_emails", stdout=out)
    assert "No address is shared." in out.getvalue()
    with connection.cursor() as cursor:  # a unique index; the rollback brings it back
        cursor.execute('DROP INDEX "user_email_unique"')
    first = LearnerFactory(email="a.said@exemple.fr")
    second = LearnerFactory(email="A.Said@Exemple.fr")
    LearnerFactory(email="")
    LearnerFactory(email="")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("shared_emails", stdout=out)
    assert out.getvalue().splitlines() == [
        f"a.said@exemple.fr: #{first.pk} {first.username}, #{second.pk} {second.username}"]
