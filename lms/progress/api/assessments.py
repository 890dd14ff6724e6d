"""Competence assessments: self-positionings and validations, kept as history."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from lms.core.filters import IdFilter

from .. import services
from ..enums import AssessmentKind
from ..models import CompetenceAssessment, Enrollment
from ..perms import is_staff
from ..serializers import CompetenceAssessmentCreateSerializer, CompetenceAssessmentSerializer
from .base import ProgressViewSetMixin


class CompetenceAssessmentFilter(django_filters.FilterSet):
    learner = IdFilter(field_name="learner_id")
    competence = IdFilter(field_name="competence_id")
    path = IdFilter(field_name="path_id")
    kind = django_filters.ChoiceFilter(choices=AssessmentKind.choices)

    class Meta:
        model = CompetenceAssessment
        fields = ["learner", "competence", "kind", "path"]


@extend_schema_view(
    list=extend_schema(summary="List the competence assessments you may see"),
    retrieve=extend_schema(summary="Read a competence assessment"),
    create=extend_schema(
        summary="Record a self-positioning (learner) or a validation (trainer, manager)",
        description="Assessments are history: they are never changed nor deleted.",
        request=CompetenceAssessmentCreateSerializer,
        responses={201: CompetenceAssessmentSerializer},
    ),
)
class CompetenceAssessmentViewSet(ProgressViewSetMixin, mixins.ListModelMixin,
                                  mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                                  viewsets.GenericViewSet):
    model = CompetenceAssessment
    serializer_class = CompetenceAssessmentSerializer
    filterset_class = CompetenceAssessmentFilter
    ordering_fields = ["assessed_on", "created_at", "level"]
    ordering = ["-assessed_on", "-created_at", "-pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user).select_related("competence")

    def get_serializer_class(self):
        return CompetenceAssessmentCreateSerializer if self.action == "create" else \
            CompetenceAssessmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        learner = data.get("learner") or user
        if data["kind"] == AssessmentKind.VALIDATION and not is_staff(user):
            raise exceptions.PermissionDenied(
                _("Only a trainer or a manager validates a competence."))
        path = data.get("path")
        if path is not None and not Enrollment.objects.visible_to(user).filter(
                learner=learner, path=path).exists():
            raise exceptions.ValidationError(
                {"path": [_("This learner is not enrolled in this path.")]})
        assessment = services.assessment_record(
            learner=learner, competence=data["competence"], kind=data["kind"],
            level=data["level"], by=user, method=data.get("method"),
            evidence=data["evidence"], path=path, assessed_on=data.get("assessed_on"),
        )
        assessment = self.get_queryset().get(pk=assessment.pk)
        return Response(CompetenceAssessmentSerializer(assessment).data,
                        status=status.HTTP_201_CREATED)
