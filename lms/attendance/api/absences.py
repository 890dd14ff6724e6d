"""Absence notices: a learner declares an absence ahead."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from lms.core.filters import IdFilter

from .. import services
from ..models import AbsenceNotice
from ..serializers import AbsenceNoticeCreateSerializer, AbsenceNoticeSerializer
from .base import AttendanceViewSetMixin


class AbsenceNoticeFilter(django_filters.FilterSet):
    cohort = IdFilter(field_name="cohort_id")
    learner = IdFilter(field_name="learner_id")

    class Meta:
        model = AbsenceNotice
        fields = ["cohort", "learner"]


@extend_schema_view(
    list=extend_schema(summary="List the absence notices you may see"),
    retrieve=extend_schema(summary="Read an absence notice"),
    create=extend_schema(
        summary="Declare an absence ahead (learners of the cohort)",
        request=AbsenceNoticeCreateSerializer, responses={201: AbsenceNoticeSerializer},
    ),
)
class AbsenceNoticeViewSet(AttendanceViewSetMixin, mixins.ListModelMixin,
                           mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = AbsenceNotice
    serializer_class = AbsenceNoticeSerializer
    filterset_class = AbsenceNoticeFilter
    ordering_fields = ["start_date", "declared_at"]
    ordering = ["start_date", "pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user).select_related("learner", "cohort")

    def get_serializer_class(self):
        return AbsenceNoticeCreateSerializer if self.action == "create" else \
            AbsenceNoticeSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = services.absence_declare(learner=request.user, **serializer.validated_data)
        notice = self.get_queryset().get(pk=notice.pk)
        return Response(AbsenceNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)
