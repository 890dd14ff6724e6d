"""Lesson completions: a lesson marked done by the learner or the staff."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from courses.models import TrainingPathPage
from lms.core.filters import IdFilter

from .. import services
from ..enums import CompletionSource
from ..models import Enrollment, LessonCompletion
from ..serializers import LessonCompletionCreateSerializer, LessonCompletionSerializer
from .base import ProgressViewSetMixin


class LessonCompletionFilter(django_filters.FilterSet):
    path = IdFilter(method="filter_path", help_text=_("Lessons anywhere under this path."))
    lesson = IdFilter(field_name="lesson_id")
    learner = IdFilter(field_name="learner_id")

    class Meta:
        model = LessonCompletion
        fields = ["path", "lesson", "learner"]

    def filter_path(self, queryset, name, value: int):
        path = TrainingPathPage.objects.filter(pk=value).first()
        return queryset.within(path) if path else queryset.none()


@extend_schema_view(
    list=extend_schema(summary="List the lesson completions you may see"),
    retrieve=extend_schema(summary="Read a lesson completion"),
    create=extend_schema(
        summary="Mark a lesson done (a lesson with a quiz is done by passing it)",
        request=LessonCompletionCreateSerializer,
        responses={201: LessonCompletionSerializer, 200: LessonCompletionSerializer},
    ),
    destroy=extend_schema(summary="Mark a lesson not done (only a lesson marked done by hand)"),
)
class LessonCompletionViewSet(ProgressViewSetMixin, mixins.ListModelMixin,
                              mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                              viewsets.GenericViewSet):
    model = LessonCompletion
    serializer_class = LessonCompletionSerializer
    filterset_class = LessonCompletionFilter
    ordering_fields = ["completed_at"]
    ordering = ["-completed_at", "-pk"]
    service_error_fields = {"create": "lesson"}

    def scoped_queryset(self, user):
        return super().scoped_queryset(user).select_related("lesson").defer("lesson__body")

    def get_serializer_class(self):
        return LessonCompletionCreateSerializer if self.action == "create" else \
            LessonCompletionSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        learner = serializer.validated_data.get("learner") or user
        lesson = serializer.validated_data["lesson"]
        source = CompletionSource.MANUAL
        if learner.pk != user.pk:
            path = TrainingPathPage.objects.ancestor_of(lesson).first()
            if not Enrollment.objects.visible_to(user).filter(learner=learner, path=path).exists():
                raise exceptions.ValidationError(
                    {"lesson": [_("This lesson is not in a path where you follow this learner.")]})
            source = CompletionSource.STAFF
        existed = LessonCompletion.objects.filter(learner=learner, lesson=lesson).exists()
        completion = services.lesson_complete(learner=learner, lesson=lesson, source=source)
        completion = self.get_queryset().get(pk=completion.pk)
        return Response(LessonCompletionSerializer(completion).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        if instance.source != CompletionSource.MANUAL:
            raise exceptions.ValidationError({"source": [
                _("Only a lesson marked done by hand can be marked not done.")]})
        services.lesson_uncomplete(learner=instance.learner, lesson=instance.lesson)
