"""Writes of the surveys: invitations (made by completions, by the daily scan, by a manager for
a funder), their e-mails, and responses."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.accounts.models import Organisation
from lms.cohorts.models import Cohort
from lms.progress.enums import EnrollmentStatus
from lms.progress.models import Enrollment

from .enums import MessageKind, QuestionKind, SurveyKind
from .models import Survey, SurveyAnswer, SurveyInvitation, SurveyMessage, SurveyResponse
from .tokens import LinkState, invitation_from_token, invitation_token

logger = logging.getLogger(__name__)

# A group that ended more than this many days before the scan is not surveyed any more (the
# first scan after installing the app must not write to every group of past years).
CATCH_UP_DAYS = 14
LINK_PLACEHOLDER = "[lien personnel]"


def _enqueue_send(invitation_id: int, *, reminder: bool = False) -> None:
    from lms.celery import app

    def send():
        try:
            # By its registered name: tasks import this module, not the other way round.
            app.tasks["lms.surveys.tasks.invitation_send_task"].delay(invitation_id, reminder)
        except Exception:  # the invitation is committed; the daily scan sends it later
            logger.exception("Survey invitation %s not queued", invitation_id)

    transaction.on_commit(send)


def invitation_create(*, survey: Survey, person=None, cohort=None, path=None, name: str = "",
                      email: str = "", now=None, send: bool = True
                      ) -> SurveyInvitation | None:
    """The invitation of `person` (or of a named funder) to `survey` about `cohort` or `path`,
    sent by e-mail once committed. Returns None if that person was already invited."""
    now = now or timezone.now()
    if path is None and cohort is not None:
        path = cohort.path
    invitation = SurveyInvitation(
        survey=survey, respondent_kind=survey.respondent_kind, person=person,
        name=name.strip(), email=email.strip(), cohort=cohort, path=path, created_at=now,
        expires_at=now + datetime.timedelta(days=survey.valid_days))
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        return None
    if send:
        _enqueue_send(invitation.pk)
    return invitation


def _reachable(person) -> bool:
    return person is not None and person.is_active and person.erased_at is None


def learner_invite(*, enrollment: Enrollment, kind: str = SurveyKind.HOT, now=None):
    survey = Survey.objects.for_path(enrollment.path, kind)
    if survey is None or not _reachable(enrollment.learner):
        return None
    return invitation_create(survey=survey, person=enrollment.learner,
                             cohort=enrollment.cohort, path=enrollment.path, now=now)


def enrollment_completed_invite(*, enrollment_id: int, now=None):
    """The hot survey of a learner who just completed their path."""
    enrollment = (Enrollment.objects.select_related("learner", "path", "cohort__path")
                  .filter(pk=enrollment_id, status=EnrollmentStatus.COMPLETED).first())
    if enrollment is None:
        return None
    return learner_invite(enrollment=enrollment, now=now)


def cohort_ended_invite(*, cohort_id: int, now=None) -> int:
    """The hot survey of every learner still in an ended group, and the trainers' survey of
    its trainers. Idempotent: those already invited are not invited again."""
    cohort = Cohort.objects.select_related("path").filter(pk=cohort_id).first()
    if cohort is None:
        return 0
    count = 0
    enrollments = (Enrollment.objects.filter(cohort=cohort)
                   .exclude(status=EnrollmentStatus.WITHDRAWN)
                   .select_related("learner", "path", "cohort__path"))
    for enrollment in enrollments:
        count += learner_invite(enrollment=enrollment, now=now) is not None
    survey = Survey.objects.for_path(cohort.path, SurveyKind.TRAINERS)
    if survey is not None:
        for trainer in cohort.trainers.all():
            if _reachable(trainer):
                count += invitation_create(survey=survey, person=trainer, cohort=cohort,
                                           now=now) is not None
    return count


def funder_invite(*, survey: Survey, cohort: Cohort, name: str, email: str, now=None):
    """A funder or employer of a group, named and reached by a manager (they have no account).
    """
    if survey.kind != SurveyKind.FUNDERS:
        raise ValidationError({"survey": _("Only a funders' survey is sent to funders.")})
    if not (name.strip() and email.strip()):
        raise ValidationError(_("Give the funder's name and e-mail address."))
    return invitation_create(survey=survey, cohort=cohort, name=name, email=email, now=now)


def daily_scan(*, now=None) -> dict[str, int]:
    """Run daily by beat: groups that ended are surveyed (hot and trainers), learners surveyed
    hot N days ago get the cold survey, and non-respondents are reminded once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"ended": 0, "cold": 0, "reminders": 0}
    for cohort_id in Cohort.objects.filter(
            end_date__lt=today, end_date__gte=today - datetime.timedelta(days=CATCH_UP_DAYS)
    ).values_list("pk", flat=True):
        counts["ended"] += cohort_ended_invite(cohort_id=cohort_id, now=now)
    counts["cold"] = _cold_invite(now=now)
    # Invitations whose sending task was lost (broker down at commit time).
    for pk in SurveyInvitation.objects.filter(
            answered=False, sent_at__isnull=True, expires_at__gt=now,
            created_at__lte=now - datetime.timedelta(hours=1)).values_list("pk", flat=True):
        _enqueue_send(pk)
    for invitation in SurveyInvitation.objects.filter(
            answered=False, sent_at__isnull=False, reminded_at__isnull=True,
            expires_at__gt=now).select_related("survey"):
        if invitation.sent_at <= now - datetime.timedelta(days=invitation.survey.reminder_days):
            _enqueue_send(invitation.pk, reminder=True)
            counts["reminders"] += 1
    return counts


