"""REST API of cohorts, sessions, attendance marks and absence notices. Every write of a
session, a mark or a signature goes through lms.attendance.services; querysets are scoped to
the caller, so a foreign object answers 404."""


import django_filters
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lms.cohorts import services as cohort_services
from lms.cohorts.models import Cohort
from lms.core.api import ScopedViewSetMixin
from lms.core.filters import IdFilter
from lms.progress.enums import EnrollmentStatus
from lms.progress.perms import is_staff

from . import services
from .checkin_limits import checkin_attempts_exceeded, checkin_attempts_message
from .models import AbsenceNotice, Attendance, Session
from .perms import can_schedule
from .serializers import (
    AbsenceNoticeCreateSerializer,
    AbsenceNoticeSerializer,
    AmendSerializer,
    AttendanceDetailSerializer,
    AttendanceSerializer,
    CancelSerializer,
    CheckInSerializer,
    CohortCloseSerializer,
    CohortSerializer,
    CohortWriteSerializer,
    LockSerializer,
    RecurringSessionsSerializer,
    RollCallResultSerializer,
    RollCallSerializer,
    SessionCreateSerializer,
    SessionDetailSerializer,
    SessionSerializer,
)

# Base --------------------------------------------------------------------------------------


class AttendanceViewSetMixin(ScopedViewSetMixin):
    # The database triggers are the last guard (e.g. a sheet locked meanwhile).
    conflict_message = gettext_lazy("This change conflicts with the recorded attendance: "
                                    "reload and try again.")

    def scopes(self, user) -> dict:
        return {"cohorts": Cohort.objects.visible_to(user)}


# Cohorts -----------------------------------------------------------------------------------


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


# Sessions ----------------------------------------------------------------------------------


class SessionFilter(django_filters.FilterSet):
    cohort = IdFilter(field_name="cohort_id")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte",
                                           help_text=_("Sessions on or after this day."))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte",
                                            help_text=_("Sessions on or before this day."))
    cancelled = django_filters.BooleanFilter(field_name="cancelled_at", lookup_expr="isnull",
                                             exclude=True)
    locked = django_filters.BooleanFilter(field_name="locked_at", lookup_expr="isnull",
                                          exclude=True)

    class Meta:
        model = Session
        fields = ["cohort", "date_after", "date_before", "cancelled", "locked"]


