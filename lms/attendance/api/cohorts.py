"""Cohorts (groups of a path): created, changed and closed through lms.cohorts.services."""

import django_filters
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lms.cohorts import services as cohort_services
from lms.cohorts.models import Cohort
from lms.core.filters import IdFilter
from lms.progress.enums import EnrollmentStatus

from ..serializers import CohortCloseSerializer, CohortSerializer, CohortWriteSerializer
from .base import AttendanceViewSetMixin


class CohortFilter(django_filters.FilterSet):
    path = IdFilter(field_name="path_id")
    trainer = IdFilter(method="filter_trainer", help_text=_("Cohorts this trainer trains."))
    running_on = django_filters.DateFilter(method="filter_running_on",
                                           help_text=_("Cohorts running on this day."))

    class Meta:
        model = Cohort
        fields = ["path", "trainer", "running_on"]

    def filter_trainer(self, queryset, name, value: int):
        return queryset.filter(pk__in=Cohort.trainers.through.objects.filter(user_id=value)
                               .values("cohort_id"))

    def filter_running_on(self, queryset, name, value):
        return queryset.running_on(value)


@extend_schema_view(
    list=extend_schema(summary="List the cohorts you may see"),
    retrieve=extend_schema(summary="Read a cohort"),
    create=extend_schema(summary="Create a cohort (managers, trainers of the path)",
                         request=CohortWriteSerializer, responses={201: CohortSerializer}),
    update=extend_schema(summary="Change a cohort (managers, its trainers)",
                         request=CohortWriteSerializer, responses=CohortSerializer),
    partial_update=extend_schema(summary="Change some of a cohort's fields (managers, its "
                                         "trainers)",
                                 request=CohortWriteSerializer, responses=CohortSerializer),
)
class CohortViewSet(AttendanceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    model = Cohort
    serializer_class = CohortSerializer
    filterset_class = CohortFilter
    ordering_fields = ["name", "start_date", "end_date"]
    ordering = ["-start_date", "name", "pk"]

    def scoped_queryset(self, user):
        learners = Count("enrollments", filter=~Q(enrollments__status=EnrollmentStatus.WITHDRAWN),
                         distinct=True)
        return (super().scoped_queryset(user).select_related("path")
                .prefetch_related("trainers").annotate(learner_count=learners))

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return CohortWriteSerializer
        return CohortSerializer

    def _check_staff(self):
        user = self.request.user
        if not (user.sees_everything or user.is_trainer):
            raise exceptions.PermissionDenied(
                _("Only a manager or a trainer creates or changes cohorts."))

    def create(self, request, *args, **kwargs):
        self._check_staff()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort = cohort_services.cohort_create(by=request.user, **serializer.validated_data)
        cohort = self.get_queryset().get(pk=cohort.pk)
        return Response(CohortSerializer(cohort).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        cohort = self.get_object()
        self._check_staff()
        serializer = self.get_serializer(cohort, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        cohort_services.cohort_update(cohort=cohort, by=request.user,
                                      **serializer.validated_data)
        cohort = self.get_queryset().get(pk=cohort.pk)
        return Response(CohortSerializer(cohort).data)

    @extend_schema(summary="Close a cohort (managers, its trainers)",
                   description="It ends on `on_date` at the latest and takes "
                               "no learner any more. Refused (400) while sessions are planned "
                               "after that day.",
                   request=CohortCloseSerializer, responses=CohortSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        cohort = self.get_object()
        self._check_staff()
        serializer = CohortCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cohort_services.cohort_close(cohort=cohort, by=request.user,
                                     on_date=serializer.validated_data["on_date"])
        cohort = self.get_queryset().get(pk=cohort.pk)
        return Response(CohortSerializer(cohort).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
