import datetime

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from lms.progress.enums import EnrollmentStatus
from lms.progress.services import enrollment_set_status
from lms.surveys import services
from lms.surveys.enums import MessageKind, SurveyKind
from lms.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyMessage,
    SurveyResponse,
)
from lms.surveys.tokens import LinkState, invitation_from_token, invitation_token
from tests.cohorts.factories import CohortFactory
from tests.progress.factories import EnrollmentFactory
from tests.surveys.factories import answers_for, make_survey

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def at(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def hot(path):
    return make_survey(kind=SurveyKind.HOT)


@pytest.fixture
def ended_cohort(path, trainer):
    today = timezone.localdate()
    return CohortFactory(path=path, trainers=[trainer],
                         start_date=today - datetime.timedelta(days=40),
                         end_date=today - datetime.timedelta(days=1))


def test_survey_for_path_prefers_its_own_then_the_general_one(path, catalogue):
    from tests.courses.factories import TrainingPathFactory

    general = make_survey(title="Générale")
    own = make_survey(title="Propre", paths=[path])
    other = TrainingPathFactory(parent=catalogue, title="Autre")
    assert Survey.objects.for_path(path, SurveyKind.HOT) == own
    assert Survey.objects.for_path(other, SurveyKind.HOT) == general
    own.is_active = False
    own.save()
    assert Survey.objects.for_path(path, SurveyKind.HOT) == general
    assert Survey.objects.for_path(path, SurveyKind.COLD) is None


def test_completion_invites_to_the_hot_survey_once_and_logs_the_message(
        hot, enrollment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_set_status(enrollment=enrollment, status=EnrollmentStatus.COMPLETED)
    invitation = SurveyInvitation.objects.get()
    assert (invitation.person, invitation.cohort, invitation.survey) == (
        enrollment.learner, enrollment.cohort, hot)
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    assert invitation_token(invitation) in mail.outbox[0].body
    message = SurveyMessage.objects.get()
    assert message.kind == MessageKind.INVITATION
    assert message.recipient == enrollment.learner.email
    # The log keeps the message, not the personal link (whoever reads it could answer).
    assert invitation_token(invitation) not in message.body_text
    # The task retried, the daily scan: nothing more.
    services.invitation_send(invitation_id=invitation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.cohort_ended_invite(cohort_id=enrollment.cohort_id)
    assert SurveyInvitation.objects.filter(survey=hot).count() == 1
    assert len(mail.outbox) == 1


def test_daily_scan_surveys_ended_groups_trainers_cold_and_reminds_non_respondents(
        path, ended_cohort, trainer, django_capture_on_commit_callbacks):
    hot = make_survey(kind=SurveyKind.HOT, reminder_days=7)
    cold = make_survey(kind=SurveyKind.COLD, delay_days=90)
    trainers = make_survey(kind=SurveyKind.TRAINERS, anonymous=False)
    answering = EnrollmentFactory(path=path, cohort=ended_cohort)
    silent = EnrollmentFactory(path=path, cohort=ended_cohort)
    EnrollmentFactory(path=path, cohort=ended_cohort, status=EnrollmentStatus.WITHDRAWN)
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.daily_scan(now=start)
    assert counts["ended"] == 3  # two learners and the trainer
    assert set(SurveyInvitation.objects.filter(survey=hot).values_list("person", flat=True)) \
        == {answering.learner_id, silent.learner_id}
    assert SurveyInvitation.objects.get(survey=trainers).person == trainer
    assert len(mail.outbox) == 3
    first = SurveyInvitation.objects.get(survey=hot, person=answering.learner)
    services.response_submit(token=invitation_token(first), data=answers_for(hot),
                             now=start + datetime.timedelta(days=1))

    with time_machine.travel(start + datetime.timedelta(days=8), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            counts = services.daily_scan()
        with django_capture_on_commit_callbacks(execute=True):
            again = services.daily_scan()
    reminded = SurveyMessage.objects.filter(kind=MessageKind.REMINDER)
    # Non-respondents only (the silent learner and the trainer), and only once.
    assert {m.invitation.person_id for m in reminded} == {silent.learner_id, trainer.pk}
    assert again["reminders"] == 0

    with time_machine.travel(start + datetime.timedelta(days=91), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        counts = services.daily_scan()
    assert counts["cold"] == 2
    assert SurveyInvitation.objects.filter(survey=cold).count() == 2


def test_a_group_ended_long_ago_is_not_surveyed(path, trainer):
    make_survey(kind=SurveyKind.HOT)
    today = timezone.localdate()
    old = CohortFactory(path=path, start_date=today - datetime.timedelta(days=400),
                        end_date=today - datetime.timedelta(days=300))
    EnrollmentFactory(path=path, cohort=old)
    assert services.daily_scan()["ended"] == 0


def test_anonymous_response_has_no_link_to_the_person(hot, enrollment):
    invitation = services.invitation_create(survey=hot, person=enrollment.learner,
                                            cohort=enrollment.cohort)
    response = services.response_submit(
        token=invitation_token(invitation),
        data=answers_for(hot, text="Trop chaud dans la salle"))
    invitation.refresh_from_db()
    assert invitation.answered and invitation.answered_at is None
    # The tables themselves: no column of the response or its answers points to a person or
    # to the invitation, and no value of theirs is the person's or the invitation's id.
    for model in (SurveyResponse, SurveyAnswer):
        for field in model._meta.concrete_fields:
            target = getattr(field, "related_model", None)
            assert target is None or target._meta.label not in (
                "accounts.User", "surveys.SurveyInvitation") or model is SurveyResponse \
                and field.name == "invitation"
    with connection.cursor() as cursor:
        cursor.execute("SELECT invitation_id FROM surveys_surveyresponse WHERE id = %s",
                       [response.pk])
        assert cursor.fetchone() == (None,)
        cursor.execute("SELECT * FROM surveys_surveyresponse")
        columns = [c.name for c in cursor.description]
        rows = cursor.fetchall()
    assert set(columns) == {"id", "survey_id", "respondent_kind", "cohort_id", "path_id",
                            "submitted_on", "invitation_id"}
    assert rows[0][columns.index("invitation_id")] is None
    texts = list(SurveyAnswer.objects.values_list("text", flat=True))
    assert enrollment.learner.username not in " ".join(texts)


def test_named_survey_keeps_the_link(enrollment):
    survey = make_survey(kind=SurveyKind.HOT, anonymous=False)
    invitation = services.invitation_create(survey=survey, person=enrollment.learner,
                                            cohort=enrollment.cohort)
    response = services.response_submit(token=invitation_token(invitation),
                                         data=answers_for(survey))
    invitation.refresh_from_db()
    assert response.invitation == invitation and invitation.answered_at is not None


def test_token_rules(hot, enrollment):
    invitation = services.invitation_create(survey=hot, person=enrollment.learner,
                                            cohort=enrollment.cohort)
    token = invitation_token(invitation)
    assert invitation_from_token(token).state == LinkState.VALID
    assert invitation_from_token(token[:-2] + "xx").state == LinkState.INVALID
    assert invitation_from_token("garbage").state == LinkState.INVALID
    forged = signing.Signer(salt="surveys.invitation").sign_object([invitation.pk, "wrong"])
    assert invitation_from_token(forged).state == LinkState.INVALID
    assert invitation_token(invitation) == token  # the same link for the reminder
    other_salt = signing.Signer(salt="other").sign_object([invitation.pk, invitation.nonce])
    assert invitation_from_token(other_salt).state == LinkState.INVALID
    later = invitation.expires_at + datetime.timedelta(seconds=1)
    assert invitation_from_token(token, now=later).state == LinkState.EXPIRED
    with pytest.raises(ValidationError) as expired:
        services.response_submit(token=token, data=answers_for(hot), now=later)
    assert expired.value.code == LinkState.EXPIRED
    services.response_submit(token=token, data=answers_for(hot))
    assert invitation_from_token(token).state == LinkState.USED
    with pytest.raises(ValidationError) as used:
        services.response_submit(token=token, data=answers_for(hot))
    assert used.value.code == LinkState.USED
    assert SurveyResponse.objects.count() == 1


def test_required_questions_and_values_are_checked(hot, enrollment):
    invitation = services.invitation_create(survey=hot, person=enrollment.learner,
                                            cohort=enrollment.cohort)
    data = answers_for(hot, scale="", single="Jamais")
    with pytest.raises(ValidationError) as error:
        services.response_submit(token=invitation_token(invitation), data=data)
    assert len(error.value.message_dict) == 2
    assert not SurveyResponse.objects.exists()


def test_funder_invitation(path, ended_cohort):
    survey = make_survey(kind=SurveyKind.FUNDERS, anonymous=False)
    invitation = services.funder_invite(survey=survey, cohort=ended_cohort, name="OPCO Atlas",
                                        email="contact@example.org")
    assert invitation.respondent_kind == "funder" and invitation.path == path
    with pytest.raises(ValidationError):
        services.funder_invite(survey=make_survey(), cohort=ended_cohort, name="X",
                               email="x@example.org")


def test_no_address_no_message(hot, path, cohort):
    learner = EnrollmentFactory(path=path, cohort=cohort, learner__email="").learner
    invitation = services.invitation_create(survey=hot, person=learner, cohort=cohort)
    assert services.invitation_send(invitation_id=invitation.pk) is None
    assert not SurveyMessage.objects.exists()


def test_personal_data_export_and_erasure(enrollment):
    from lms.privacy.erasure import personal_data_erase
    from lms.privacy.export import personal_data_export

    named = make_survey(kind=SurveyKind.HOT, anonymous=False, title="Nominative")
    invitation = services.invitation_create(survey=named, person=enrollment.learner,
                                            cohort=enrollment.cohort, send=False)
    services.invitation_send(invitation_id=invitation.pk)
    response = services.response_submit(token=invitation_token(invitation),
                                         data=answers_for(named, text="Super"))
    learner = enrollment.learner
    exported = personal_data_export(user=learner)["surveys"]
    assert exported[0]["survey"] == "Nominative"
    assert {"question": "Un commentaire ?", "scale": None, "choices": [], "text": "Super"} \
        in exported[0]["answers"]
    report = personal_data_erase(user=learner, by=None, reason="Demande du 3 mars")
    assert report["changed"]["survey_responses_unlinked"] == 1
    response.refresh_from_db()
    assert response.invitation is None and response.answers.count() == 4
    assert SurveyMessage.objects.get().recipient == ""


def test_tasks_take_a_pk_and_are_idempotent(hot, enrollment, path, cohort):
    from lms.surveys import tasks

    invitation = services.invitation_create(survey=hot, person=enrollment.learner,
                                            cohort=enrollment.cohort, send=False)
    tasks.invitation_send_task.delay(invitation.pk)
    tasks.invitation_send_task.delay(invitation.pk)
    tasks.invitation_send_task.delay(invitation.pk, True)  # a reminder: once, after sending
    tasks.invitation_send_task.delay(invitation.pk, True)
    tasks.invitation_send_task.delay(10**9)  # gone: nothing
    assert [m.kind for m in SurveyMessage.objects.order_by("pk")] == [
        MessageKind.INVITATION, MessageKind.REMINDER]
    assert len(mail.outbox) == 2
    completed = EnrollmentFactory(path=path, cohort=cohort, status=EnrollmentStatus.COMPLETED,
                                  completed_at=timezone.now())
    tasks.enrollment_completed_invite_task.delay(completed.pk)
    tasks.enrollment_completed_invite_task.delay(completed.pk)
    assert SurveyInvitation.objects.filter(person=completed.learner).count() == 1
    assert isinstance(tasks.surveys_daily_task.delay().get(), dict)
