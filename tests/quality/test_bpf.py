"""Funding per enrolment and the BPF figures: trainees and *realised* trainee-hours of a year,
by funding and by objective, and the data missing to complete them."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lms.attendance.models import Attendance, AttendanceStatus, Session
from lms.quality import services
from lms.quality.models import EnrollmentFunding
from lms.quality.selectors import bpf_figures
from tests.accounts.factories import LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory
from tests.quality.factories import FundingFactory

D = datetime.date
NOW = timezone.make_aware(datetime.datetime(2027, 1, 15, 12))


def _mark(session, learner, *, status="present", minutes_late=0):
    Attendance.objects.create(session=session, learner=learner, minutes_late=minutes_late,
                              status=AttendanceStatus.objects.get(code=status))


def _lock(*sessions):
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(locked_at=NOW)


@pytest.fixture
def year(path, manager):
    """Two learners in a group of 2026: one CPF-funded, one with no funding recorded."""
    cohort = CohortFactory(path=path, name="Groupe 2026", start_date=D(2025, 12, 1),
                           end_date=D(2027, 1, 31))
    funded, unfunded = LearnerFactory(last_name="Alpha"), LearnerFactory(last_name="Bravo")
    e1 = EnrollmentFactory(learner=funded, path=path, cohort=cohort)
    e2 = EnrollmentFactory(learner=unfunded, path=path, cohort=cohort)
    services.funding_save(enrollment=e1, by=manager, funder_type="cpf",
                          cpf_case_number="12345678901", price=Decimal("900"))
    locked = SessionFactory(cohort=cohort, date=D(2026, 3, 2))  # 9:00-12:00
    other_year = SessionFactory(cohort=cohort, date=D(2025, 12, 15))
    still_open = SessionFactory(cohort=cohort, date=D(2026, 3, 9))
    for session in (locked, other_year, still_open):
        _mark(session, funded)
        _mark(session, unfunded, minutes_late=30)
    _lock(locked, other_year)
    return cohort, e1, e2, still_open


def test_realised_hours_of_the_year_only(year):
    cohort, funded, unfunded, still_open = year
    figures = bpf_figures(year=2026, now=NOW)
    lines = {line.key: line for line in figures.by_funding}
    # 3 h on the locked sheet of 2026; the 2025 sheet and the open sheet count nothing.
    assert (lines["cpf"].trainees, lines["cpf"].hours) == (1, Decimal("3.00"))
    # Late by 30 minutes: 2.5 h, under "not recorded" until the funding is entered.
    assert (lines["not_recorded"].trainees, lines["not_recorded"].hours) == (1, Decimal("2.50"))
    assert (figures.trainees, figures.hours) == (2, Decimal("5.50"))
    objectives = {line.key: line for line in figures.by_objective}
    assert objectives["training"].trainees == 2 and objectives["vae"].trainees == 0
    assert figures.unfunded == [unfunded]
    assert figures.open_sheets == [still_open]
    assert not figures.complete
    assert bpf_figures(year=2025, now=NOW).hours == Decimal("5.50")


def test_an_objective_follows_the_path_action_type(year):
    cohort, *_ = year
    cohort.path.action_type = "vae"
    cohort.path.save()
    objectives = {line.key: line for line in bpf_figures(year=2026, now=NOW).by_objective}
    assert (objectives["vae"].trainees, objectives["vae"].hours) == (2, Decimal("5.50"))


def test_bpf_queries_do_not_grow_with_trainees(year, django_assert_num_queries):
    with django_assert_num_queries(3):  # marks, enrolments with funding, open sheets
        bpf_figures(year=2026, now=NOW)


@pytest.mark.parametrize("fields,errors", [
    ({"funder_type": "cpf", "price": "10"}, {"cpf_case_number"}),
    ({"funder_type": "opco", "price": "10"}, {"opco_name", "agreement_number"}),
    ({"funder_type": "self_funded", "price": "-1"}, {"price"}),
])
def test_funding_rules(enrollment, manager, fields, errors):
    with pytest.raises(ValidationError) as caught:
        services.funding_save(enrollment=enrollment, by=manager, **fields)
    assert errors <= set(caught.value.message_dict)
    assert not EnrollmentFunding.objects.exists()


def test_changing_the_funder_clears_the_other_references(enrollment, manager):
    services.funding_save(enrollment=enrollment, by=manager, funder_type="cpf",
                          cpf_case_number="123", price=Decimal("10"))
    funding = services.funding_save(enrollment=enrollment, by=manager, funder_type="opco",
                                    opco_name="Atlas", agreement_number="A-1",
                                    price=Decimal("10"))
    assert funding.cpf_case_number == "" and EnrollmentFunding.objects.count() == 1


def test_the_funding_pages(client, manager, learner, enrollment, cohort):
    client.force_login(learner)
    assert client.get(reverse("quality:funding_cohort", args=[cohort.pk])).status_code == 404
    client.force_login(manager)
    page = client.get(reverse("quality:funding_cohort", args=[cohort.pk])).content.decode()
    assert reverse("quality:funding_edit", args=[enrollment.pk]) in page
    url = reverse("quality:funding_edit", args=[enrollment.pk])
    response = client.post(url, {"funder_type": "cpf", "price": "100"})
    assert response.status_code == 400
    assert "cpf_case_number" in response.context["form"].errors
    response = client.post(url, {"funder_type": "opco", "opco_name": "Atlas",
                                 "agreement_number": "CONV-2026-1", "price": "-5"})
    assert response.status_code == 400 and "price" in response.context["form"].errors
    response = client.post(url, {"funder_type": "opco", "opco_name": "Atlas",
                                 "agreement_number": "CONV-2026-1", "price": "1250.50"})
    assert response.status_code == 302
    assert enrollment.funding.price == Decimal("1250.50")
    FundingFactory  # noqa: B018 (the factory serves the other modules)


def test_the_bpf_page_and_exports(client, manager, year):
    cohort, funded, unfunded, still_open = year
    with time_machine.travel(NOW, tick=False):
        client.force_login(manager)
        response = client.get(reverse("quality:bpf"), {"annee": 2026})
        page = response.content.decode()
        assert response.status_code == 200
        assert reverse("quality:funding_edit", args=[unfunded.pk]) in page
        assert reverse("attendance:rollcall", args=[still_open.pk]) in page
        csv = client.get(reverse("quality:bpf_export_csv"), {"annee": 2026})
        assert "5.50" in csv.content.decode("utf-8-sig")
        assert client.get(reverse("quality:bpf"), {"annee": "1999"}).status_code == 400
        assert client.get(reverse("quality:bpf_export_xlsx"), {"annee": "x"}).status_code == 400
        api = client.get("/api/v1/bpf/", {"year": 2026}).json()
    assert api["hours"] == "5.50" and api["unfunded"][0]["enrollment"] == unfunded.pk
