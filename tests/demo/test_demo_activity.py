"""The demo's activity: seeding twice changes nothing, and every page each demo account opens
first shows the demo's data."""

import datetime
import gc
import warnings
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from certificates.enums import DocumentKind, DocumentStatus
from certificates.models import Document
from lms.accounts.models import User
from lms.attendance.chain import session_chain_verify
from lms.attendance.models import Attendance, AttendanceAlert, Session
from lms.cohorts.models import Cohort
from lms.insertion.enums import ExitCategory
from lms.insertion.models import Trainee
from lms.progress.enums import AssessmentKind, EnrollmentSource
from lms.progress.models import Enrollment, LessonCompletion

COUNTED = ("cohorts.Cohort", "attendance.Session", "attendance.Attendance",
           "attendance.AttendanceChange", "attendance.AttendanceAlert",
           "attendance.AbsenceNotice", "progress.Enrollment", "progress.CohortMembership",
           "progress.LessonCompletion", "progress.QuizAttempt",
           "progress.CompetenceAssessment", "insertion.Programme", "insertion.Trainee",
           "insertion.Contract", "insertion.Interview", "insertion.Exit",
           "insertion.ObstacleAssessment", "insertion.PlanObjective", "insertion.Milestone",
           "convocations.SentMessage", "certificates.Document", "quality.EnrollmentFunding",
           "quality.Complaint", "quality.Improvement", "core.Notification")


def counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def seed():
    # Wagtail leaves a rendition's temporary file (the signature and stamp printed on the
    # documents) to the garbage collector: collected here, not in a later test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        call_command("seed_demo", stdout=StringIO())
        gc.collect()


@pytest.mark.django_db
def test_demo_seeds_twice_alike_and_each_account_sees_its_data(client):
    # One test: the seeding (twice, on purpose) is the slow part.
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert all(first[label] for label in COUNTED), {k: v for k, v in first.items() if not v}
    demo_is_complete()
    each_account_opens_its_pages(client)


def cohort(path_slug: str) -> Cohort:
    return Cohort.objects.get(path__slug=path_slug)


def demo_is_complete():
    today = timezone.localdate()
    assert Cohort.objects.count() == 4
    # Past sheets are locked, countersigned, with drawn signatures, and their chains intact.
    past = Session.objects.filter(date__lt=today)
    assert past.exists() and not past.filter(locked_at__isnull=True).exists()
    for session in past.order_by("?")[:5]:
        assert session_chain_verify(session).intact
    marks = Attendance.objects.filter(session__date__lt=today)
    assert marks.filter(signature_method="drawn", signature_svg__contains="<path").exists()
    assert marks.filter(signature_method="check_in").exists()
    assert marks.filter(status__code="late", minutes_late__gt=0).exists()
    assert marks.filter(status__code="excused").exists()
    assert marks.filter(status__code="absent").exists()
    assert AttendanceAlert.objects.filter(learner__username="bernard.guillot",
                                          kind="absence_streak").exists()
    # Today: an open roll call for the demo trainer; sessions to come.
    today_sessions = Session.objects.trained_by(User.objects.get(username="elodie.rousseau")
                                                ).filter(date=today)
    assert today_sessions.exists() and not today_sessions.filter(locked_at__isnull=False)
    assert Session.objects.filter(date__gt=today + datetime.timedelta(days=14)).exists()
    # Learning records.
    kinds = set(apps.get_model("progress.CompetenceAssessment").objects
                .values_list("kind", flat=True))
    assert kinds == set(AssessmentKind.values)
    # Documents of every kind, issued.
    issued = Document.objects.filter(status=DocumentStatus.ISSUED)
    assert set(issued.values_list("kind", flat=True)) == set(DocumentKind.values)
    assert not Document.objects.exclude(status=DocumentStatus.ISSUED).exists()
    # A learner who enrolled herself from the catalogue, in no group yet: to be placed.
    helene = Enrollment.objects.get(learner__username="helene.lefevre-dubois")
    assert (helene.path.slug, helene.source, helene.cohort_id) == (
        "club-premiers-pas", EnrollmentSource.SELF, None)
    assert helene.enrolled_by.username == "helene.lefevre-dubois"
    assert not helene.memberships.exists()
    assert LessonCompletion.objects.filter(learner=helene.learner).count() == 2
    # The insertion programme.
    trainees = Trainee.objects.all()
    assert trainees.count() >= 8
    assert not trainees.filter(pass_iae_number="").exists()
    assert set(trainees.values_list("exit__category", flat=True)) >= set(ExitCategory.values)
    funders = set(apps.get_model("quality.EnrollmentFunding").objects
                  .values_list("funder_type", flat=True))
    assert {"cpf", "opco", "france_travail", "region", "self_funded"} <= funders


