"""User journeys in a real browser (Chromium through Playwright), with axe-core on every page:
the learner on a phone, the same learner with the keyboard only, and the insertion staff's
follow-up. The trainer's roll call on a small phone is walked on the demo's data
(test_demo_journeys.py)."""

import pytest

from certificates.enums import DocumentKind
from certificates.models import Document
from lms.insertion.models import Interview
from lms.progress.enums import EnrollmentStatus
from lms.progress.models import Enrollment
from tests.accounts.factories import PASSWORD
from tests.courses.factories import LessonFactory, lesson_body
from tests.e2e.helpers import (
    DESKTOP,
    PHONE,
    Journey,
    log_in,
    tab_to,
)

# live_server needs committed data; the Wagtail root page and the attendance statuses come from
# migrations, so they are restored after each flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
KEYBOARD = "learner-keyboard"


@pytest.fixture
def lessons(module):
    """A reading lesson marked done by hand, then a lesson completed by passing its quiz."""
    reading = LessonFactory(parent=module, title="Découvrir la messagerie",
                            body=lesson_body(with_quiz=False))
    quiz = LessonFactory(parent=module, title="Envoyer un courriel")
    return reading, quiz


@pytest.fixture
def learner_setup(organisation, enrollment, lessons):
    return enrollment


