"""Sessions: scheduled one by one or weekly, cancelled or amended; their sheet's actions are in
sheets.py."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from lms.core.filters import IdFilter
from lms.progress.perms import is_staff

from .. import services
from ..models import Session
from ..perms import can_schedule
from ..serializers import (
    AmendSerializer,
    CancelSerializer,
    CheckInSerializer,
    LockSerializer,
    RecurringSessionsSerializer,
    RollCallSerializer,
    SessionCreateSerializer,
    SessionDetailSerializer,
    SessionSerializer,
)
from .base import AttendanceViewSetMixin
from .sheets import SessionSheetMixin


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
class SessionViewSet(AttendanceViewSetMixin, SessionSheetMixin, mixins.ListModelMixin,
                     mixins.RetrieveModelMixin, viewsets.GenericViewSet):
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
