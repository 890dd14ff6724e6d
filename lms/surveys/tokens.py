"""The personal link of an invitation: django.core.signing of (pk, nonce).

The signature stops forged and altered links; the nonce stored on the invitation lets a link be
revoked; expiry and single use are the invitation's state (its `expires_at` and `answered`),
so a manager can extend a survey's deadline and a reminder can carry the same link."""

from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from .models import SurveyInvitation

SALT = "surveys.invitation"


def _signer() -> signing.Signer:
    # Without a timestamp: the same invitation always has the same link (the e-mail, the
    # reminder and a printed card agree); expiry is the invitation's.
    return signing.Signer(salt=SALT)


def invitation_token(invitation: SurveyInvitation) -> str:
    return _signer().sign_object([invitation.pk, invitation.nonce])


class LinkState:
    VALID = "valid"
    INVALID = "invalid"  # forged, altered, revoked or unknown
    EXPIRED = "expired"
    USED = "used"


@dataclass
class Link:
    state: str
    invitation: SurveyInvitation | None = None


def invitation_from_token(token: str, *, now=None, for_update: bool = False) -> Link:
    try:
        pk, nonce = _signer().unsign_object(token)
        pk, nonce = int(pk), str(nonce)
    except (signing.BadSignature, TypeError, ValueError):
        return Link(LinkState.INVALID)
    invitations = SurveyInvitation.objects.select_related("survey", "cohort", "path")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(pk=pk, nonce=nonce).first()
    if invitation is None:
        return Link(LinkState.INVALID)
    if invitation.answered:
        return Link(LinkState.USED, invitation)
    if invitation.expires_at <= (now or timezone.now()):
        return Link(LinkState.EXPIRED, invitation)
    return Link(LinkState.VALID, invitation)
