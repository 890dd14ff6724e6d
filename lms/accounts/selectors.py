"""Reads about accounts: whose access a staff member may give, and who gave it before."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from lms.core.data_rights import field_values, json_value

from .enums import AccessChannel
from .models import User

# The action of Wagtail's audit log recording a link given to choose a password
# (wagtail_hooks.py registers its label).
ACCESS_LINK_ACTION = "accounts.access_link"
# …and a manager unblocking an account locked out after failed logins.
LOCKOUT_LIFTED_ACTION = "accounts.lockout_lifted"
HISTORY_LENGTH = 20


# Who follows whom is known above this app: progress (a trainer's cohorts and paths) and
# insertion (a programme's staff) each register, from their AppConfig.ready, a function
# answering the learners a staff member follows (a queryset of their ids, or None), so that
# accounts imports neither.
FollowedLearners = Callable[[User], QuerySet | None]
_followed_learners: list[FollowedLearners] = []


def register_followed_learners(followed: FollowedLearners) -> None:
    if followed not in _followed_learners:
        _followed_learners.append(followed)


def learners_in_care_of(user):
    """People `user` may give a link to choose their password: those they follow (a trainer:
    the learners of their cohorts and paths, as Enrollment.objects.visible_to; insertion staff:
    the trainees of their programmes; a manager: everyone), never themselves and never an
    account that holds a staff role (User.may_be_given_access)."""
    if not user.is_authenticated:
        return User.objects.none()
    people = User.objects.filter(is_active=True).without_staff_role().exclude(pk=user.pk)
    if user.sees_everything:
        return people
    scope = Q()
    for followed in _followed_learners:
        learner_ids = followed(user)
        if learner_ids is not None:
            scope |= Q(pk__in=learner_ids)
    if not scope:
        return User.objects.none()
    return people.filter(scope)


@dataclass(frozen=True)
class AccessGiven:
    at: datetime
    by: User | None
    channel: str


def access_history(learner, *, limit: int = HISTORY_LENGTH) -> list[AccessGiven]:
    """The links given to `learner`, latest first (1 query: the content type is cached)."""
    entries = (ModelLogEntry.objects
               .filter(content_type=ContentType.objects.get_for_model(User),
                       object_id=str(learner.pk), action=ACCESS_LINK_ACTION)
               .select_related("user").order_by("-timestamp", "-pk")[:limit])
    labels = dict(AccessChannel.choices)
    return [AccessGiven(at=entry.timestamp, by=entry.user,
                        channel=labels.get((entry.data or {}).get("channel"), ""))
            for entry in entries]


def access_history_since(learner, *, since: datetime | None) -> list[AccessGiven]:
    """The links given to `learner` after `since` (all of them when None), latest first."""
    given = access_history(learner)
    return [entry for entry in given if since is None or entry.at > since]


@dataclass(frozen=True)
class Lock:
    """An account (username) or an address that may not log in until `until`."""

    key: str
    failures: int
    last_failure: datetime
    until: datetime


def _locks(field: str, limit: int, *, now: datetime) -> list[Lock]:
    cool_off = settings.AXES_COOLOFF_TIME
    rows = (AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
            .exclude(**{f"{field}__isnull": True})
            .values(field).annotate(failures=Sum("failures_since_start"),
                                    last=Max("attempt_time"))
            .filter(failures__gte=limit).order_by("-last"))
    return [Lock(key=row[field], failures=row["failures"], last_failure=row["last"],
                 until=row["last"] + cool_off) for row in rows]


def locked_accounts(*, now: datetime | None = None) -> list[Lock]:
    """Accounts locked out now, the latest failure first (one query)."""
    return _locks("username", settings.AXES_FAILURE_LIMIT, now=now or timezone.now())


def locked_addresses(*, now: datetime | None = None) -> list[Lock]:
    """Addresses locked out now, the latest failure first (one query)."""
    return _locks("ip_address", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
                  now=now or timezone.now())



# Personal data (lms.privacy's export) ------------------------------------------------------

def account_export(user) -> dict:
    """The account, its API tokens (their dates: a key is a password), its admin profile and
    its login records, for the person's export."""
    account = field_values(user, [
        "id", "username", "first_name", "last_name", "email", "phone", "birth_date", "employer",
        "is_active", "is_learner", "is_trainer", "is_insertion_staff", "is_manager", "is_staff",
        "is_superuser", "date_joined", "last_login"])
    account["password"] = _("(not exported: only a one-way hash is stored)")
    profile = UserProfile.objects.filter(user=user).first()
    record = ["ip_address", "user_agent", "path_info", "attempt_time"]
    mine = {"username__iexact": user.username}
    return {
        "account": account,
        "api_tokens": [{"created": json_value(created)} for created in
                       Token.objects.filter(user=user).values_list("created", flat=True)],
        "profile": None if profile is None else {
            **field_values(profile, ["preferred_language", "current_time_zone", "theme",
                                     "density", "contrast"]),
            "avatar": profile.avatar.name or None},
        # django-axes' records of logins made with the account's username.
        "logins": {
            "successful": [field_values(row, [*record, "logout_time"])
                           for row in AccessLog.objects.filter(**mine).order_by("attempt_time")],
            "failed": [field_values(row, [*record, "locked_out"]) for row in
                       AccessFailureLog.objects.filter(**mine).order_by("attempt_time")],
            "failure_counts": [field_values(row, [*record, "failures_since_start"]) for row in
                               AccessAttempt.objects.filter(**mine).order_by("attempt_time")],
        },
    }
