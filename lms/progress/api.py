"""REST API of learner progress: enrolments, lesson completions, competence assessments and the
caller's own progress summary. Every write goes through lms.progress.services."""


import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from courses.models import (
    TrainingPathPage,
)
from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.api import ScopedViewSetMixin
from lms.core.api_errors import service_error_detail
from lms.core.filters import IdFilter

from . import services
from .enums import AssessmentKind, CompletionSource, EnrollmentSource, EnrollmentStatus
from .models import CompetenceAssessment, Enrollment, LessonCompletion
from .perms import can_manage_cohort, can_manage_path, is_staff, learners_followed_by
from .selectors import learner_progress
from .serializers import (
    CompetenceAssessmentCreateSerializer,
    CompetenceAssessmentSerializer,
    EnrollmentCreateSerializer,
    EnrollmentMoveSerializer,
    EnrollmentSerializer,
    EnrollmentStatusSerializer,
    LessonCompletionCreateSerializer,
    LessonCompletionSerializer,
    MyProgressSerializer,
)


class ProgressViewSetMixin(ScopedViewSetMixin):
    # No docstring: the base's is the schema's description. Learner fields choose among the
    # learners the caller follows.

    def scopes(self, user) -> dict:
        return {"learners": learners_followed_by(user)}


# Filters -----------------------------------------------------------------------------------


class EnrollmentFilter(django_filters.FilterSet):
    path = IdFilter(field_name="path_id")
    cohort = IdFilter(field_name="cohort_id")
    learner = IdFilter(field_name="learner_id")
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = ["path", "cohort", "status", "learner"]


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


class CompetenceAssessmentFilter(django_filters.FilterSet):
    learner = IdFilter(field_name="learner_id")
    competence = IdFilter(field_name="competence_id")
    path = IdFilter(field_name="path_id")
    kind = django_filters.ChoiceFilter(choices=AssessmentKind.choices)

    class Meta:
        model = CompetenceAssessment
        fields = ["learner", "competence", "kind", "path"]