@extend_schema_view(
    list=extend_schema(summary="List the sessions you may see"),
    retrieve=extend_schema(
        summary="Read a session, with the verification of its sheet's hash chain",
        description="`chain.intact` is false when an entry of the sheet's audit trail or one "
                    "of its marks was changed outside the application; `altered_entry` names "
                    "the first entry found altered.",
        responses=SessionDetailSerializer),
    create=extend_schema(
        summary="Schedule a session (trainers of the cohort, managers)",
        request=SessionCreateSerializer, responses={201: SessionSerializer},
    ),
)
class SessionViewSet(AttendanceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    model = Session
    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["date", "start_time"]
    ordering = ["date", "start_time", "pk"]

    def scoped_queryset(self, user):
        return (super().scoped_queryset(user).select_related("cohort", "module", "trainer")
                .defer("countersignature_svg"))

    def get_serializer_class(self):
        return {
            "create": SessionCreateSerializer,
            "recurring": RecurringSessionsSerializer,
            "cancel": CancelSerializer,
            "roll_call": RollCallSerializer,
            "check_in": CheckInSerializer,
            "lock": LockSerializer,
            "amend": AmendSerializer,
            "retrieve": SessionDetailSerializer,
        }.get(self.action, SessionSerializer)

    def _planned(self) -> dict:
        """Validated input of a new session or series, checked against the caller's rights."""
        user = self.request.user
        if not is_staff(user):
            raise exceptions.PermissionDenied(_("Only trainers and managers schedule sessions."))
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not can_schedule(user, data["cohort"]):
            raise exceptions.PermissionDenied(_("You do not train this cohort."))
        if "trainer" not in data:
            data["trainer"] = user if user.is_trainer else None
        return data

    def _session_data(self, session_id: int) -> dict:
        return SessionSerializer(self.get_queryset().get(pk=session_id)).data

    def create(self, request, *args, **kwargs):
        data = self._planned()
        session = services.session_create(**data)
        return Response(self._session_data(session.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Schedule a weekly series of sessions (trainers of the cohort, managers)",
        description="A session every week on the first date's weekday, for `weeks` weeks; "
                    "the skipped dates are not replaced.",
        request=RecurringSessionsSerializer, responses={201: SessionSerializer(many=True)},
    )
    # A plain list of what was created: neither paged nor filtered.
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def recurring(self, request):
        data = self._planned()
        created = services.sessions_create_recurring(**data)
        sessions = self.get_queryset().filter(pk__in=[session.pk for session in created])
        return Response(SessionSerializer(sessions, many=True).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a session, saying why",
        description="A locked sheet proves the session took place: only a manager cancels it, "
                    "as an amendment whose reason is the one given (400 for anybody else).",
        request=CancelSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        session = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if session.is_cancelled:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("This session is already cancelled.")]})
        reason = serializer.validated_data["reason"]
        if session.is_locked and request.user.sees_everything:
            services.session_amend(session=session, by=request.user, reason=reason,
                                   cancelled=True, cancel_reason=reason)
        else:
            services.session_cancel(session=session, by=request.user, reason=reason)
        return Response(self._session_data(session.pk))

    @extend_schema(
        summary="Amend a session, saying why (managers)",
        description="Changes the fields sent (date, times, cohort, module, trainer, room, "
                    "cancellation) and records the amendment, with its reason, in the sheet's "
                    "audit trail. The only way to change a locked sheet's session; the "
                    "documents already issued from it are issued again.",
        request=AmendSerializer, responses=SessionSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        session = self.get_object()
        if not request.user.sees_everything:
            raise exceptions.PermissionDenied(_("Only a manager amends a session."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason")
        services.session_amend(session=session, by=request.user, reason=reason, **changes)
        return Response(self._session_data(session.pk))

    @extend_schema(
        summary="Save the roll call of the whole group",
        description="One mark per learner; a null status leaves the learner unmarked (never "
                    "absent). Re-submitting the same marks changes nothing. A locked sheet "
                    "changes only by a manager, with a reason.",
        request=RollCallSerializer, responses=RollCallResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="roll-call")
    def roll_call(self, request, pk=None):
        session = self.get_object()
        if not services.can_take_roll_call(request.user, session):
            raise exceptions.PermissionDenied(_("You do not take the roll call of this session."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data["marks"]
        marks = [services.MarkInput(learner_id=item["learner"], status=item["status"],
                                    minutes_late=item["minutes_late"], comment=item["comment"])
                 for item in items]
        counts = services.roll_call_save(session=session, by=request.user, marks=marks,
                                         reason=serializer.validated_data["reason"])
        shown = Attendance.objects.visible_to(request.user).filter(session=session)
        result = {**counts, "marks": shown
                  .select_related("session", "learner", "status").defer("signature_svg")
                  .order_by("learner__last_name", "learner__first_name", "pk")}
        return Response(RollCallResultSerializer(result).data)

    @extend_schema(
        summary="Check in to a session with the code the trainer shows (learners)",
        request=CheckInSerializer, responses=AttendanceSerializer,
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        session = self.get_object()
        if checkin_attempts_exceeded(request, session=session):
            raise exceptions.Throttled(detail=checkin_attempts_message())
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mark = services.checkin_with_code(session=session, learner=request.user,
                                          code=serializer.validated_data["code"])
        mark = (Attendance.objects.select_related("session", "learner", "status")
                .defer("signature_svg").get(pk=mark.pk))
        return Response(AttendanceSerializer(mark).data)

    @extend_schema(
        summary="Countersign and lock the sheet (trainers of the session, managers)",
        description="From then on only a manager changes its marks, with a reason. Locking a "
                    "locked sheet changes nothing.",
        request=LockSerializer, responses=SessionSerializer,
    )
    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        session = self.get_object()
        if not services.can_take_roll_call(request.user, session):
            raise exceptions.PermissionDenied(_("You do not take the roll call of this session."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.session_lock(
            session=session, by=request.user, strokes=serializer.validated_data["strokes"],
            confirm_unsigned=serializer.validated_data["confirm_unsigned"])
        return Response(self._session_data(session.pk))


# Marks -------------------------------------------------------------------------------------


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


# Absence notices ---------------------------------------------------------------------------


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


def register(router) -> None:
    """Register the attendance viewsets on the project's API router."""
    router.register("cohorts", CohortViewSet, basename="cohort")
    router.register("sessions", SessionViewSet, basename="session")
    router.register("attendance", AttendanceViewSet, basename="attendance")
    router.register("absence-notices", AbsenceNoticeViewSet, basename="absence-notice")
