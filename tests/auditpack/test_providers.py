"""Each provider of evidence, alone."""

import datetime
import sys
import types

import pytest
import time_machine
from django.utils import timezone

from lms.auditpack.providers import (
    alerts,
    convocations,
    documents,
    positionings,
    programme,
    quality,
    results,
    surveys,
)
from lms.auditpack.providers.base import Scope
from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from tests.auditpack.conftest import sent_convocation
from tests.quality.factories import ComplaintFactory, ImprovementFactory

pytestmark = pytest.mark.django_db


def of(cohort) -> Scope:
    return Scope(cohorts=[cohort], cohort=cohort, start=cohort.start_date, end=cohort.end_date)


def of_year(year, cohorts) -> Scope:
    return Scope(cohorts=cohorts, year=year, start=datetime.date(year, 1, 1),
                 end=datetime.date(year, 12, 31))


def publish(page, moment, **changes):
    with time_machine.travel(moment, tick=False):
        for name, value in changes.items():
            setattr(page, name, value)
        page.save_revision().publish()


@pytest.mark.dates
def test_the_programme_is_the_revision_published_on_the_groups_first_day(path, cohort):
    start = timezone.make_aware(datetime.datetime.combine(cohort.start_date, datetime.time(9)))
    publish(path, start - datetime.timedelta(days=40), prerequisites="Savoir lire.")
    publish(path, start - datetime.timedelta(days=2), prerequisites="Aucun prérequis.")
    publish(path, start + datetime.timedelta(days=1), prerequisites="Changé après le début.")
    [evidence] = programme.published_programme(of(cohort))
    html = evidence.content.decode()
    assert "Aucun prérequis." in html
    assert "Changé après" not in html and "Savoir lire" not in html
    assert evidence.path.startswith("programme/programme-")


def test_a_programme_never_published_is_todays_page_and_says_so(path, cohort, module):
    [evidence] = programme.published_programme(of(cohort))
    html = evidence.content.decode()
    assert path.title in html and module.title in html


def test_competence_targets(cohort, module, competence):
    from tests.courses.factories import module_target

    assert programme.competence_targets(of(cohort)) == []
    module_target(module, competence, 3)
    [evidence] = programme.competence_targets(of(cohort))
    assert competence.code in evidence.content.decode("utf-8-sig")


def test_positionings_and_validations_of_the_groups_learners(evidence):
    scope = of(evidence["cohort"])
    [initial] = positionings.initial_positionings(scope)
    [final] = positionings.final_positionings(scope)
    [validated] = positionings.validations(scope)
    assert initial.path == "positionnement-initial/positionnement-initial.csv"
    assert final.content != initial.content and validated.content != initial.content


def test_convocations_as_sent_with_their_calendar(enrollment):
    sent_convocation(enrollment)
    found = convocations.sent_messages(of(enrollment.cohort))
    paths = [e.path for e in found]
    assert paths[0] == "convocations/journal.csv"
    assert paths[1].endswith(".txt") and paths[2].endswith(".ics")
    text = found[1].content.decode()
    assert "vous êtes convoqué·e" in text and enrollment.learner.email in text


def test_a_learner_named_like_a_formula_is_inert_in_the_csv(enrollment):
    enrollment.learner.first_name = "=HYPERLINK(1)"
    enrollment.learner.save()
    sent_convocation(enrollment)
    journal = convocations.sent_messages(of(enrollment.cohort))[0].content.decode("utf-8-sig")
    assert ";'=HYPERLINK(1)" in journal


def test_locked_sheets_are_issued_when_missing_and_reused_when_issued(evidence):
    from certificates.enums import DocumentKind
    from certificates.models import Document

    scope = of(evidence["cohort"])
    [sheet] = documents.sheets(scope)
    assert sheet.path.endswith(".pdf") and sheet.content.startswith(b"%PDF")
    assert Document.objects.filter(kind=DocumentKind.ATTENDANCE_SHEET).count() == 1
    [again] = documents.sheets(scope)
    assert again.content == sheet.content  # the same document, not a new one
    assert Document.objects.filter(kind=DocumentKind.ATTENDANCE_SHEET).count() == 1


def test_sheets_over_the_budget_are_listed_to_issue(evidence, monkeypatch):
    monkeypatch.setattr(documents, "RENDER_BUDGET", -1)
    [missing] = documents.sheets(of(evidence["cohort"]))
    assert missing.path == "emargement/feuilles-a-emettre.csv"


def test_attestations_and_certificates_issued(completed_with_certificate):
    found = documents.attestations(of(completed_with_certificate.cohort))
    assert [e.path.split("/")[1].split("-")[0] for e in found] == ["certificate"]


