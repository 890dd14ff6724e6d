"""A person's right to erasure: anonymisation of a learner's account and of the free text
about them, while issued documents stay verifiable for their legal retention period.

Erasure anonymises rather than deletes: enrolments, attendance and insertion records keep
feeding the figures owed to funders, but nothing in them points to a named person any more.
Each app erases what it holds (its `learner_*_erase` service); this module runs them in one
transaction and says what was kept and why. Two things are deliberately left untouched
because the database refuses any change to them (attendance migration 0002): the attendance
audit trail and the marks of locked sheets."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.enums import DocumentKind
from certificates.services import documents_erase_learner
from certificates.snapshots import printed_name
from lms.accounts.services import account_anonymise
from lms.attendance.selectors import learner_attendance_kept, learner_cohort_ids
from lms.attendance.services import learner_attendance_erase
from lms.auditpack.services import packs_forget
from lms.convocations.services import learner_convocations_erase
from lms.core.data_rights import ANONYMOUS_NAME, who
from lms.core.notifications import notification_send, notifications_erase
from lms.insertion.selectors import (
    cohorts_with_co_financed_trainees,
    learner_in_co_financed_programme,
)
from lms.insertion.services import learner_insertion_erase
from lms.progress.services import learner_progress_erase
from lms.surveys.personal_data import surveys_erase

from .retention import document_retained_until

logger = logging.getLogger(__name__)


def is_erasable(user) -> bool:
    """Only learners' accounts: staff accounts sign and act on other people's records."""
    return not user.has_staff_role


def _erase_documents(user, *, now) -> dict:
    co_financed = learner_in_co_financed_programme(user)
    co_financed_cohorts = cohorts_with_co_financed_trainees(learner_cohort_ids(user))

    def retained_until(document):
        # A sheet is kept as long as any learner of its group needs it.
        return document_retained_until(document, co_financed=co_financed or (
            document.kind == DocumentKind.ATTENDANCE_SHEET
            and document.cohort_id in co_financed_cohorts))

    return documents_erase_learner(user=user, retained_until=retained_until, now=now)


def _retained(documents: dict, kept: dict[str, int]) -> list[dict]:
    retained = []
    if documents["kept"]:
        retained.append({
            "what": "documents", "count": len(documents["kept"]),
            "why": _("Issued documents stay verifiable, with the name they print, until the "
                     "end of their legal retention: 3 years for a certificate of completion, "
                     "6 years for other supporting evidence, 10 years in a co-financed "
                     "programme."),
        })
    if kept["attendance_changes"]:
        retained.append({
            "what": "attendance_changes", "count": kept["attendance_changes"],
            "why": _("The attendance audit trail is insert-only, enforced by the database: "
                     "its rows (with the comments they recorded) are kept and now point to "
                     "the anonymised account."),
        })
    if kept["locked_attendance_marks"]:
        retained.append({
            "what": "locked_attendance_marks", "count": kept["locked_attendance_marks"],
            "why": _("Marks of sheets locked by the trainer's countersignature can't be "
                     "changed (database rule): their comments and signatures are the proof "
                     "of attendance and are kept."),
        })
    retained.append({
        "what": "records_without_identity", "count": None,
        "why": _("Enrolments, progress, attendance, insertion follow-up (contracts, exits, "
                 "interview dates, obstacle levels) and the log of accesses to notes are kept "
                 "for the figures owed to funders and for accountability, without name or "
                 "free text."),
    })
    return retained


@transaction.atomic
def personal_data_erase(*, user, by, reason: str) -> dict:
    """Anonymise a learner's account and the free text about them, in one transaction.

    `by` is the manager asking (None from the command line). Returns what was changed, what
    was retained and why; the erasure itself is logged and notified to managers."""
    if by is not None and not by.sees_everything:
        raise PermissionDenied(_("Only a manager erases personal data."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the erasure (the request and "
                                           "its date).")})
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    if not is_erasable(user):
        raise ValidationError(_("Only a learner's account can be erased: a staff account "
                                "signs and records other people's data. Remove its roles "
                                "first."))
    now = timezone.now()
    names = [user.get_full_name(), str(user), printed_name(user)]

    documents = _erase_documents(user, now=now)
    changed = {
        **learner_attendance_erase(learner=user, by=by),
        **learner_progress_erase(user=user),
        **notifications_erase(user=user, names=names, replacement=ANONYMOUS_NAME),
        **learner_insertion_erase(learner=user),
        **learner_convocations_erase(user=user),
        **surveys_erase(user),
        # A pack's ZIP copies names and marks and can't be anonymised in place: it goes.
        "audit_packs_deleted": packs_forget(learner=user),
        **account_anonymise(user=user, now=now),
        "documents_anonymised": len(documents["anonymised"]),
    }
    result = {
        "user_id": user.pk,
        "username": user.username,
        "erased_at": now.isoformat(),
        "by": who(by) or _("command line"),
        "by_id": by.pk if by is not None else None,
        "reason": reason.strip(),
        "changed": changed,
        "documents": documents,
        "retained": _retained(documents, learner_attendance_kept(user)),
    }
    logger.info("Personal data erased: user #%s by %s (%s), reason: %s", user.pk,
                result["by"], result["by_id"], result["reason"])
    managers = list(user_model.objects.filter(is_manager=True, is_active=True))
    title = _("Personal data erased: account #%(id)s") % {"id": user.pk}
    body = _("The account #%(id)s (now %(username)s) was anonymised on %(date)s by %(by)s. "
             "Reason: %(reason)s") % {"id": user.pk, "username": user.username,
                                      "date": timezone.localdate(now).isoformat(),
                                      "by": result["by"], "reason": result["reason"]}
    transaction.on_commit(lambda: notification_send(recipients=managers, title=title,
                                                    body=body))
    return result
