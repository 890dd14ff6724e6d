"""Trainees: a learner recorded in a programme, and the history of their status."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from lms.core.filters import IdFilter

from .. import services
from ..enums import TraineeStatus
from ..models import Trainee
from ..serializers import TraineeCreateSerializer, TraineeSerializer, TraineeStatusSerializer
from .base import InsertionViewSetMixin


class TraineeFilter(django_filters.FilterSet):
    programme = IdFilter(field_name="programme_id")
    status = django_filters.ChoiceFilter(choices=TraineeStatus.choices)
    referent = IdFilter(field_name="referent_id")
    learner = IdFilter(field_name="learner_id")

    class Meta:
        model = Trainee
        fields = ["programme", "status", "referent", "learner"]


@extend_schema_view(
    list=extend_schema(summary="List the trainees you follow"),
    retrieve=extend_schema(summary="Read a trainee's record"),
    create=extend_schema(
        summary="Record a learner as a trainee of a programme (its staff, managers)",
        request=TraineeCreateSerializer, responses={201: TraineeSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a trainee's status (the change is kept in the history)",
        request=TraineeStatusSerializer, responses=TraineeSerializer,
    ),
)
class TraineeViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    model = Trainee
    serializer_class = TraineeSerializer
    filterset_class = TraineeFilter
    ordering_fields = ["entry_date", "status_changed_at", "learner__last_name"]
    ordering = ["learner__last_name", "learner__first_name", "pk"]
    # A refusal not tied to a field is about the learner recorded, or the status set.
    service_error_fields = {"create": "learner", "partial_update": "status"}

    def scoped_queryset(self, user):
        return Trainee.objects.in_care_of(user).select_related("programme", "learner", "referent")

    def get_serializer_class(self):
        return {"create": TraineeCreateSerializer,
                "partial_update": TraineeStatusSerializer}.get(self.action, TraineeSerializer)

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        learner, programme = data["learner"], data["programme"]
        if learner.pk == request.user.pk:
            raise exceptions.ValidationError({"learner": [_("You cannot follow yourself.")]})
        if Trainee.objects.filter(programme=programme, learner=learner).exists():
            raise exceptions.ValidationError(
                {"learner": [_("This learner is already a trainee of this programme.")]})
        trainee = services.trainee_create(by=request.user, **data)
        trainee = self.get_queryset().get(pk=trainee.pk)
        return Response(TraineeSerializer(trainee).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        trainee = self.get_object()
        data = self.validated()
        services.trainee_set_status(trainee=trainee, status=data["status"], by=request.user,
                                    reason=data["reason"], on=data.get("on"))
        trainee = self.get_queryset().get(pk=trainee.pk)
        return Response(TraineeSerializer(trainee).data)
