"""REST API of the quality register and of the BPF figures: managers only (403 to anyone
else). Writes go through lms.quality.services."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import selectors, services
from .enums import ComplainantKind, ComplaintStatus, ImprovementSource, ImprovementStatus
from .models import Complaint, Improvement
from .perms import IsManager
from .serializers import (
    BpfQuerySerializer,
    BpfSerializer,
    ComplaintSerializer,
    ImprovementSerializer,
)


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ComplaintStatus.choices)
    year = django_filters.NumberFilter(field_name="received_on", lookup_expr="year")
    source = django_filters.ChoiceFilter(field_name="complainant_kind",
                                         choices=ComplainantKind.choices)

    class Meta:
        model = Complaint
        fields = ["status", "year", "source"]


class ImprovementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ImprovementStatus.choices)
    year = django_filters.NumberFilter(field_name="identified_on", lookup_expr="year")
    source = django_filters.ChoiceFilter(choices=ImprovementSource.choices)

    class Meta:
        model = Improvement
        fields = ["status", "year", "source"]


class _RegisterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, IsManager]

    def perform_create(self, serializer):
        serializer.instance = self.create_service(by=self.request.user,
                                                 **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_service(by=self.request.user,
                                                  **{self.object_name: serializer.instance},
                                                  **serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="List the complaints and difficulties (managers)"),
    retrieve=extend_schema(summary="Read a complaint (managers)"),
    create=extend_schema(summary="Record a complaint (managers)"),
    update=extend_schema(summary="Change a complaint (managers)"),
    partial_update=extend_schema(summary="Change some fields of a complaint (managers)"),
)
class ComplaintViewSet(_RegisterViewSet):
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintFilter
    queryset = Complaint.objects.order_by("-received_on", "-pk")
    create_service = staticmethod(services.complaint_create)
    update_service = staticmethod(services.complaint_update)
    object_name = "complaint"


@extend_schema_view(
    list=extend_schema(summary="List the improvement actions (managers)"),
    retrieve=extend_schema(summary="Read an improvement action (managers)"),
    create=extend_schema(summary="Record an improvement action (managers)"),
    update=extend_schema(summary="Change an improvement action (managers)"),
    partial_update=extend_schema(summary="Change some fields of an improvement action"),
)
class ImprovementViewSet(_RegisterViewSet):
    serializer_class = ImprovementSerializer
    filterset_class = ImprovementFilter
    queryset = Improvement.objects.order_by("-identified_on", "-pk")
    create_service = staticmethod(services.improvement_create)
    update_service = staticmethod(services.improvement_update)
    object_name = "improvement"


class BpfViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated, IsManager]

    @extend_schema(
        summary="BPF figures of a year: trainees and realised trainee-hours (managers)",
        parameters=[OpenApiParameter("year", int, required=True,
                                     description="Calendar year, 2000 to 2100.")],
        responses=BpfSerializer,
    )
    def list(self, request):
        query = BpfQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = selectors.bpf_figures(year=query.validated_data["year"])
        return Response(BpfSerializer(figures).data)


def register(router) -> None:
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("improvements", ImprovementViewSet, basename="improvement")
    router.register("bpf", BpfViewSet, basename="bpf")
