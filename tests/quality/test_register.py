"""The register of complaints and improvement actions: managers' pages (Qualiopi 31-32)."""

import datetime

import pytest
from django.urls import reverse

from lms.quality.enums import ComplaintStatus, ImprovementSource, ImprovementStatus
from lms.quality.models import Complaint, Improvement
from tests.quality.factories import DAY, ComplaintFactory, ImprovementFactory

D = datetime.date

COMPLAINT = {
    "received_on": "2026-03-04", "complainant_kind": "funder", "complainant_name": "OPCO Atlas",
    "complainant_contact": "conseil@example.org", "channel": "email", "cohort": "",
    "path": "", "description": "Feuilles d'émargement reçues en retard.",
    "handling": "", "answer": "", "answered_on": "", "closed_on": "", "status": "received",
}


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize("name,kwargs", [
    ("quality:complaints", {}), ("quality:complaint_create", {}),
    ("quality:complaint_detail", None), ("quality:improvements", {}),
    ("quality:improvement_create", {}), ("quality:complaints_export_csv", {}),
])
def test_others_get_a_404(client, learner, trainer, staff, name, kwargs):
    complaint = ComplaintFactory()
    url = reverse(name, kwargs={"complaint_id": complaint.pk} if kwargs is None else kwargs)
    for user in (learner, trainer, staff):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_manager_menu_links_to_the_register(client, manager, learner):
    client.force_login(manager)
    assert reverse("quality:complaints") in client.get(reverse("quality:bpf"),
                                                       {"annee": 2026}).content.decode()
    client.force_login(learner)
    page = client.get(reverse("attendance:my-absences")).content.decode()
    assert reverse("quality:complaints") not in page


def test_a_manager_records_a_complaint(manager_client, manager, cohort):
    response = manager_client.post(reverse("quality:complaint_create"),
                                   {**COMPLAINT, "cohort": cohort.pk})
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("quality:complaint_detail", args=[complaint.pk])
    assert complaint.recorded_by == manager and complaint.cohort == cohort
    assert complaint.received_on == D(2026, 3, 4)
    detail = manager_client.get(response["Location"]).content.decode()
    assert "OPCO Atlas" in detail and cohort.name in detail