def test_learner_journey(live_server, new_page, learner_setup, learner):
    page = new_page(PHONE)
    journey = Journey("learner", page, live_server.url)

    log_in(journey, learner.username, PASSWORD)
    journey.step("home")

    journey.goto("/suivi/mon-parcours/")
    assert page.locator("progress").first.get_attribute("value") == "0"
    journey.step("my-path-before")

    page.locator(".site-nav a[href='/catalogue/']").click()
    page.wait_for_url("**/catalogue/")
    journey.step("catalogue")

    page.get_by_role("link", name="Club premiers pas").click()
    page.get_by_role("heading", level=1, name="Club premiers pas").wait_for()
    journey.step("path")

    page.get_by_role("link", name="Découvrir la messagerie").click()
    page.get_by_role("heading", level=1, name="Découvrir la messagerie").wait_for()
    journey.step("lesson")

    with page.expect_navigation():
        page.locator(".lesson-panel form button[type=submit]").click()
    assert page.locator(".lesson-panel .message--success").is_visible()
    journey.step("lesson-done")

    with page.expect_navigation():
        page.locator(".pager a[rel=next]").click()
    page.get_by_role("heading", level=1, name="Envoyer un courriel").wait_for()
    journey.step("quiz")

    page.check("#q-quiz-1-0-0")  # "@"
    page.check("#q-quiz-1-1-1")  # the two strong passwords
    page.check("#q-quiz-1-1-2")
    page.locator(".quiz").scroll_into_view_if_needed()
    journey.step("quiz-answers")
    with page.expect_navigation():
        page.locator(".quiz form button[type=submit]").click()
    result = page.locator(".quiz__result--passed")
    assert result.is_visible()
    assert "100" in result.inner_text()
    journey.step("quiz-score")

    page.locator(".site-nav a[href='/suivi/mon-parcours/']").click()
    page.wait_for_url("**/suivi/mon-parcours/")
    progress = page.locator("progress").first
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("2", "2")
    enrollment = Enrollment.objects.get(pk=learner_setup.pk)
    assert enrollment.status == EnrollmentStatus.COMPLETED
    journey.step("my-path-after")

    # The attestation was issued on completion (rendered in-process once the commit ran).
    document = Document.objects.get(enrollment=enrollment, kind=DocumentKind.ATTESTATION)
    link = page.locator(f".document-list a[href$='/documents/{document.pk}/pdf/']")
    href = link.get_attribute("href")
    response = page.context.request.get(journey.url(href))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert response.body().startswith(b"%PDF-")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(f"{document.code}.pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # Anyone holding the attestation checks it on the public verification page.
    journey.page = visitor = new_page(PHONE)
    journey.goto(f"/verify/{document.code}/")
    assert visitor.locator(".verify-result--valid").is_visible()
    journey.step("verify-attestation")

    journey.finish()
    journey.assert_accessible()


def test_learner_keyboard_only(live_server, new_page, learner_setup, learner):
    """Log in, mark a lesson done and pass the quiz with Tab, Shift+Tab, Space and Enter only;
    every element focused on the way shows a visible focus indicator."""
    page = new_page(DESKTOP, touch=False)
    journey = Journey(KEYBOARD, page, live_server.url)
    reading, _quiz = learner_setup.path.specific.modules_with_lessons()[0].live_lessons

    journey.goto("/comptes/connexion/?next=" + reading.url)
    tab_to(page, "#id_username", journey=KEYBOARD)
    page.keyboard.type(learner.username)
    tab_to(page, "#id_password", journey=KEYBOARD)
    page.keyboard.type(PASSWORD)
    journey.step("login-typed")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=reading.title).wait_for()

    tab_to(page, ".lesson-panel form button[type=submit]", journey=KEYBOARD)
    journey.step("lesson-done-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".lesson-panel .message--success").is_visible()
    journey.step("lesson-done")

    tab_to(page, ".pager a[rel=next]", journey=KEYBOARD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Envoyer un courriel").wait_for()

    # Forward into the radio group lands on its first choice ("@", the right one).
    tab_to(page, "#q-quiz-1-0-0", journey=KEYBOARD)
    page.keyboard.press("Space")
    tab_to(page, "#q-quiz-1-1-2", journey=KEYBOARD)
    page.keyboard.press("Space")
    tab_to(page, "#q-quiz-1-1-1", key="Shift+Tab", journey=KEYBOARD)
    page.keyboard.press("Space")
    assert [page.is_checked(f"#q-quiz-1-{q}") for q in ("0-0", "1-0", "1-1", "1-2")] == [
        True, False, True, True]
    tab_to(page, ".quiz form button[type=submit]", journey=KEYBOARD)
    journey.step("quiz-submit-focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    result = page.locator(".quiz__result--passed")
    assert result.is_visible()
    assert "100" in result.inner_text()
    journey.step("quiz-passed")
    assert Enrollment.objects.get(pk=learner_setup.pk).status == EnrollmentStatus.COMPLETED

    journey.finish()
    journey.assert_accessible()


def test_insertion_staff_journey(live_server, new_page, catalogue, trainee, staff):
    """Dashboard alert → trainee → interview with a confidential note → programme figures
    export. The trainee entered 90 days ago and has had no interview: an alert."""
    page = new_page(DESKTOP, touch=False)
    journey = Journey("insertion", page, live_server.url)

    log_in(journey, staff.username, PASSWORD)  # lands on the site's home page
    page.locator(".site-nav a[href='/insertion/']").click()
    page.wait_for_url("**/insertion/")
    row = page.locator("tr.insertion-table__row--alert", has=page.locator(
        f"a[href='/insertion/beneficiaires/{trainee.pk}/']"))
    assert row.locator(".alert--no_interview").is_visible()
    journey.step("dashboard-alert")

    with page.expect_navigation():
        row.locator(f"a[href='/insertion/beneficiaires/{trainee.pk}/']").click()
    page.get_by_role("heading", level=1, name=str(trainee.learner)).wait_for()
    journey.step("trainee")

    form = page.locator(f"form[action='/insertion/beneficiaires/{trainee.pk}/entretiens/']")
    page.locator("#parcours details.insertion-action > summary").click()
    form.locator("#interview-kind").select_option("regular")
    note = "Souhaite se former à la bureautique ; garde d'enfant à trouver le mardi."
    form.locator("#interview-notes").fill(note)
    form.locator("#interview-next_steps").fill("Rendez-vous avec la CAF.")
    form.locator("#interview-next_steps").scroll_into_view_if_needed()
    journey.step("interview-form")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".message--success").is_visible()
    assert page.locator(".timeline__notes", has_text=note).is_visible()
    interview = Interview.objects.get(trainee=trainee)
    assert interview.notes == note
    journey.step("interview-recorded")

    journey.goto("/insertion/")
    assert not page.locator(".alert--no_interview").count()
    journey.step("dashboard-after")

    journey.goto("/insertion/chiffres/")  # no page links here yet: typed or bookmarked
    journey.step("figures")
    link = page.locator("a[href^='/insertion/chiffres/export.xlsx'][href*='pseudonymised=1']")
    response = page.context.request.get(journey.url(link.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response.headers["content-disposition"]
    assert response.body().startswith(b"PK")  # a zip, as every XLSX
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as xlsx:
        assert xlsx.read(2) == b"PK"
    csv = page.context.request.get(journey.url(
        page.locator("a[href^='/insertion/chiffres/export.csv']").first.get_attribute("href")))
    assert csv.status == 200
    assert "attachment" in csv.headers["content-disposition"]

    journey.finish()
    journey.assert_accessible()
