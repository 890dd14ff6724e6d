"""REST API of the insertion follow-up: programmes, trainees, contracts, plan objectives and
milestones, obstacles, interviews and exits, one module each. Every write goes through
lms.insertion.services; querysets are scoped to the caller, so a foreign object answers 404.
Learners and trainers follow no one: they get empty lists.

Confidential interview notes are read only through selectors.interview_notes_readable (and
services.interview_notes_read), which check the caller is staff of the trainee's programme and
log the reading: once per request and per trainee, whatever the number of interviews shown."""

from .contracts import ContractViewSet
from .exits import ExitViewSet
from .interviews import InterviewViewSet
from .objectives import MilestoneViewSet, PlanObjectiveViewSet
from .obstacles import ObstacleAssessmentViewSet
from .programmes import ProgrammeViewSet
from .trainees import TraineeViewSet

__all__ = ["ContractViewSet", "ExitViewSet", "InterviewViewSet", "MilestoneViewSet",
           "ObstacleAssessmentViewSet", "PlanObjectiveViewSet", "ProgrammeViewSet",
           "TraineeViewSet", "register"]


def register(router) -> None:
    """Register the insertion viewsets on the project's API router."""
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("trainees", TraineeViewSet, basename="trainee")
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("plan-objectives", PlanObjectiveViewSet, basename="plan-objective")
    router.register("milestones", MilestoneViewSet, basename="milestone")
    router.register("obstacle-assessments", ObstacleAssessmentViewSet,
                    basename="obstacle-assessment")
    router.register("interviews", InterviewViewSet, basename="interview")
    router.register("exits", ExitViewSet, basename="exit")
