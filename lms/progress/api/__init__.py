"""REST API of learner progress: enrolments, lesson completions, competence assessments and the
caller's own progress summary, one module each. Every write goes through
lms.progress.services."""

from .assessments import CompetenceAssessmentViewSet
from .completions import LessonCompletionViewSet
from .enrollments import EnrollmentViewSet
from .me import MyProgressViewSet

__all__ = ["CompetenceAssessmentViewSet", "EnrollmentViewSet", "LessonCompletionViewSet",
           "MyProgressViewSet", "register"]


def register(router) -> None:
    """Register the progress viewsets on the project's API router."""
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
    router.register("lesson-completions", LessonCompletionViewSet, basename="lesson-completion")
    router.register("competence-assessments", CompetenceAssessmentViewSet,
                    basename="competence-assessment")
    router.register("me", MyProgressViewSet, basename="my")
