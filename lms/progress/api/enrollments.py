"""Enrolments: a learner enrols themself or is enrolled by the staff, placed in a cohort, moved
to another, withdrawn."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.api_errors import service_error_detail
from lms.core.filters import IdFilter

from .. import services
from ..enums import EnrollmentSource, EnrollmentStatus
from ..models import Enrollment
from ..perms import can_manage_cohort, can_manage_path, is_staff
from ..serializers import (
    EnrollmentCreateSerializer,
    EnrollmentMoveSerializer,
    EnrollmentSerializer,
    EnrollmentStatusSerializer,
)
from .base import ProgressViewSetMixin


class EnrollmentFilter(django_filters.FilterSet):
    path = IdFilter(field_name="path_id")
    cohort = IdFilter(field_name="cohort_id")
    learner = IdFilter(field_name="learner_id")
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = ["path", "cohort", "status", "learner"]


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
