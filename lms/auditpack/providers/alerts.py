"""Indicator 12: the attendance alerts raised for the group's learners, and what followed
each: who was told and when they read it, absences the learner declared, and changes of
their enrolment (a withdrawal with its note). Insertion follow-up (interviews, plans) stays
out: that a learner is in the work-integration programme is not the auditor's to read."""

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.attendance.models import AbsenceNotice, AttendanceAlert
from lms.core.models import Notification
from lms.progress.models import EnrollmentStatusChange

from .base import Evidence, Scope, csv_bytes, person

# The alert's notifications are made in the same scan, seconds after the alert's row.
NOTIFIED_WITHIN = timezone.timedelta(minutes=5)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _alert_details(alert) -> str:
    details = alert.details or {}
    if details.get("dates"):
        return ", ".join(details["dates"])
    return details.get("since", "")


def _follow_up(cohort, alerts) -> dict[int, list[list]]:
    """What followed each alert, as rows (alert id → [date, action, by, detail])."""
    learners = {alert.learner_id for alert in alerts}
    first = min(alert.created_at for alert in alerts)
    url = reverse("attendance:cohort_detail", args=[cohort.pk])
    notified = list(Notification.objects.filter(url=url, created_at__gte=first)
                    .select_related("recipient").order_by("created_at", "pk"))
    notices = list(AbsenceNotice.objects.filter(cohort=cohort, learner_id__in=learners)
                   .order_by("declared_at", "pk"))
    changes = list(EnrollmentStatusChange.objects
                   .filter(enrollment__cohort=cohort, enrollment__learner_id__in=learners,
                           changed_at__gte=first)
                   .select_related("enrollment", "changed_by").order_by("changed_at", "pk"))
    rows = defaultdict(list)
    for alert in alerts:
        name = person(alert.learner)
        end = alert.created_at + NOTIFIED_WITHIN
        for n in notified:
            if alert.created_at <= n.created_at <= end and str(alert.learner) in n.title:
                rows[alert.pk].append([_when(n.created_at), _("Alert sent"),
                                       person(n.recipient),
                                       _("read on %(date)s") % {"date": _when(n.read_at)}
                                       if n.read_at else _("not read")])
        for notice in notices:
            if notice.learner_id == alert.learner_id and notice.declared_at >= alert.created_at:
                rows[alert.pk].append([_when(notice.declared_at), _("Absence declared"),
                                       name, f"{notice.start_date} – {notice.end_date}: "
                                             f"{notice.reason}"])
        for change in changes:
            if (change.enrollment.learner_id == alert.learner_id
                    and change.changed_at >= alert.created_at):
                rows[alert.pk].append([_when(change.changed_at), _("Enrolment status changed"),
                                       person(change.changed_by),
                                       f"{change.get_from_status_display()} → "
                                       f"{change.get_to_status_display()} {change.note}".strip()])
    return rows


def alerts_and_actions(scope: Scope) -> list[Evidence]:
    evidence = []
    for cohort in scope.cohorts:
        alerts = list(AttendanceAlert.objects.filter(cohort=cohort).select_related("learner")
                      .order_by("created_at", "pk"))
        if not alerts:
            continue
        follow_up = _follow_up(cohort, alerts)
        rows = []
        for alert in alerts:
            base = [alert.pk, _when(alert.created_at), person(alert.learner),
                    alert.get_kind_display(), _alert_details(alert)]
            actions = follow_up.get(alert.pk) or [["", _("No action recorded"), "", ""]]
            rows += [[*base, *action] for action in actions]
        evidence.append(Evidence(
            path=f"alertes/{scope.folder(cohort)}alertes-et-suites.csv",
            content=csv_bytes([_("Alert"), _("Raised on"), _("Learner"), _("Kind"),
                               _("Sessions"), _("Date"), _("Action"), _("By or to"),
                               _("Detail")], rows),
            title=_("Attendance alerts of the group %(group)s and the actions taken") % {
                "group": cohort.name}))
    return evidence