# Enrolments --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the enrolments you may see"),
    retrieve=extend_schema(summary="Read an enrolment"),
    create=extend_schema(
        summary="Enrol a learner (or yourself, in a path open to self-enrolment)",
        description="Staff enrolling with a `cohort` a learner already enrolled in the path "
                    "in no group (self-enrolled, most often) place them in it: 200 with the "
                    "enrolment, now in the cohort. Any other existing enrolment is left as "
                    "it is.",
        request=EnrollmentCreateSerializer,
        responses={201: EnrollmentSerializer, 200: EnrollmentSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an enrolment's status (a learner may only withdraw)",
        request=EnrollmentStatusSerializer, responses=EnrollmentSerializer,
    ),
)
class EnrollmentViewSet(ProgressViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    model = Enrollment
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    ordering_fields = ["enrolled_at", "status_changed_at", "status"]
    ordering = ["-enrolled_at", "-pk"]
    # A refusal of a move is about the cohort chosen.
    service_error_fields = {"move": "cohort"}

    def scoped_queryset(self, user):
        return super().scoped_queryset(user).select_related("learner", "path", "cohort")

    def get_serializer_class(self):
        if self.action == "create":
            return EnrollmentCreateSerializer
        if self.action == "partial_update":
            return EnrollmentStatusSerializer
        return EnrollmentSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "create" and is_staff(self.request.user):
            # Staff enrol people who are not learners yet: any active account.
            context["learners"] = User.objects.filter(is_active=True)
        return context

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        learner = serializer.validated_data.get("learner") or user
        path = serializer.validated_data["path"]
        cohort = serializer.validated_data.get("cohort")
        if cohort is not None and is_staff(user) and not can_manage_cohort(user, cohort):
            # Another cohort's trainer may not place learners in this one.
            raise exceptions.ValidationError({"cohort": [_("Unknown cohort.")]})
        if is_staff(user) and can_manage_path(user, path):
            services.enrollment_scope_check(by=user, path=path, cohort=cohort)
            enrollment, created = services.enrollment_create(
                learner=learner, path=path, source=EnrollmentSource.STAFF, by=user,
                cohort=cohort, joined_on=serializer.validated_data.get("joined_on"),
            )
        elif learner.pk == user.pk:
            if cohort is not None:
                raise exceptions.ValidationError(
                    {"cohort": [_("Your trainer places you in a cohort.")]})
            if not path.live:
                raise exceptions.ValidationError(
                    {"path": [_("This path is not published.")]})
            enrollment, created = services.self_enroll(learner=learner, path=path)
        else:
            raise exceptions.PermissionDenied(_("You cannot enrol learners in this path."))
        if (not created and cohort is not None and is_staff(user)
                and services.enrollment_placeable(enrollment)):
            # Enrolled in no group yet (self-enrolled, most often): placed in the cohort given.
            try:
                enrollment = services.enrollment_move(
                    enrollment=enrollment, cohort=cohort, by=user,
                    on_date=serializer.validated_data.get("joined_on"))
            except DjangoValidationError as error:
                # Its refusals are about the cohort given (full, closed…).
                raise exceptions.ValidationError(
                    service_error_detail(error, field="cohort")) from error
        if not created and not self.get_queryset().filter(pk=enrollment.pk).exists():
            # Enrolled elsewhere by someone else: say so without showing their record.
            raise exceptions.ValidationError(
                {"learner": [_("This learner is already enrolled in this path.")]})
        enrollment = self.get_queryset().get(pk=enrollment.pk)
        return Response(EnrollmentSerializer(enrollment).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Move the learner to another cohort of the path from a date",
        description="The old cohort's sessions before `on_date` keep the learner and their "
                    "marks; the new cohort's sessions list them from that day on. Refused "
                    "(400) if it would change a closed sheet or leave a mark outside their "
                    "days in a cohort.",
        request=EnrollmentMoveSerializer, responses={200: EnrollmentSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        enrollment = self.get_object()
        user = request.user
        if not is_staff(user):
            raise exceptions.PermissionDenied(_("Your trainer places you in a cohort."))
        serializer = EnrollmentMoveSerializer(data=request.data,
                                              cohorts=Cohort.objects.managed_by(user))
        serializer.is_valid(raise_exception=True)
        services.enrollment_move(enrollment=enrollment,
                                 cohort=serializer.validated_data["cohort"], by=user,
                                 on_date=serializer.validated_data.get("on_date"))
        enrollment = self.get_queryset().get(pk=enrollment.pk)
        return Response(EnrollmentSerializer(enrollment).data)

    def partial_update(self, request, *args, **kwargs):
        enrollment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_status = serializer.validated_data["status"]
        user = request.user
        manages = is_staff(user) and can_manage_path(user, enrollment.path)
        if not manages and new_status != EnrollmentStatus.WITHDRAWN:
            # A learner may leave a path; completing or reopening it is the staff's call.
            raise exceptions.PermissionDenied(
                _("You can only withdraw from a path; ask your trainer for any other change."))
        if not manages and enrollment.status not in services.OPEN_STATUSES:
            # Withdrawing would wipe a completion date the learner's documents rely on.
            raise exceptions.ValidationError(
                {"status": [_("This enrolment is closed; ask your trainer to change it.")]})
        services.enrollment_set_status(enrollment=enrollment, status=new_status, by=user,
                                       note=serializer.validated_data["note"])
        enrollment = self.get_queryset().get(pk=enrollment.pk)
        return Response(EnrollmentSerializer(enrollment).data)


# Lesson completions ------------------------------------------------------------------------


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


# Competence assessments --------------------------------------------------------------------


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


# The caller's own progress -----------------------------------------------------------------


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


def register(router) -> None:
    """Register the progress viewsets on the project's API router."""
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
    router.register("lesson-completions", LessonCompletionViewSet, basename="lesson-completion")
    router.register("competence-assessments", CompetenceAssessmentViewSet,
                    basename="competence-assessment")
    router.register("me", MyProgressViewSet, basename="my")
