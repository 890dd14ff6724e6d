"""The enrolment form's search: learners matching a query, each with their enrolment in the
path (the matching itself: lms.accounts.learner_search)."""

from dataclasses import dataclass

from lms.accounts.learner_search import MAX_RESULTS, learners_matching

from .models import Enrollment


@dataclass(frozen=True)
class Candidate:
    learner: object
    enrollment: Enrollment | None
    # Whether the user may see the enrolment's cohort and status, or only that it exists.
    details_visible: bool

    @property
    def enrolled(self) -> bool:
        return self.enrollment is not None

    @property
    def placeable(self) -> bool:
        """Enrolled in the path in no group (self-enrolled, most often), still following it:
        ticked, they are placed in the group chosen. Any trainer of a group of the path may
        place them: someone waiting for a group is no other group's learner."""
        return (self.enrollment is not None and self.enrollment.cohort_id is None
                and self.enrollment.status in ("pending", "active"))


@dataclass(frozen=True)
class CandidateSearch:
    candidates: list[Candidate]
    truncated: bool  # more learners match than MAX_RESULTS


def enrollment_candidates(*, query: str, path, user, whole_path: bool,
                          cohort_ids: set[int]) -> CandidateSearch:
    """The learners matching `query`, each with their enrolment in `path` if any (2 queries).

    `whole_path`: the user follows every learner of the path; otherwise only those of
    `cohort_ids` — of another cohort's enrolment they learn only that it exists."""
    found = list(learners_matching(query, exclude=user)[:MAX_RESULTS + 1])
    truncated = len(found) > MAX_RESULTS
    found = found[:MAX_RESULTS]
    enrollments = {}
    if found:
        enrollments = {enrollment.learner_id: enrollment for enrollment in
                       Enrollment.objects.filter(path=path,
                                                 learner_id__in=[u.pk for u in found])
                       .select_related("cohort")}
    candidates = []
    for learner in found:
        enrollment = enrollments.get(learner.pk)
        visible = enrollment is not None and (whole_path or enrollment.cohort_id in cohort_ids)
        candidates.append(Candidate(learner=learner, enrollment=enrollment,
                                    details_visible=visible))
    return CandidateSearch(candidates=candidates, truncated=truncated)
