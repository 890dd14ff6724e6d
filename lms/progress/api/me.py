"""The caller's own progress, built on the progress selectors and the completion rule."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..models import Enrollment
from ..selectors import learner_progress
from ..serializers import MyProgressSerializer


class MyProgressViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = MyProgressSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="Your own progress in each of your enrolments",
        description="Lessons and modules done, attendance, what the completion rule still "
                    "lacks, the next lesson and the competence profile of each path.",
        responses=MyProgressSerializer,
    )
    @action(detail=False, methods=["get"], url_path="progress")
    def progress(self, request):
        # Every enrolment, closed ones too, with what its completion rule still lacks.
        enrollments = (Enrollment.objects.filter(learner=request.user).select_related("path")
                       .order_by("-enrolled_at", "-pk"))
        progress = learner_progress(request.user, enrollments, with_rule=True)
        serializer = self.get_serializer({"enrollments": progress})
        return Response(serializer.data)
