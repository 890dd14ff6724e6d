"""The objectives of a trainee's plan and their milestones."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lms.core.filters import IdFilter

from .. import services
from ..enums import ObjectiveCategory, ObjectiveStatus
from ..models import Milestone, PlanObjective
from ..serializers import (
    MilestoneCreateSerializer,
    MilestoneDoneSerializer,
    MilestoneSerializer,
    PlanObjectiveCreateSerializer,
    PlanObjectiveSerializer,
    PlanObjectiveStatusSerializer,
)
from .base import FollowUpFilter, InsertionViewSetMixin


class PlanObjectiveFilter(FollowUpFilter):
    category = django_filters.ChoiceFilter(choices=ObjectiveCategory.choices)
    status = django_filters.ChoiceFilter(choices=ObjectiveStatus.choices)

    class Meta:
        model = PlanObjective
        fields = ["trainee", "programme", "category", "status"]


@extend_schema_view(
    list=extend_schema(summary="List the plan objectives of the trainees you follow"),
    retrieve=extend_schema(summary="Read a plan objective with its milestones"),
    create=extend_schema(summary="Add an objective to a trainee's plan",
                         request=PlanObjectiveCreateSerializer,
                         responses={201: PlanObjectiveSerializer}),
    partial_update=extend_schema(summary="Change an objective's status",
                                 request=PlanObjectiveStatusSerializer,
                                 responses=PlanObjectiveSerializer),
)
class PlanObjectiveViewSet(InsertionViewSetMixin, mixins.ListModelMixin,
                           mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = PlanObjective
    serializer_class = PlanObjectiveSerializer
    filterset_class = PlanObjectiveFilter
    ordering_fields = ["target_date", "created_at", "status"]
    ordering = ["trainee_id", "target_date", "pk"]
    service_error_fields = {"partial_update": "status"}

    def scoped_queryset(self, user):
        return (super().scoped_queryset(user)
                .select_related("training_path").prefetch_related("milestones"))

    def get_serializer_class(self):
        return {"create": PlanObjectiveCreateSerializer,
                "partial_update": PlanObjectiveStatusSerializer}.get(self.action,
                                                                     PlanObjectiveSerializer)

    def _data(self, objective_id: int) -> dict:
        return PlanObjectiveSerializer(self.get_queryset().get(pk=objective_id)).data

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        objective = services.objective_add(by=request.user, **data)
        return Response(self._data(objective.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        objective = self.get_object()
        data = self.validated()
        services.objective_set_status(objective=objective, by=request.user, **data)
        return Response(self._data(objective.pk))


class MilestoneFilter(django_filters.FilterSet):
    objective = IdFilter(field_name="objective_id")
    trainee = IdFilter(field_name="objective__trainee_id")
    programme = IdFilter(field_name="objective__trainee__programme_id")
    done = django_filters.BooleanFilter(field_name="done_on", lookup_expr="isnull",
                                        exclude=True)

    class Meta:
        model = Milestone
        fields = ["objective", "trainee", "programme", "done"]


@extend_schema_view(
    list=extend_schema(summary="List the milestones of the plans you follow"),
    retrieve=extend_schema(summary="Read a milestone"),
    create=extend_schema(summary="Add a milestone to a plan objective",
                         request=MilestoneCreateSerializer, responses={201: MilestoneSerializer}),
)
class MilestoneViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_date", "done_on"]
    ordering = ["objective_id", "due_date", "pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user)

    def get_serializer_class(self):
        return {"create": MilestoneCreateSerializer,
                "done": MilestoneDoneSerializer}.get(self.action, MilestoneSerializer)

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        milestone = services.milestone_add(by=request.user, **data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Mark a milestone done", request=MilestoneDoneSerializer,
                   responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        milestone = self.get_object()
        data = self.validated()
        services.milestone_done(milestone=milestone, by=request.user, on=data.get("on"))
        return Response(MilestoneSerializer(milestone).data)