@pytest.mark.parametrize("changes,field", [
    ({"closed_on": "2026-03-01", "status": "closed"}, "closed_on"),
    ({"answered_on": "2026-02-01"}, "answered_on"),
    ({"received_on": "1999-12-31"}, "received_on"),
    ({"received_on": "2101-01-01"}, "received_on"),
    ({"received_on": "not a date"}, "received_on"),
    ({"status": "closed"}, "closed_on"),
    ({"status": "answered"}, "answer"),
    ({"description": "x" * 5001}, "description"),
    ({"complainant_name": ""}, "complainant_name"),
    ({"complainant_kind": "alien"}, "complainant_kind"),
])
def test_bad_input_gets_field_errors_and_saves_nothing(manager_client, changes, field):
    response = manager_client.post(reverse("quality:complaint_create"),
                                   {**COMPLAINT, **changes})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_complaint_is_answered_and_closed(manager_client):
    complaint = ComplaintFactory(received_on=DAY)
    response = manager_client.post(
        reverse("quality:complaint_edit", args=[complaint.pk]),
        {**COMPLAINT, "received_on": "2026-03-04", "handling": "Appel du financeur.",
         "answer": "Feuilles renvoyées.", "answered_on": "2026-03-05",
         "closed_on": "2026-03-06", "status": "closed"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.closed_on == D(2026, 3, 6)


def test_the_list_filters_by_status_year_and_source(manager_client):
    ComplaintFactory(complainant_name="Alpha-ancienne", received_on=D(2025, 5, 1))
    ComplaintFactory(complainant_name="Bravo-close", received_on=DAY, closed_on=DAY,
                     status=ComplaintStatus.CLOSED)
    ComplaintFactory(complainant_name="Charlie-employeur", received_on=DAY,
                     complainant_kind="employer")
    url = reverse("quality:complaints")
    page = manager_client.get(url, {"year": 2025}).content.decode()
    assert "Alpha-ancienne" in page and "Bravo-close" not in page
    page = manager_client.get(url, {"status": "closed"}).content.decode()
    assert "Bravo-close" in page and "Alpha-ancienne" not in page
    page = manager_client.get(url, {"source": "employer"}).content.decode()
    assert "Charlie-employeur" in page and "Bravo-close" not in page


def test_a_bad_filter_is_shown_not_a_500(manager_client):
    ComplaintFactory(complainant_name="Toujours là")
    response = manager_client.get(reverse("quality:complaints"),
                                  {"year": "99999", "status": "bogus"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Toujours là" in response.content.decode()


def test_the_list_costs_the_same_queries_whatever_its_length(
        manager_client, django_assert_num_queries, cohort):
    ComplaintFactory(cohort=cohort)
    manager_client.get(reverse("quality:complaints"))  # the organisation row is created once
    # The page's frame (session, user, organisation, permissions, Wagtail's userbar) and
    # ours: the count and one page of complaints, cohort and path joined.
    with django_assert_num_queries(10):
        manager_client.get(reverse("quality:complaints"))
    ComplaintFactory.create_batch(5, cohort=cohort)
    with django_assert_num_queries(10):
        response = manager_client.get(reverse("quality:complaints"))
    assert len(response.context["page"].object_list) == 6


def test_improvement_lists_cost_the_same_queries(manager_client, django_assert_num_queries):
    ImprovementFactory()
    manager_client.get(reverse("quality:improvements"))
    with django_assert_num_queries(9):
        manager_client.get(reverse("quality:improvements"))
    complaint = ComplaintFactory()
    ImprovementFactory.create_batch(4, source=ImprovementSource.COMPLAINT, complaint=complaint)
    with django_assert_num_queries(9):
        response = manager_client.get(reverse("quality:improvements"))
    assert len(response.context["page"].object_list) == 5


def test_an_improvement_from_a_complaint(manager_client):
    complaint = ComplaintFactory(complainant_name="Zoé")
    form = manager_client.get(reverse("quality:improvement_create"),
                              {"complaint": complaint.pk})
    assert form.context["form"].initial["complaint"] == str(complaint.pk)
    data = {"identified_on": "2026-03-10", "source": "complaint", "complaint": complaint.pk,
            "description": "Chauffer la salle une heure avant.", "decision": "Validé",
            "owner": "Régie", "due_on": "2026-04-01", "done_on": "", "status": "planned"}
    response = manager_client.post(reverse("quality:improvement_create"), data)
    assert response.status_code == 302
    improvement = Improvement.objects.get()
    assert improvement.complaint == complaint
    page = manager_client.get(reverse("quality:complaint_detail", args=[complaint.pk]))
    assert "Chauffer la salle" in page.content.decode()
    # Done needs its date; a complaint source needs its complaint.
    response = manager_client.post(
        reverse("quality:improvement_edit", args=[improvement.pk]),
        {**data, "status": "done", "complaint": ""})
    assert response.status_code == 400
    assert {"done_on", "complaint"} <= set(response.context["form"].errors)
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.PLANNED


@pytest.mark.parametrize("changes,field", [
    ({"done_on": "2026-03-01", "status": "done"}, "done_on"),
    ({"due_on": "2026-03-01"}, "due_on"),
    ({"identified_on": "2200-01-01"}, "identified_on"),
    ({"source": "team", "complaint": "COMPLAINT"}, "complaint"),
])
def test_improvement_bounds(manager_client, changes, field):
    complaint = ComplaintFactory()
    changes = {key: complaint.pk if value == "COMPLAINT" else value
               for key, value in changes.items()}
    data = {"identified_on": "2026-03-10", "source": "team", "complaint": "",
            "description": "Revoir le livret d'accueil.", "decision": "", "owner": "",
            "due_on": "", "done_on": "", "status": "planned", **changes}
    response = manager_client.post(reverse("quality:improvement_create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Improvement.objects.exists()


def test_exports_follow_the_filters(manager_client):
    ComplaintFactory(complainant_name="Alpha-ancienne", received_on=D(2025, 5, 1))
    ComplaintFactory(complainant_name="Récente", received_on=DAY)
    response = manager_client.get(reverse("quality:complaints_export_csv"), {"year": 2026})
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert "Récente" in text and "Alpha-ancienne" not in text
    response = manager_client.get(reverse("quality:improvements_export_xlsx"))
    assert "spreadsheetml" in response["Content-Type"]


def test_the_demo_holds_a_closed_complaint_and_its_improvement(db):
    from lms.demo.seeds.quality import quality_demo_seed

    assert quality_demo_seed(today=D(2026, 6, 1)) is True
    assert quality_demo_seed(today=D(2026, 6, 1)) is False  # idempotent
    improvement = Improvement.objects.get()
    assert improvement.complaint.status == ComplaintStatus.CLOSED
    assert improvement.status == ImprovementStatus.DONE
