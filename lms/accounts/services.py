"""Giving a learner access to their account: a one-time link to choose their password.

The link is Django's password reset link (default_token_generator, PasswordResetConfirmView):
it dies once the password is set, or after PASSWORD_RESET_TIMEOUT, and nobody but the learner
ever sees or chooses the password. Each link given is written to Wagtail's audit log (who, for
whom, when, how), which managers read in the admin's site history."""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from rest_framework.authtoken.models import Token
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from lms.core.data_rights import (
    ANONYMOUS_FIRST_NAME,
    ANONYMOUS_LAST_NAME,
    ANONYMOUS_NAME,
    ANONYMOUS_USERNAME_PREFIX,
    delete_file_on_commit,
)

from .enums import AccessChannel
from .learner_search import fold, namesakes
from .models import Organisation, User
from .selectors import ACCESS_LINK_ACTION, LOCKOUT_LIFTED_ACTION, learners_in_care_of
from .usernames import unique_username

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccessLink:
    url: str
    expires_at: datetime.datetime
    uid: str
    token: str

    @property
    def short(self) -> str:
        """The link as printed for typing: without its scheme."""
        return self.url.split("://", 1)[-1]


def link_lifetime() -> str:
    """How long a link lasts, in words: "3 days", "12 hours"."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds >= 24 * 3600 and seconds % (24 * 3600) == 0:
        days = seconds // (24 * 3600)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, round(seconds / 3600))
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def access_link_make(*, user) -> AccessLink:
    """A link that lets `user` choose a password once (nothing is written)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return AccessLink(
        url=settings.SITE_URL + path, uid=uid, token=token,
        expires_at=timezone.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
    )


def email_context(*, user, link: AccessLink) -> dict:
    """What the access and reset emails print (see templates/registration/*email*)."""
    return {
        "user": user, "uid": link.uid, "token": link.token, "link": link.url,
        "expires_at": link.expires_at, "lifetime": link_lifetime(),
        "site_url": settings.SITE_URL,
        "site_name": Organisation.load().name or "Parcours",
        "login_url": settings.SITE_URL + reverse("accounts:login"),
    }


def access_reserved_to_managers(*, learner, by) -> bool:
    """Whether `learner` chose their own password, so that only a manager may give them a new
    way in: otherwise anyone who follows them could replace that password and take the
    account over."""
    return learner.has_own_password and not by.sees_everything


def _check_in_care(*, learner, by) -> None:
    if not learners_in_care_of(by).filter(pk=learner.pk).exists():
        raise PermissionDenied(_("You cannot give access to this account."))
    if access_reserved_to_managers(learner=learner, by=by):
        raise ValidationError(
            _("%(name)s chose their own password: only a manager can give them a new access. "
              "If they forgot it, they can use “Forgotten password?” on the login page, or ask "
              "a manager.") % {"name": learner},
            code="own_password")


def _log(*, learner, by, channel: AccessChannel) -> None:
    log(instance=learner, action=ACCESS_LINK_ACTION, user=by, data={"channel": channel.value})


def access_link_give(*, learner, by) -> AccessLink:
    """A link for a handout (or a QR code shown on screen) to `learner`, whom `by` follows."""
    _check_in_care(learner=learner, by=by)
    link = access_link_make(user=learner)
    _log(learner=learner, by=by, channel=AccessChannel.HANDOUT)
    return link


