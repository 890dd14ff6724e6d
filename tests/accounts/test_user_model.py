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
    from lms.progress import services

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
