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
