"""A person's survey data, for lms.core.personal_data: the export and the erasure.

The answers to anonymous surveys are not the person's data in any findable way: no row links
them to anyone, so they are neither exported nor erased (nothing could find them)."""

from django.utils import timezone

from .models import SurveyInvitation, SurveyMessage, SurveyResponse

ERASED_TEXT = "—"


def _stamp(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def surveys_export(user) -> list[dict]:
    """Each invitation of the person, and their answers to the surveys that are not
    anonymous."""
    rows = []
    invitations = (SurveyInvitation.objects.filter(person=user)
                   .select_related("survey", "cohort", "response")
                   .prefetch_related("response__answers").order_by("created_at", "pk"))
    for invitation in invitations:
        response = getattr(invitation, "response", None)
        rows.append({
            "survey": invitation.survey.title,
            "anonymous": invitation.survey.anonymous,
            "group": invitation.cohort.name if invitation.cohort else None,
            "invited_at": _stamp(invitation.created_at), "sent_at": _stamp(invitation.sent_at),
            "reminded_at": _stamp(invitation.reminded_at), "answered": invitation.answered,
            "answers": [{"question": a.question_text, "scale": a.scale, "choices": a.choices,
                         "text": a.text} for a in response.answers.all()] if response else [],
        })
    return rows


def surveys_erase(user) -> dict:
    """Named answers become anonymous (the link to the invitation is cut): the figures keep
    them, nothing points to the person. The message log keeps that a message was sent, and
    when; its address and text go."""
    invitations = SurveyInvitation.objects.filter(person=user)
    return {
        "survey_responses_unlinked": SurveyResponse.objects.filter(
            invitation__in=invitations).update(invitation=None),
        "survey_invitations_answered_at": invitations.exclude(answered_at=None).update(
            answered_at=None),
        "survey_messages_anonymised": SurveyMessage.objects.filter(
            invitation__in=invitations).update(recipient="", subject=ERASED_TEXT,
                                               body_text=ERASED_TEXT),
    }
