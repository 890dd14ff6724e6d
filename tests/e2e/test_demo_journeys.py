"""The demo as its users meet it, in a real browser: every journey here starts from the data
`seed_demo` builds (issue 15, point 7), not from fixtures made on the side.

seed_demo takes tens of seconds, and a transactional test's database is flushed after it: so
one test seeds the demo once and walks the journeys in turn, each user in their own browser
context (own cookies, own device):

1. the demo trainer, on a 360 px phone, creates a group of her path and places the learner
   who enrolled herself from the catalogue;
2. she takes today's roll call of her club on the phone: taps saved at once, a tap kept while
   offline, a tap made just before the signature pad, the phone handed to a learner in the
   signing mode (her name and the pad, nothing else reachable, back to the roll call by the
   trainer's action), "All present" for the rest, then the sheet countersigned and closed;
3. a conseiller d'insertion, on a 360 px phone, creates an insertion programme with a
   colleague, and is on its staff.

Each step is screenshotted and checked with axe-core, and must not scroll sideways at 360 px
(Journey.step measures scrollWidth); no page may violate the site's strict
Content-Security-Policy (conftest)."""

import datetime
import gc
import time
import warnings
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lms.accounts.models import User
from lms.attendance.models import Attendance, AttendanceChange, Session
from lms.cohorts.models import Cohort
from lms.insertion.models import Programme
from lms.progress.enums import EnrollmentSource
from lms.progress.models import Enrollment
from tests.e2e.helpers import (
    REPORT,
    SMALL_PHONE,
    Journey,
    draw_with_finger,
    draw_with_mouse,
    log_in,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DEMO_PASSWORD = "parcours-demo-2026"  # lms/demo/data/people.json
TRAINER = "elodie.rousseau"  # trains the club, whose roll call is open today
SELF_ENROLLED = "helene.lefevre-dubois"  # enrolled herself in the club's path, in no group
COUNSELLOR, COLLEAGUE = "mamadou.diallo", "sandrine.moreau"  # the insertion programme's staff


@pytest.fixture
def demo():
    started = time.monotonic()
    with warnings.catch_warnings():
        # Wagtail leaves the renditions' temporary files to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        call_command("seed_demo", stdout=StringIO())
        gc.collect()
    REPORT.durations["seed_demo"] = time.monotonic() - started
    yield
    if connection.vendor == "sqlite":
        # The flush deletes row by row on SQLite: the rows that point at the demo's locked
        # sessions (documents, messages, alerts…) go first; conftest's _attendance_flushable
        # then removes the marks, the chain and the locked sessions with the triggers off.
        for relation in Session._meta.related_objects:
            if relation.related_model in (Attendance, AttendanceChange):
                continue
            relation.related_model.objects.filter(
                **{f"{relation.field.name}__isnull": False}).delete()


def test_demo_journeys(live_server, new_page, demo):
    cohort = trainer_creates_a_group_and_places_a_self_enrolled_learner(live_server, new_page)
    trainer_takes_todays_roll_call_on_a_phone(live_server, new_page)
    counsellor_creates_an_insertion_programme(live_server, new_page)
    # The new group is the trainer's, beside the demo's: nothing else moved it.
    assert Cohort.objects.filter(path__slug="club-premiers-pas").count() == 2
    assert cohort.trainers.filter(username=TRAINER).exists()


# 1. A group, and the self-enrolled learner placed in it -----------------------------------

def trainer_creates_a_group_and_places_a_self_enrolled_learner(live_server, new_page) -> Cohort:
    trainer = User.objects.get(username=TRAINER)
    waiting = Enrollment.objects.get(learner__username=SELF_ENROLLED,
                                     path__slug="club-premiers-pas")
    assert (waiting.source, waiting.cohort_id) == (EnrollmentSource.SELF, None)
    path = waiting.path
    page = new_page(SMALL_PHONE)
    journey = Journey("demo-trainer-groups", page, live_server.url)
    log_in(journey, trainer.username, DEMO_PASSWORD)

    journey.goto("/")
    page.locator(".site-nav a[href='/emargement/groupes/']").first.click()
    page.wait_for_url("**/emargement/groupes/")
    assert "Club Premiers pas — hebdomadaire" in page.locator("main").inner_text()
    journey.step("groups")

    with page.expect_navigation():
        page.locator("a[href='/emargement/groupes/nouveau/']").click()
    today = timezone.localdate()
    page.fill("#id_name", "Club Premiers pas — groupe du soir")
    page.select_option("#id_path", str(path.pk))
    page.fill("#id_start_date", today.isoformat())
    page.fill("#id_end_date", (today + datetime.timedelta(days=90)).isoformat())
    page.fill("#id_place", "C-Num, 12 rue des Tanneurs, Niort")
    page.fill("#id_capacity", "8")
    page.locator(f"input[name=trainers][value='{trainer.pk}']").check()
    journey.step("new-group")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    cohort = Cohort.objects.get(name="Club Premiers pas — groupe du soir")
    assert page.url.endswith(f"/emargement/groupes/{cohort.pk}/")
    assert page.locator(".message--success").is_visible()
    journey.step("group-planning")

    with page.expect_navigation():
        page.locator(f"a[href='/suivi/formation/groupe/{cohort.pk}/placer/']").first.click()
    # She is among those in no group yet; the club's learners are in another of her groups.
    candidate = page.locator(".candidate", has=page.locator(f"#place-{waiting.pk}"))
    assert "Hélène Lefèvre-Dubois" in candidate.inner_text()
    page.locator(f"#place-{waiting.pk}").check()
    journey.step("place-learners")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".message--success").is_visible()
    waiting.refresh_from_db()
    assert waiting.cohort == cohort and waiting.memberships.get().cohort == cohort
    journey.step("placed")

    journey.goto(f"/emargement/groupes/{cohort.pk}/")
    assert page.locator("main", has_text="Hélène Lefèvre-Dubois").is_visible()
    journey.step("planning-with-learner")
    journey.finish()
    journey.assert_accessible()
    return cohort


