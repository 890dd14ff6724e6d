"""Obstacle assessments: the severity of an obstacle at a date, kept as history."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import services
from ..enums import ObstacleCategory
from ..models import ObstacleAssessment
from ..serializers import ObstacleAssessmentCreateSerializer, ObstacleAssessmentSerializer
from .base import FollowUpFilter, InsertionViewSetMixin


class ObstacleAssessmentFilter(FollowUpFilter):
    category = django_filters.ChoiceFilter(choices=ObstacleCategory.choices)

    class Meta:
        model = ObstacleAssessment
        fields = ["trainee", "programme", "category"]


@extend_schema_view(
    list=extend_schema(summary="List the obstacle assessments of the trainees you follow",
                       description="Assessments are history: their order by date shows each "
                                   "obstacle's evolution."),
    retrieve=extend_schema(summary="Read an obstacle assessment"),
    create=extend_schema(summary="Assess the severity of an obstacle at a date",
                         request=ObstacleAssessmentCreateSerializer,
                         responses={201: ObstacleAssessmentSerializer}),
)
class ObstacleAssessmentViewSet(InsertionViewSetMixin, mixins.ListModelMixin,
                                mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = ObstacleAssessment
    serializer_class = ObstacleAssessmentSerializer
    filterset_class = ObstacleAssessmentFilter
    ordering_fields = ["assessed_on", "severity"]
    ordering = ["trainee_id", "assessed_on", "pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user)

    def get_serializer_class(self):
        return ObstacleAssessmentCreateSerializer if self.action == "create" else \
            ObstacleAssessmentSerializer

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        assessment = services.obstacle_assess(by=request.user, on=data.pop("assessed_on",
                                                                          None), **data)
        return Response(ObstacleAssessmentSerializer(assessment).data,
                        status=status.HTTP_201_CREATED)
