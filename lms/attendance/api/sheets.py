"""The actions on a session's attendance sheet: the roll call, the learners' check-in and the
lock."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..checkin_limits import checkin_attempts_exceeded, checkin_attempts_message
from ..models import Attendance
from ..serializers import (
    AttendanceSerializer,
    CheckInSerializer,
    LockSerializer,
    RollCallResultSerializer,
    RollCallSerializer,
    SessionSerializer,
)


class SessionSheetMixin:
    # The actions on a session's sheet, for SessionViewSet (their serializers are chosen by its
    # get_serializer_class; _session_data is its). No docstring: the schema describes a viewset
    # by the first docstring along its bases.

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