def ids():
    """The ids the pages below need, read from the seeded data."""
    today = timezone.localdate()
    elodie = User.objects.get(username="elodie.rousseau")
    # The club's: on some weekdays another of her groups meets earlier the same day.
    roll_call = Session.objects.trained_by(elodie).get(date=today,
                                                       cohort__path__slug="club-premiers-pas")
    ahamada = User.objects.get(username="ahamada.said")
    return {
        "club": cohort("club-premiers-pas").pk,
        "workshop": cohort("demarches-en-ligne-securite").pk,
        "vocational": cohort("assistant-bureautique").pk,
        "insertion": cohort("chantier-insertion-reconditionnement").pk,
        "roll_call": roll_call.pk,
        "trainee": Trainee.objects.get(learner=ahamada).pk,
        "attestation": Document.objects.get(learner=ahamada, kind=DocumentKind.ATTESTATION
                                            ).pk,
        "sheet": Document.objects.get(cohort_id=roll_call.cohort_id,
                                      kind=DocumentKind.ATTENDANCE_SHEET).code,
    }


# Per account: (page, a text the page shows only when the demo's data is there).
PAGES = {
    "ahamada.said": [
        ("/suivi/mon-parcours/", "Démarches en ligne"),
        ("/suivi/mon-parcours/", "Chantier"),
        ("/emargement/mes-absences/", "Chantier reconditionnement"),
        ("/suivi/mon-parcours/", "/certificats/documents/{attestation}/pdf/"),
        ("/certificats/documents/{attestation}/pdf/", ""),
    ],
    "elodie.rousseau": [
        ("/emargement/", "Club Premiers pas"),
        ("/emargement/seances/{roll_call}/", "Rendez-vous chez le médecin"),
        ("/emargement/seances/{roll_call}/", "Guillot"),
        ("/emargement/groupes/", "Assistant·e bureautique"),
        ("/emargement/groupes/{club}/", "Guillot"),
        ("/suivi/formation/", "Club Premiers pas"),
        ("/suivi/formation/groupe/{club}/", "Bouchard"),
        ("/suivi/formation/groupe/{club}/placer/", "Lefèvre-Dubois"),
        # She trains the club's path: she creates its groups.
        ("/emargement/groupes/nouveau/", "Club Premiers pas numériques"),
        ("/certificats/groupes/{club}/", "{sheet}"),
        ("/convocations/groupes/{club}/", "Brunet"),
    ],
    "karim.haddad": [
        ("/emargement/groupes/", "Chantier reconditionnement"),
        ("/emargement/groupes/{vocational}/", "Ferreira"),
        ("/suivi/formation/groupe/{vocational}/", "Traoré"),
    ],
    "julien.marchand": [
        ("/emargement/groupes/{workshop}/", "Coulibaly"),
        ("/certificats/groupes/{workshop}/", "Saïd"),
    ],
    "mamadou.diallo": [
        ("/insertion/", "Bouzid"),
        ("/insertion/beneficiaires/{trainee}/", "PASS IAE"),
        ("/insertion/beneficiaires/{trainee}/", "Technicien de maintenance"),
        ("/insertion/chiffres/", "CDI"),
    ],
    "sandrine.moreau": [
        ("/insertion/", "Grondin"),
    ],
    "nathalie.giraud": [
        ("/suivi/pilotage/", "Assistant·e bureautique"),
        ("/qualite/bpf/", "CPF"),
        ("/qualite/financements/", "Assistant·e bureautique"),
        ("/qualite/financements/groupes/{vocational}/", "OPCO EP"),
        ("/qualite/reclamations/", "Josiane Martin"),
        ("/qualite/ameliorations/", "chauffage"),
        ("/certificats/groupes/{workshop}/", "Coulibaly"),
        ("/emargement/groupes/{insertion}/", "Grondin"),
        ("/insertion/", "Cherif"),
    ],
}


def each_account_opens_its_pages(client):
    values = ids()
    failures = []
    for username, pages in PAGES.items():
        client.force_login(User.objects.get(username=username))
        for page, text in pages:
            url = page.format(**values)
            response = client.get(url)
            body = b"".join(response) if response.streaming else response.content
            body = body.decode(errors="replace")
            text = text.format(**values)
            if response.status_code != 200 or text not in body:
                failures.append((username, url, response.status_code, text))
    assert not failures
