"""Attendance marks: read only here; the roll call and the check-in write them (sheets.py)."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from lms.core.filters import IdFilter

from ..models import Attendance
from ..serializers import AttendanceDetailSerializer, AttendanceSerializer
from .base import AttendanceViewSetMixin


class AttendanceFilter(django_filters.FilterSet):
    session = IdFilter(field_name="session_id")
    cohort = IdFilter(field_name="session__cohort_id")
    learner = IdFilter(field_name="learner_id")
    status = django_filters.CharFilter(field_name="status__code",
                                       help_text=_("A status code, e.g. absent."))
    date_after = django_filters.DateFilter(field_name="session__date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="session__date", lookup_expr="lte")

    class Meta:
        model = Attendance
        fields = ["session", "cohort", "learner", "status", "date_after", "date_before"]


@extend_schema_view(
    list=extend_schema(summary="List the attendance marks you may see",
                       description="Signatures are left out of the list: read a mark for "
                                   "its signature."),
    retrieve=extend_schema(summary="Read an attendance mark with its signature"),
)
class AttendanceViewSet(AttendanceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    model = Attendance
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilter
    ordering_fields = ["session__date", "marked_at", "signed_at"]
    ordering = ["session__date", "session__start_time", "session_id", "pk"]

    def scoped_queryset(self, user):
        marks = super().scoped_queryset(user).select_related("session", "learner", "status")
        if self.action == "retrieve":
            return marks
        return marks.defer("signature_svg")

    def get_serializer_class(self):
        return AttendanceDetailSerializer if self.action == "retrieve" else AttendanceSerializer
