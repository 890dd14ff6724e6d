"""A trainer takes a roll call on a 360 px phone (issue 15, point 3): every tap saved at once
and shown so, a tap made just before opening the signature pad kept, a tap made offline kept
and sent when the network is back, "All present" for the rest, a declared absence pre-set to
excused, the signing mode handed to a learner, then the sheet closed."""

import datetime

import pytest
from django.utils import timezone

from lms.attendance.models import AbsenceNotice, Attendance, Session
from tests.accounts.factories import PASSWORD, LearnerFactory
from tests.attendance.factories import SessionFactory
from tests.e2e.helpers import SMALL_PHONE, Journey, draw_with_finger, draw_with_mouse, log_in
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NAMES = [("Chloé", "Martin"), ("Amine", "Benali"), ("Jeanne", "Durand"), ("Ahamada", "Saïd"),
         ("Inès", "Moreau")]


@pytest.fixture
def roll_call(path, module, cohort, trainer):
    learners = [LearnerFactory(first_name=first, last_name=last) for first, last in NAMES]
    for learner in learners:
        EnrollmentFactory(learner=learner, path=path, cohort=cohort)
    session = SessionFactory(cohort=cohort, module=module, trainer=trainer,
                             date=timezone.localdate(), start_time=datetime.time(9, 0),
                             end_time=datetime.time(12, 0), room="Salle Ada Lovelace")
    by_name = {learner.last_name: learner for learner in learners}
    AbsenceNotice.objects.create(learner=by_name["Moreau"], cohort=cohort,
                                 start_date=session.date, end_date=session.date,
                                 reason="Rendez-vous à France Travail")
    return session, by_name


def statuses(session):
    return {mark.learner.last_name: mark.status.code if mark.status else None
            for mark in Attendance.objects.filter(session=session)
            .select_related("status", "learner")}


def wait_saved(page, learner):
    page.locator(f"#learner-{learner.pk} [data-save-state][data-state=saved]").wait_for()


def test_trainer_takes_a_roll_call_on_a_small_phone(live_server, new_page, roll_call, trainer):
    session, by_name = roll_call
    page = new_page(SMALL_PHONE)
    journey = Journey("trainer-roll-call-taps", page, live_server.url)
    log_in(journey, trainer.username, PASSWORD)
    journey.goto(f"/emargement/seances/{session.pk}/")
    # The declared absence is pre-set to excused and saved as such on opening.
    wait_saved(page, by_name["Moreau"])
    assert statuses(session) == {"Moreau": "excused"}
    journey.step("roll-call-opened")

    # A tap is saved at once, without the "Save" button.
    benali, durand, martin = by_name["Benali"], by_name["Durand"], by_name["Martin"]
    page.locator(f"#learner-{durand.pk} input[value=absent]").tap()
    wait_saved(page, durand)
    assert statuses(session)["Durand"] == "absent"
    assert page.locator(f"#learner-{durand.pk} [data-save-state]").inner_text() == "Enregistré"
    journey.step("tap-saved")

    # Offline: the tap is kept on the device, shown as not saved yet, and sent once back.
    page.context.set_offline(True)
    page.locator(f"#learner-{martin.pk} input[value=late]").tap()
    page.locator(f"#learner-{martin.pk} [data-save-state][data-state=offline]").wait_for()
    assert "Martin" not in statuses(session)
    journey.step("tap-kept-offline")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_saved(page, martin)
    assert statuses(session)["Martin"] == "late"

    # A tap then straight to the signature pad: the tap is not lost.
    page.locator(f"#learner-{benali.pk} input[value=present]").tap()
    with page.expect_navigation():
        page.locator(f"#learner-{benali.pk} a[href$='/signature/{benali.pk}/']").tap()
    assert statuses(session)["Benali"] == "present"

    # Signing mode: the learner's name and the pad; no menu, no Wagtail userbar, no link out.
    canvas = page.locator("[data-signature-form] [data-signature-canvas]")
    canvas.wait_for()
    assert page.locator("h1").inner_text() == "Amine Benali"
    assert not page.locator(".site-nav, wagtail-userbar, .site-header").count()
    assert not page.locator("a:visible").count()  # the way back is folded away for the trainer
    draw_with_finger(page, canvas)
    journey.step("signing-mode")
    with page.expect_navigation():
        page.locator("form[data-signature-form] button[type=submit]").tap()
    assert page.locator(".signing__done").is_visible()
    # The browser's back button does not leave the signing mode.
    page.go_back()
    assert page.locator(".signing__done").is_visible()
    journey.step("signed-hand-back")
    page.locator(".signing__staff summary").tap()
    with page.expect_navigation():
        page.locator("[data-signing-exit]").tap()
    assert Attendance.objects.get(session=session, learner=benali).signed_at is not None

    # "All present" for those not marked yet: Saïd only.
    page.locator("form[data-rollcall-all] button").tap()
    wait_saved(page, by_name["Saïd"])
    assert statuses(session) == {"Moreau": "excused", "Durand": "absent", "Martin": "late",
                                 "Benali": "present", "Saïd": "present"}
    said = by_name["Saïd"]
    assert page.locator(f"#learner-{said.pk} input[type=radio][value=present]").is_checked()
    journey.step("all-present")

    # Closing: Saïd and Martin are present without a signature; the trainer confirms.
    with page.expect_navigation():
        page.locator(".rollcall__lock a").tap()
    canvas = page.locator("[data-signature-form] [data-signature-canvas]")
    canvas.wait_for()
    draw_with_mouse(page, canvas)
    page.locator("input[name=confirm_unsigned]").check()
    with page.expect_navigation():
        page.locator("form[data-signature-form] button[type=submit]").tap()
    assert Session.objects.get(pk=session.pk).locked_at is not None
    journey.step("sheet-closed")
    journey.finish()
    journey.assert_accessible()
