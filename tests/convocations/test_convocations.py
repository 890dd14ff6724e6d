"""Convocations (Qualiopi indicator 9): sent on placement in a group with the programme, the
sessions, the place, the accessibility referent, what to bring, the trainers and an .ics;
updates and cancellations; reminders the day before; the log staff read; letters for learners
without e-mail. The clock is frozen on fixed past dates around the spring DST change
(2026-03-29): the attendance triggers refuse an amendment stamped later than the database
clock."""

import datetime
import hashlib
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from lms.accounts.models import Organisation
from lms.attendance import services as attendance
from lms.convocations import services
from lms.convocations.enums import Channel, MessageKind
from lms.convocations.models import SentMessage
from lms.progress import services as progress
from lms.progress.enums import EnrollmentSource
from tests.accounts.factories import LearnerFactory, TrainerFactory
from tests.attendance.factories import SessionFactory
from tests.cohorts.factories import CohortFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = datetime.UTC
MARCH_10 = datetime.date(2026, 3, 10)
BEFORE_DST = datetime.date(2026, 3, 24)  # CET, UTC+1
AFTER_DST = datetime.date(2026, 3, 31)  # CEST, UTC+2


def at(day, hour=10, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


@pytest.fixture
def clock():
    with time_machine.travel(at(MARCH_10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def organisation(db):
    organisation = Organisation.load()
    organisation.name, organisation.address = "C-Num", "12 rue des Halles"
    organisation.postcode, organisation.city = "79000", "Niort"
    organisation.access_information = "Bus ligne 2, arrêt Brèche ; ascenseur au fond de la cour."
    organisation.accessibility_referent_name = "Inès Bernard"
    organisation.accessibility_referent_email = "handicap@c-num.example"
    organisation.accessibility_referent_phone = "05 49 00 00 00"
    organisation.save()
    return organisation


@pytest.fixture
def group(clock, path, trainer, organisation):
    path.prerequisites = "Savoir lire le français."
    path.save()
    return CohortFactory(path=path, trainers=[trainer], start_date=datetime.date(2026, 3, 15),
                         end_date=datetime.date(2026, 6, 30), place="Tiers-lieu, salle Ada",
                         what_to_bring="Une pièce d'identité et une clé USB.")


@pytest.fixture
def sessions(group, module, trainer):
    return [SessionFactory(cohort=group, date=BEFORE_DST, start_time=datetime.time(9),
                           end_time=datetime.time(12), trainer=trainer, module=module),
            SessionFactory(cohort=group, date=AFTER_DST, start_time=datetime.time(9),
                           end_time=datetime.time(12), trainer=trainer)]


def place(learner, group, manager, capture):
    with capture(execute=True):
        enrollment, _created = progress.enrollment_create(
            learner=learner, path=group.path, source=EnrollmentSource.STAFF, by=manager,
            cohort=group)
    return enrollment


def ics_of(message) -> Calendar:
    [attachment] = [a for a in message.attachments if a[0].endswith(".ics")]
    return Calendar.from_ical(attachment[1])


def events(calendar):
    return sorted(calendar.walk("VEVENT"), key=lambda event: event.decoded("dtstart"))


@pytest.mark.django_db
def test_placing_a_learner_sends_the_convocation_and_logs_it(
        group, sessions, manager, trainer, django_capture_on_commit_callbacks):
    learner = LearnerFactory(first_name="Awa", email="awa@exemple.fr")
    place(learner, group, manager, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == ["awa@exemple.fr"]
    assert email.subject == f"Convocation : {group.path.title}"
    text = email.body
    for expected in ("Bonjour Awa", group.path.title, "Allumer l'ordinateur",
                     "Savoir lire le français.", "mardi 24 mars 2026, 09:00–12:00",
                     "mardi 31 mars 2026, 09:00–12:00", "Tiers-lieu, salle Ada",
                     "12 rue des Halles", "Bus ligne 2", "Inès Bernard",
                     "handicap@c-num.example", "Une pièce d'identité", trainer.get_full_name()):
        assert expected in text, expected
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html" and "<h2>Programme</h2>" in html
    assert "Inès Bernard" in html

    calendar = ics_of(email)
    assert str(calendar["method"]) == "REQUEST"
    first, second = events(calendar)
    assert first.decoded("dtstart") == datetime.datetime(2026, 3, 24, 8, tzinfo=UTC)
    assert second.decoded("dtstart") == datetime.datetime(2026, 3, 31, 7, tzinfo=UTC)
    assert str(first["uid"]) == services.ics.session_uid(sessions[0])
    assert first["sequence"] == 0 and str(first["status"]) == "CONFIRMED"

    [logged] = SentMessage.objects.all()
    assert (logged.kind, logged.channel, logged.recipient) == (
        MessageKind.CONVOCATION, Channel.EMAIL, "awa@exemple.fr")
    assert (logged.learner, logged.cohort) == (learner, group)
    assert logged.body_text == text and logged.subject == email.subject
    [attachment] = logged.attachments
    content = email.attachments[0][1]
    assert attachment["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert logged.sent_at == at(MARCH_10)


@pytest.mark.django_db
def test_a_learner_without_email_gets_a_letter_to_print(
        client, group, sessions, manager, trainer, django_capture_on_commit_callbacks):
    learner = LearnerFactory(email="")
    place(learner, group, manager, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    [letter] = SentMessage.objects.all()
    assert letter.channel == Channel.LETTER and letter.attachments == []
    client.force_login(trainer)
    page = client.get(reverse("convocations:cohort-messages", args=[group.pk]))
    letters_url = reverse("convocations:cohort-letters", args=[group.pk, learner.pk])
    assert letters_url in page.content.decode()
    printed = client.get(letters_url).content.decode()
    assert "mardi 24 mars 2026" in printed and "Une pièce d&#x27;identité" in printed
    assert "<script" not in printed and "style=" not in printed

    client.force_login(TrainerFactory())  # not this group's trainer
    assert client.get(letters_url).status_code == 404
    assert client.get(reverse("convocations:cohort-messages",
                              args=[group.pk])).status_code == 404


@pytest.mark.django_db
def test_changes_and_cancellations_send_updates_with_the_same_uid(
        group, sessions, manager, django_capture_on_commit_callbacks):
    learner = LearnerFactory()
    place(learner, group, manager, django_capture_on_commit_callbacks)
    uid = str(events(ics_of(mail.outbox[0]))[0]["uid"])

    with django_capture_on_commit_callbacks(execute=True):
        attendance.session_amend(session=sessions[0], by=manager, reason="Salle prise",
                                 start_time=datetime.time(14), end_time=datetime.time(17))
    update = mail.outbox[1]
    assert "14:00–17:00" in update.body
    [event] = events(ics_of(update))
    assert str(event["uid"]) == uid and event["sequence"] == 1
    assert event.decoded("dtstart") == datetime.datetime(2026, 3, 24, 13, tzinfo=UTC)

    with django_capture_on_commit_callbacks(execute=True):
        attendance.session_cancel(session=sessions[0], by=manager, reason="Formatrice malade")
    cancellation = mail.outbox[2]
    calendar = ics_of(cancellation)
    assert str(calendar["method"]) == "CANCEL"
    [event] = events(calendar)
    assert str(event["uid"]) == uid and event["sequence"] == 2
    assert str(event["status"]) == "CANCELLED"
    assert "Formatrice malade" in cancellation.body
    assert list(SentMessage.objects.order_by("pk").values_list("kind", flat=True)) == [
        MessageKind.CONVOCATION, MessageKind.UPDATE, MessageKind.CANCELLATION]

    # A new session of the group is announced to its learners.
    with django_capture_on_commit_callbacks(execute=True):
        added = attendance.session_create(cohort=group, date=datetime.date(2026, 4, 7),
                                          start_time=datetime.time(9),
                                          end_time=datetime.time(12))
    [event] = events(ics_of(mail.outbox[3]))
    assert str(event["uid"]) == services.ics.session_uid(added) and event["sequence"] == 0


@pytest.mark.django_db
def test_reminder_the_day_before_once_and_not_to_those_who_opted_out(
        client, group, sessions, manager, django_capture_on_commit_callbacks):
    reminded, quiet = LearnerFactory(), LearnerFactory()
    place(reminded, group, manager, django_capture_on_commit_callbacks)
    place(quiet, group, manager, django_capture_on_commit_callbacks)
    # The opt-out link of the convocation: GET only asks, POST stops the reminders.
    link = services.optout_token(quiet)
    url = reverse("convocations:reminders-off")
    assert client.get(url, {"t": link}).status_code == 200
    assert not services.reminders_off(quiet)
    client.post(url, {"t": link})
    assert services.reminders_off(quiet)
    assert "pas valide" in client.get(url, {"t": link + "x"}).content.decode()
    mail.outbox.clear()

    evening = at(BEFORE_DST - datetime.timedelta(days=1), 17)
    assert services.reminders_send(now=evening) == 1
    [reminder] = mail.outbox
    assert reminder.to == [reminded.email]
    assert "demain" in reminder.body and "mardi 24 mars 2026" in reminder.body
    # The beat running twice (or a retry) sends nothing more.
    assert services.reminders_send(now=evening) == 0
    assert services.reminders_send(now=evening + datetime.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    assert SentMessage.objects.filter(kind=MessageKind.REMINDER).count() == 1
    # The day before, nothing was due.
    assert services.reminders_send(now=at(MARCH_10, 17)) == 0


@pytest.mark.django_db
def test_reminders_toggle_on_the_learners_page(client, learner):
    client.force_login(learner)
    url = reverse("convocations:my-calendar")
    client.post(url, {"action": "reminders-off"})
    assert services.reminders_off(learner)
    client.post(url, {"action": "reminders-on"})
    assert not services.reminders_off(learner)
    assert client.post(url, {"action": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_staff_read_the_log_of_the_group(
        client, group, sessions, manager, trainer, django_capture_on_commit_callbacks):
    learner = LearnerFactory()
    place(learner, group, manager, django_capture_on_commit_callbacks)
    message = SentMessage.objects.get()
    url = reverse("convocations:cohort-messages", args=[group.pk])
    for reader in (trainer, manager):
        client.force_login(reader)
        page = client.get(url, {"message": message.pk}).content.decode()
        assert message.subject in page and "Une pièce d&#x27;identité" in page
        assert message.attachments[0]["sha256"] in page
    client.force_login(learner)
    assert client.get(url).status_code == 404
    client.force_login(manager)
    assert client.get(url, {"message": message.pk + 1000}).status_code == 404