def access_link_email(*, learner, by) -> None:
    """Email `learner` a link to choose their password, in the site's language (French)."""
    _check_in_care(learner=learner, by=by)
    if not learner.email:
        raise ValidationError(_("This person has no email address: print the handout instead."),
                              code="no_email")
    link = access_link_make(user=learner)
    with translation.override(settings.LANGUAGE_CODE):
        context = {**email_context(user=learner, link=link), "given_by": by}
        subject = " ".join(render_to_string("accounts/email/access_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject, render_to_string("accounts/email/access.txt", context), None, [learner.email])
        message.attach_alternative(render_to_string("accounts/email/access.html", context),
                                   "text/html")
    try:
        message.send()
    except Exception as error:  # SMTP down, refused address…: told to staff, not a 500
        logger.exception("Access email to user %s not sent", learner.pk)
        raise ValidationError(_("The email could not be sent. Try again later, or print the "
                                "handout."), code="email_failed") from error
    _log(learner=learner, by=by, channel=AccessChannel.EMAIL)


# Login lock-outs (lms.accounts.lockout) ------------------------------------------------


def lockout_lift(*, username: str = "", ip_address: str = "", by) -> int:
    """A manager unlocks an account or an address: its failures are forgotten (they stay in
    axes' AccessFailureLog). Returns how many attempt records were removed."""
    if not by.sees_everything:
        raise PermissionDenied
    if not username and not ip_address:
        return 0
    count = axes_reset(username=username or None, ip=ip_address or None)
    person = User.objects.filter(username=username).first() if username else None
    if person is not None:
        # In the account's history in the admin, beside the access links given.
        log(instance=person, action=LOCKOUT_LIFTED_ACTION, user=by)
    logger.warning("Login lock-out lifted by user %s: account %r, address %r (%d records)",
                   by.pk, username, ip_address, count)
    return count


# Personal data (lms.privacy's erasure and retention) ----------------------------------------

def login_records_erase(*, username: str) -> int:
    """django-axes' records of logins made with `username` (successes, failures, counts)."""
    return sum(model.objects.filter(username__iexact=username).delete()[0]
               for model in (AccessLog, AccessFailureLog, AccessAttempt))


def login_records_purge(*, before: datetime.datetime) -> dict[str, int]:
    """django-axes' records older than `before`: no longer needed to stop guessing, nor to
    look into an incident. A lock-out in force is younger than its cool-off, so never purged."""
    return {
        "login_successes": AccessLog.objects.filter(attempt_time__lt=before).delete()[0],
        "login_failures": AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0],
        "login_failure_counts": AccessAttempt.objects.filter(
            attempt_time__lt=before).delete()[0],
    }


def _anonymous_username() -> str:
    while True:
        username = ANONYMOUS_USERNAME_PREFIX + secrets.token_hex(5)
        if not User.objects.filter(username=username).exists():
            return username


def account_anonymise(*, user, now) -> dict[str, int]:
    """Anonymise the account (names, contact, username; inactive, no usable password) and its
    traces: admin history labels, API tokens, admin profile, login records. The row stays, so
    that the records kept for the figures still point to one (anonymous) person."""
    content_type = ContentType.objects.get_for_model(User)
    counts = {
        "admin_log_entries": LogEntry.objects.filter(
            content_type=content_type, object_id=str(user.pk)).update(object_repr=ANONYMOUS_NAME),
        "wagtail_log_entries": ModelLogEntry.objects.filter(
            content_type=content_type, object_id=str(user.pk)).update(label=ANONYMOUS_NAME),
        "api_tokens": Token.objects.filter(user=user).delete()[0],
        "login_records": login_records_erase(username=user.username),
    }
    profile = UserProfile.objects.filter(user=user).first()
    if profile is not None:
        delete_file_on_commit(profile.avatar)
        profile.delete()
    counts["profile"] = int(profile is not None)
    user.first_name, user.last_name = ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME
    user.username = _anonymous_username()
    user.email = user.phone = user.employer = ""
    user.birth_date = None
    user.is_active = False
    user.erased_at = now
    user.set_unusable_password()  # also ends their open sessions
    user.save()
    return counts


# Learners' accounts -------------------------------------------------------------------------

EMAIL_TAKEN = gettext_lazy(
    "An account already uses this email address: search for this person and enrol them "
    "instead of creating a second account.")


def email_taken(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


# The enrolment form's words (lms.progress.forms.NewLearnerForm), for when its check was raced;
# other pages pass theirs to learner_create.
NAMESAKE_FOUND = ngettext_lazy(
    "An account already has this name. If it is this person, enrol them from the search; "
    "otherwise tick “This is another person” and create again.",
    "%(count)d accounts already have this name. If one of them is this person, enrol them "
    "from the search; otherwise tick “This is another person” and create again.", "count")



def is_namesake_refusal(error: ValidationError) -> bool:
    """Whether `error` is `learner_create`'s refusal of an account whose names are taken."""
    return not hasattr(error, "error_dict") and any(
        item.code == "namesake" for item in error.error_list)


# First key of this project's two-key PostgreSQL advisory locks on learners' names.
_NAME_LOCK_CLASS = 0x4C4E  # "LN"


def _lock_name(*, first_name: str, last_name: str) -> None:
    """Make creations of accounts with the same names wait for each other until the current
    transaction ends, so that the namesake check after it sees an account made meanwhile.

    The forms check namesakes before the service's transaction starts: two quick submissions
    (a double click, a resubmission) both pass, and without an email no unique constraint
    stops the second account. The key is the names folded as `namesakes` compares them, with
    only letters and digits kept so that spacing, hyphens and apostrophes cannot tell two
    namesakes apart; names hashed alike only wait for each other. SQLite runs one writer at a
    time already, and has no such lock."""
    if connection.vendor != "postgresql":
        return
    key = "|".join("".join(char for char in fold(name) if char.isalnum())
                   for name in (first_name, last_name))
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                       [_NAME_LOCK_CLASS, int.from_bytes(digest, "big", signed=True)])


@transaction.atomic  # holds the name's lock until the caller's transaction ends
def learner_create(*, first_name: str, last_name: str, email: str = "", phone: str = "",
                   birth_date=None, namesake_ok: bool = False, by=None,
                   email_taken_message=EMAIL_TAKEN, namesake_message=NAMESAKE_FOUND):
    """A learner's account without a usable password, like those of the CSV import, with a
    username made from their names the same way. An email address already used by another
    account is refused: that person is to be enrolled, not created twice.

    With `namesake_ok` false, an active learner with the same names (`namesakes`) is refused
    too (code "namesake"): the staff member has not confirmed that this is another person.
    Checked under a lock on the names, so that two creations at once make one account.

    The one way accounts of learners are made by staff (the enrolment forms, the insertion
    programme's “New trainee”, the API); each page words the refusals its own way
    (`email_taken_message`, `namesake_message`). `by`: the staff member (None: the system)."""
    email = User.objects.normalize_email(email.strip()) if email.strip() else ""
    if email and email_taken(email):
        raise ValidationError({"email": ValidationError(email_taken_message,
                                                        code="email_taken")})
    learner = User(first_name=first_name.strip(), last_name=last_name.strip(), email=email,
                   phone=phone.strip(), birth_date=birth_date, is_learner=True)
    missing = {name: ValidationError(_("This field is required."), code="required")
               for name in ("first_name", "last_name") if not getattr(learner, name)}
    if missing:
        raise ValidationError(missing)
    if not namesake_ok:
        _lock_name(first_name=learner.first_name, last_name=learner.last_name)
        found = namesakes(first_name=learner.first_name, last_name=learner.last_name)
        if found:
            raise ValidationError(namesake_message, code="namesake",
                                  params={"count": len(found)})
    learner.set_unusable_password()
    attempts_left = 3
    while True:
        learner.username = unique_username(first_name=learner.first_name,
                                           last_name=learner.last_name, email=email)
        learner.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                learner.save(force_insert=True)
        except IntegrityError:
            if email and email_taken(email):  # an account made with it meanwhile
                raise ValidationError({"email": ValidationError(
                    email_taken_message, code="email_taken")}) from None
            # Someone took the same username meanwhile: pick again.
            attempts_left -= 1
            if not attempts_left:
                raise
            learner.pk = None
        else:
            return learner




def learner_role_grant(*, user, by) -> None:
    """Make `user` a learner (enrolling them, making them a trainee). Only a manager may do
    that to someone else's account that holds no learner role: staff could otherwise draw a
    colleague's or a manager's account into their cohort or programme, then give it an
    access link."""
    if user.is_learner:
        return
    if by is not None and by.pk != user.pk and not by.sees_everything:
        raise ValidationError({"learner": ValidationError(
            _("%(name)s is not a learner: only a manager can enrol this account.")
            % {"name": user}, code="not_a_learner")})
    user.is_learner = True
    user.save(update_fields=["is_learner"])