def _cold_invite(*, now) -> int:
    today = timezone.localdate(now)
    count = 0
    hot = (SurveyInvitation.objects.filter(survey__kind=SurveyKind.HOT, person__isnull=False)
           .select_related("person", "cohort__path", "path"))
    for survey in Survey.objects.active().filter(kind=SurveyKind.COLD):
        due = today - datetime.timedelta(days=survey.delay_days)
        window = hot.filter(created_at__date__lte=due,
                            created_at__date__gte=due - datetime.timedelta(days=CATCH_UP_DAYS))
        for invitation in window:
            if invitation.path is None or not _reachable(invitation.person):
                continue
            if Survey.objects.for_path(invitation.path, SurveyKind.COLD) != survey:
                continue
            count += invitation_create(survey=survey, person=invitation.person,
                                       cohort=invitation.cohort, path=invitation.path,
                                       now=now) is not None
    return count


def invitation_send(*, invitation_id: int, reminder: bool = False, now=None,
                    deliver: bool = True):
    """E-mail the invitation (or its one reminder) and log it. Exits early when already done,
    answered, expired or without an address: a task retried sends nothing twice.
    `deliver=False` logs without e-mailing: only the demo data uses it (its addresses are
    made up)."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (SurveyInvitation.objects.select_for_update(of=("self",))
                      .select_related("survey", "person", "cohort", "path")
                      .filter(pk=invitation_id).first())
        if invitation is None or invitation.answered or invitation.expires_at <= now:
            return None
        if (invitation.reminded_at if reminder else invitation.sent_at) is not None:
            return None
        if reminder and invitation.sent_at is None:
            return None
        if invitation.person_id and not _reachable(invitation.person):
            return None
        address = invitation.address
        if not address:
            return None  # no e-mail: staff hand the link over (results page)
        kind = MessageKind.REMINDER if reminder else MessageKind.INVITATION
        subject, text, logged = _render(invitation, kind)
        message = SurveyMessage.objects.create(
            invitation=invitation, survey=invitation.survey, cohort=invitation.cohort,
            kind=kind, recipient=address, subject=subject, body_text=logged, sent_at=now)
        if reminder:
            invitation.reminded_at = now
        else:
            invitation.sent_at = now
        invitation.save(update_fields=["reminded_at" if reminder else "sent_at"])
        # Inside the transaction: a message that did not leave is neither logged nor marked.
        if deliver:
            EmailMessage(subject=subject, body=text, to=[address]).send(fail_silently=False)
    return message


def invitation_link(invitation: SurveyInvitation) -> str:
    return settings.SITE_URL + reverse("surveys:answer",
                                       kwargs={"token": invitation_token(invitation)})


def _render(invitation: SurveyInvitation, kind: str) -> tuple[str, str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "survey": invitation.survey,
                   "organisation": Organisation.load(), "reminder": kind == MessageKind.REMINDER,
                   "expires_on": timezone.localdate(invitation.expires_at)}
        about = invitation.cohort.name if invitation.cohort else (
            invitation.path.title if invitation.path else "")
        subject = (_("Reminder: %(survey)s") if kind == MessageKind.REMINDER
                   else _("Your opinion: %(survey)s")) % {"survey": invitation.survey.title}
        if about:
            subject = f"{subject} ({about})"
        text = render_to_string("surveys/email/invitation.txt",
                                {**context, "link": invitation_link(invitation)})
        logged = render_to_string("surveys/email/invitation.txt",
                                  {**context, "link": LINK_PLACEHOLDER})
    return subject[:250], text, logged


def _clean_answers(survey: Survey, data: dict) -> list[SurveyAnswer]:
    """Answers from the cleaned form data ({"q<pk>": value}); the form already enforced
    required questions and allowed values, this checks them again for other callers."""
    answers, errors = [], {}
    for question in survey.questions.all():
        value = data.get(f"q{question.pk}")
        answer = SurveyAnswer(question=question, question_text=question.text)
        if question.kind == QuestionKind.SCALE:
            answer.scale = int(value) if value not in (None, "") else None
            if answer.scale is not None and not 1 <= answer.scale <= 5:
                errors[f"q{question.pk}"] = _("Choose a value from 1 to 5.")
            empty = answer.scale is None
        elif question.kind == QuestionKind.TEXT:
            answer.text = (value or "").strip()
            empty = not answer.text
        else:
            values = [value] if isinstance(value, str) and value else list(value or [])
            if any(v not in question.options for v in values):
                errors[f"q{question.pk}"] = _("Choose among the choices given.")
            answer.choices = values
            empty = not values
        if empty and question.required:
            errors[f"q{question.pk}"] = _("This question needs an answer.")
        if not empty:
            answers.append(answer)
    if errors:
        raise ValidationError(errors)
    return answers


def response_submit(*, token: str, data: dict, now=None) -> SurveyResponse:
    """Record the answers given through a personal link, once. For an anonymous survey the
    response is written without any reference to the invitation or the person."""
    now = now or timezone.now()
    with transaction.atomic():
        link = invitation_from_token(token, now=now, for_update=True)
        if link.state != LinkState.VALID:
            raise ValidationError(_("This link can no longer be used."), code=link.state)
        invitation = link.invitation
        survey = invitation.survey
        answers = _clean_answers(survey, data)
        response = SurveyResponse.objects.create(
            survey=survey, respondent_kind=invitation.respondent_kind,
            cohort=invitation.cohort, path=invitation.path,
            submitted_on=timezone.localdate(now),
            invitation=None if survey.anonymous else invitation)
        for answer in answers:
            answer.response = response
        SurveyAnswer.objects.bulk_create(answers)
        invitation.answered = True
        invitation.answered_at = None if survey.anonymous else now
        invitation.save(update_fields=["answered", "answered_at"])
    return response