@pytest.fixture
def completed_with_certificate(enrollment, trainer):
    from django.test import TestCase

    from certificates import services
    from certificates.enums import DocumentKind
    from tests.documents_setup import attended_session, ready_to_sign

    ready_to_sign()
    attended_session(enrollment, by=trainer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.document_request(kind=DocumentKind.CERTIFICATE, by=trainer,
                                  enrollment=enrollment)
    return enrollment


def test_alerts_with_what_followed_them(enrollment, trainer, manager):
    from lms.attendance import services as attendance
    from lms.attendance.models import AttendanceAlert
    from lms.core.notifications import notification_send

    cohort, learner = enrollment.cohort, enrollment.learner
    assert alerts.alerts_and_actions(of(cohort)) == []
    AttendanceAlert.objects.create(learner=learner, cohort=cohort, kind="absence_streak",
                                   key="k", details={"dates": ["2026-01-05", "2026-01-06"]})
    from django.urls import reverse

    notification_send(recipients=[trainer], title=f"Alerte : {learner} absent",
                      body="", url=reverse("attendance:cohort_detail", args=[cohort.pk]))
    today = timezone.localdate()
    attendance.absence_declare(learner=learner, cohort=cohort, start_date=today,
                               end_date=today, reason="Rendez-vous médical")
    enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.WITHDRAWN,
                          by=manager, note="Reprise d'emploi")
    [evidence] = alerts.alerts_and_actions(of(cohort))
    text = evidence.content.decode("utf-8-sig")
    assert "2026-01-05, 2026-01-06" in text
    assert trainer.get_full_name() in text  # told
    assert "Rendez-vous médical" in text and "Reprise d'emploi" in text


def test_results_per_group(enrollment, path, cohort):
    from tests.progress.factories import EnrollmentFactory

    EnrollmentFactory(path=path, cohort=cohort, status=EnrollmentStatus.WITHDRAWN)
    [evidence] = results.group_results(of(cohort))
    row = evidence.content.decode("utf-8-sig").splitlines()[1].split(";")
    assert row[4:] == ["2", "0", "1", "1", "0.0", "50.0"]


def test_complaints_and_improvements_of_the_group_or_the_year(cohort, path):
    other = ComplaintFactory(received_on=cohort.start_date)  # about nobody in particular
    about_path = ComplaintFactory(path=path, received_on=cohort.start_date)
    ours = ComplaintFactory(cohort=cohort, received_on=cohort.start_date)
    ImprovementFactory(source="complaint", complaint=ours, identified_on=cohort.start_date)
    [complaints] = quality.complaints(of(cohort))
    text = complaints.content.decode("utf-8-sig")
    assert ours.complainant_name in text and about_path.complainant_name in text
    assert other.complainant_name not in text
    [improvements] = quality.improvements(of(cohort))
    assert "chauffage" in improvements.content.decode("utf-8-sig")
    year = of_year(cohort.start_date.year, [cohort])
    assert other.complainant_name in quality.complaints(year)[0].content.decode("utf-8-sig")


def test_the_bpf_is_a_years(cohort):
    assert quality.bpf(of(cohort)) == []
    [figures] = quality.bpf(of_year(2026, [cohort]))
    assert figures.path == "bpf/bpf-2026.csv"


def test_surveys_without_the_surveys_app_give_nothing(cohort):
    assert surveys.survey_results(of(cohort)) == []


def test_surveys_are_asked_to_lms_surveys_when_installed(cohort, monkeypatch):
    calls = []

    def survey_evidence(*, cohort=None, year=None):
        calls.append((cohort, year))
        return [("resultats-chaud.csv", b"question;score\n"), ("../../evil name.csv", b"x")]

    module = types.ModuleType("lms.surveys.evidence")
    module.survey_evidence = survey_evidence
    monkeypatch.setitem(sys.modules, "lms.surveys", types.ModuleType("lms.surveys"))
    monkeypatch.setitem(sys.modules, "lms.surveys.evidence", module)
    monkeypatch.setattr("django.apps.apps.is_installed", lambda name: name == "lms.surveys")
    found = surveys.survey_results(of(cohort))
    assert calls == [(cohort, None)]
    assert found[0].path == "enquetes/resultats-chaud.csv"
    surveys.survey_results(of_year(2026, [cohort]))
    assert calls[1] == (None, 2026)
    # Whatever name comes back, the pack's path stays inside the pack and checkable.
    from lms.auditpack.archive import clean_path

    assert clean_path(found[1].path) == "enquetes/x/x/evil-name.csv"