# 2. Today's roll call on a phone, with the signing mode ------------------------------------

def statuses(session) -> dict[str, str | None]:
    return {mark.learner.username: mark.status.code if mark.status else None
            for mark in Attendance.objects.filter(session=session)
            .select_related("status", "learner")}


def wait_saved(page, learner) -> None:
    page.locator(f"#learner-{learner.pk} [data-save-state][data-state=saved]").wait_for()


def focus_walk(page, presses: int = 12) -> list[dict]:
    """What Tab reaches, in order: each focused element and whether it is a link or lies
    outside the signing surface."""
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            return {tag: el.tagName.toLowerCase(), text: (el.innerText || '').trim(),
                    inside: !!el.closest('[data-signing-mode]'),
                    link: !!el.closest('a[href]')};
        }"""))
    return [element for element in reached if element]


def trainer_takes_todays_roll_call_on_a_phone(live_server, new_page) -> None:
    trainer = User.objects.get(username=TRAINER)
    session = Session.objects.get(cohort__path__slug="club-premiers-pas",
                                  cohort__name="Club Premiers pas — hebdomadaire",
                                  date=timezone.localdate())
    learners = {user.username: user for user in User.objects.filter(username__in=[
        "monique.riviere", "bernard.guillot", "josiane.texier", "thuha.nguyen"])}
    monique, bernard = learners["monique.riviere"], learners["bernard.guillot"]
    josiane, thuha = learners["josiane.texier"], learners["thuha.nguyen"]
    page = new_page(SMALL_PHONE)
    journey = Journey("demo-trainer-roll-call", page, live_server.url)
    log_in(journey, trainer.username, DEMO_PASSWORD)

    page.locator(".site-nav a[href='/emargement/']").click()
    page.wait_for_url("**/emargement/")
    assert "Club Premiers pas" in page.locator("main").inner_text()
    journey.step("todays-sessions")

    page.locator(f".session-list--today a[href='/emargement/seances/{session.pk}/']").tap()
    page.wait_for_url(f"**/emargement/seances/{session.pk}/")
    text = page.locator("main").inner_text()
    # The club's learners, with the real mix of names, and the absence Monique declared.
    for name in ("Bouchard", "Guillot", "Nguyễn", "بن علي"):
        assert name in text
    assert "Rendez-vous chez le médecin" in text
    assert page.locator("form.rollcall").count() == 1  # open: the sheet is not locked
    # Her declared absence is pre-set to excused and saved as such on opening; the trainer
    # has marked nobody else yet.
    wait_saved(page, monique)
    assert statuses(session) == {"monique.riviere": "excused"}
    journey.step("todays-roll-call")

    # A tap is saved at once, without the "Save" button.
    page.locator(f"#learner-{bernard.pk} input[value=absent]").tap()
    wait_saved(page, bernard)
    assert statuses(session)["bernard.guillot"] == "absent"
    assert page.locator(f"#learner-{bernard.pk} [data-save-state]").inner_text() == "Enregistré"
    journey.step("tap-saved")

    # Offline: the tap is kept on the device, shown as not saved yet, and sent once back.
    page.context.set_offline(True)
    page.locator(f"#learner-{josiane.pk} input[value=late]").tap()
    page.locator(f"#learner-{josiane.pk} [data-save-state][data-state=offline]").wait_for()
    assert "josiane.texier" not in statuses(session)
    journey.step("tap-kept-offline")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_saved(page, josiane)
    assert statuses(session)["josiane.texier"] == "late"

    # A tap then straight to the signature pad: the tap is not lost.
    page.locator(f"#learner-{thuha.pk} input[value=present]").tap()
    with page.expect_navigation():
        page.locator(f"#learner-{thuha.pk} a[href$='/signature/{thuha.pk}/']").tap()
    assert statuses(session)["thuha.nguyen"] == "present"

    # The signing mode, the phone in Thu Hà's hands: her name and the pad; no site menu, no
    # header, no Wagtail userbar, no link; the keyboard reaches nothing outside the surface.
    canvas = page.locator("[data-signature-form] [data-signature-canvas]")
    canvas.wait_for()
    assert page.locator("h1").inner_text() == str(thuha)
    assert not page.locator(".site-nav, .site-header, wagtail-userbar, footer").count()
    assert not page.locator("a:visible").count()  # the way back is folded away for the trainer
    reached = focus_walk(page)
    assert reached and all(element["inside"] and not element["link"] for element in reached), \
        reached
    draw_with_finger(page, canvas)
    assert page.input_value("[data-signature-form] input[name=strokes]").startswith('["M')
    journey.step("signing-mode")
    with page.expect_navigation():
        page.locator("form[data-signature-form] button[type=submit]").tap()
    assert page.locator(".signing__done").is_visible()  # thanked, asked to hand it back
    mark = Attendance.objects.get(session=session, learner=thuha)
    assert mark.signed_at is not None and mark.signature_svg.startswith("<svg")
    # The browser's back button does not leave the signing mode.
    page.go_back()
    assert page.locator(".signing__done").is_visible()
    assert not page.locator("a:visible").count()
    journey.step("signed-hand-back")
    # Back to the roll call: the trainer's action, in the section kept for them.
    page.locator(".signing__staff summary").tap()
    with page.expect_navigation():
        page.locator("[data-signing-exit]").tap()
    assert page.url.split("#")[0].endswith(f"/emargement/seances/{session.pk}/")
    assert page.locator(".site-nav").count()

    # "All present" for those not marked yet; the marks already taken stay.
    on_sheet = page.locator("fieldset[data-learner]").evaluate_all(
        "(rows) => rows.map((row) => Number(row.dataset.learner))")
    assert len(on_sheet) == 10  # the club's learners
    unmarked = set(User.objects.filter(pk__in=on_sheet).values_list("username", flat=True)
                   ) - set(statuses(session))
    assert unmarked
    page.locator("form[data-rollcall-all] button").tap()
    last = User.objects.get(username=sorted(unmarked)[-1])
    wait_saved(page, last)
    marks = statuses(session)
    assert {name: marks[name] for name in learners} == {
        "monique.riviere": "excused", "bernard.guillot": "absent", "josiane.texier": "late",
        "thuha.nguyen": "present"}
    assert {marks[name] for name in unmarked} == {"present"}
    assert page.locator(f"#learner-{last.pk} input[type=radio][value=present]").is_checked()
    journey.step("all-present")

    # The "Save" button still saves the whole sheet at once.
    with page.expect_navigation():
        page.locator("form.rollcall button[type=submit]").tap()
    assert page.locator(".message--success").is_visible()
    assert statuses(session) == marks

    # Closing: those present without a signature are named; the trainer confirms and
    # countersigns.
    with page.expect_navigation():
        page.locator(".rollcall__lock a").tap()
    canvas = page.locator("[data-signature-form] [data-signature-canvas]")
    canvas.wait_for()
    assert "Texier" in page.locator("main").inner_text()  # late, not signed
    draw_with_mouse(page, canvas)
    page.locator("input[name=confirm_unsigned]").check()
    journey.step("countersignature")
    with page.expect_navigation():
        page.locator("form[data-signature-form] button[type=submit]").tap()
    session = Session.objects.get(pk=session.pk)
    assert session.locked_at is not None and session.locked_by == trainer
    assert session.countersignature_svg.startswith("<svg")
    assert page.locator(".callout[role=status]").is_visible()
    journey.step("sheet-closed")

    journey.goto(f"/emargement/seances/{session.pk}/")
    assert not page.locator("form.rollcall").count()  # read-only once locked
    journey.step("roll-call-locked")
    journey.finish()
    journey.assert_accessible()


# 3. Insertion staff create a programme -----------------------------------------------------

def counsellor_creates_an_insertion_programme(live_server, new_page) -> None:
    counsellor = User.objects.get(username=COUNSELLOR)
    colleague = User.objects.get(username=COLLEAGUE)
    page = new_page(SMALL_PHONE)
    journey = Journey("demo-insertion-programme", page, live_server.url)
    log_in(journey, counsellor.username, DEMO_PASSWORD)

    page.locator(".site-nav a[href='/insertion/']").click()
    page.wait_for_url("**/insertion/")
    with page.expect_navigation():
        page.locator("main a[href='/insertion/programmes/']").click()
    # The programme they staff, built by the demo.
    demo_programme = Programme.objects.get(staff=counsellor)
    assert page.locator(f"a[href='/insertion/programmes/{demo_programme.pk}/modifier/']"
                        ).is_visible()
    journey.step("programmes")

    with page.expect_navigation():
        page.locator("a[href='/insertion/programmes/nouveau/']").click()
    # They are on its staff anyway: the form offers their colleagues.
    assert not page.locator(f"input[name=staff][value='{counsellor.pk}']").count()
    page.fill("#id_name", "Chantier espaces verts")
    page.fill("#id_start_date", (timezone.localdate() + datetime.timedelta(days=30)
                                 ).isoformat())
    page.locator(f"input[name=staff][value='{colleague.pk}']").check()
    page.locator("#id_co_financed").check()
    page.fill("#id_funders", "FSE+, Département des Deux-Sèvres")
    journey.step("new-programme")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".message--success").is_visible()
    programme = Programme.objects.get(name="Chantier espaces verts")
    assert set(programme.staff.all()) == {counsellor, colleague} and programme.co_financed
    row = page.locator("tr", has=page.locator(
        f"a[href='/insertion/programmes/{programme.pk}/modifier/']"))
    assert "Mamadou Diallo" in row.inner_text() and "Sandrine Moreau" in row.inner_text()
    journey.step("programme-created")

    # They change it: an end date.
    with page.expect_navigation():
        row.locator("a").click()
    end = timezone.localdate() + datetime.timedelta(days=30 + 365)
    page.fill("#id_end_date", end.isoformat())
    journey.step("edit-programme")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".message--success").is_visible()
    programme.refresh_from_db()
    assert programme.end_date == end
    assert set(programme.staff.all()) == {counsellor, colleague}
    journey.step("programme-saved")
    journey.finish()
    journey.assert_accessible()
