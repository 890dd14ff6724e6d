"""Pages of point 5 of issue 15 at 360 px, in French and English: the quick validation of
competences (its chooser names the framework: "DigComp 5.1", "Pix 5.1") and the notifications
list; Journey.goto and Journey.step check that nothing scrolls sideways."""

import pytest

from courses.referential import REFERENTIAL_DIR, Competence, referential_load
from lms.core.notifications import notification_send
from tests.accounts.factories import PASSWORD, LearnerFactory
from tests.courses.factories import module_target
from tests.e2e.helpers import SMALL_PHONE, Journey, log_in
from tests.progress.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def matrix(path, module, cohort):
    for name in ("digcomp-2.2.json", "pix.json"):
        referential_load(path=REFERENTIAL_DIR / name)
    for competence in Competence.objects.filter(code="5.1"):
        module_target(module, competence, 3)
    for first, last in [("Marie-Claude", "Lefèbvre-Dumoulin"), ("Ahamada", "Saïd")]:
        EnrollmentFactory(learner=LearnerFactory(first_name=first, last_name=last), path=path,
                          cohort=cohort)
    return cohort


def test_quick_validation_and_notifications_fit_a_small_phone(live_server, new_page, matrix,
                                                               trainer):
    notification_send(recipients=[trainer], title="Absences répétées : Ahamada Saïd",
                      body="3 absences de suite dans le groupe.", url="/emargement/groupes/")
    page = new_page(SMALL_PHONE)
    journey = Journey("trainer-phone-pages", page, live_server.url)
    log_in(journey, trainer.username, PASSWORD)
    for language in ("fr", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language,
                                   "url": live_server.url}])
        journey.goto(f"/suivi/formation/groupe/{matrix.pk}/")
        options = page.locator("#id_competence option").all_inner_texts()
        assert any(text.startswith("DigComp 5.1 ") for text in options), options
        assert any(text.startswith("Pix 5.1 ") for text in options), options
        journey.step(f"quick-validation-{language}")
        journey.goto("/notifications/")
        page.locator("[data-notification-count]:not([hidden])").wait_for()
        assert page.locator("[data-notification-count]").inner_text().startswith("1")
        journey.step(f"notifications-{language}")
    journey.finish()
    journey.assert_accessible()
