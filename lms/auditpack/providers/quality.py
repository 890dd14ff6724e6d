"""Indicators 31 and 32, and the BPF: the complaints and difficulties received and how each
was handled, the improvement actions decided, and the year's BPF figures (lms.quality)."""

from django.db.models import Q
from django.utils.translation import gettext as _

from lms.quality import exports, selectors
from lms.quality.models import Complaint, Improvement

from .base import Evidence, Scope, csv_bytes


def _complaints(scope: Scope):
    complaints = Complaint.objects.select_related("cohort", "path")
    if scope.cohort is not None:
        cohort = scope.cohort
        # About the group, or about its path (no group named) while the group ran.
        complaints = complaints.filter(
            Q(cohort=cohort) | Q(cohort__isnull=True, path=cohort.path,
                                 received_on__gte=cohort.start_date,
                                 received_on__lte=cohort.end_date))
    else:
        complaints = complaints.filter(received_on__year=scope.year)
    return complaints.order_by("received_on", "pk")


def complaints(scope: Scope) -> list[Evidence]:
    found = list(_complaints(scope))
    if not found:
        return []
    return [Evidence(path="qualite/reclamations.csv",
                     content=csv_bytes(exports.complaint_headers(),
                                       exports.complaint_rows(found)),
                     title=_("Complaints and difficulties received, and their handling"))]


def improvements(scope: Scope) -> list[Evidence]:
    found = Improvement.objects.select_related("complaint")
    if scope.cohort is not None:
        # Those from the group's complaints, and every action identified while it ran: the
        # organisation's improvements are not one group's.
        found = found.filter(Q(complaint__in=_complaints(scope))
                             | Q(identified_on__gte=scope.start, identified_on__lte=scope.end))
    else:
        found = found.filter(identified_on__year=scope.year)
    found = list(found.order_by("identified_on", "pk"))
    if not found:
        return []
    return [Evidence(path="qualite/ameliorations.csv",
                     content=csv_bytes(exports.improvement_headers(),
                                       exports.improvement_rows(found)),
                     title=_("Improvement actions: source, decision, dates"))]


def bpf(scope: Scope) -> list[Evidence]:
    """A year's pack only: the BPF is yearly."""
    if scope.year is None:
        return []
    figures = selectors.bpf_figures(year=scope.year)
    return [Evidence(path=f"bpf/bpf-{scope.year}.csv",
                     content=exports.as_csv(exports.bpf_sections(figures)),
                     title=_("BPF figures of %(year)s (trainees and realised trainee-hours by "
                             "funding and by objective, data to fix)") % {"year": scope.year})]
