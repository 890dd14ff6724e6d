"""Insertion programmes: managers create and change any; insertion staff create programmes
(and are then on their staff) and change those they staff (but not their staff or co-financing)."""

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from lms.accounts.models import User

from .. import services
from ..models import Programme
from ..perms import can_create_programme, can_edit_programme
from ..serializers import ProgrammeSerializer, ProgrammeWriteSerializer
from .base import InsertionViewSetMixin


@extend_schema_view(
    list=extend_schema(summary="List the insertion programmes you staff (all for managers)"),
    retrieve=extend_schema(summary="Read an insertion programme"),
    create=extend_schema(
        summary="Create an insertion programme (managers, insertion staff)",
        description="Insertion staff who create a programme are on its staff.",
        request=ProgrammeWriteSerializer, responses={201: ProgrammeSerializer}),
    update=extend_schema(
        summary="Change an insertion programme (managers, its staff)",
        description=("Insertion staff who change a programme stay on its staff; its staff and "
                     "co-financing are a manager's to change (400 otherwise)."),
        request=ProgrammeWriteSerializer, responses=ProgrammeSerializer),
    partial_update=extend_schema(
        summary="Change some of a programme's fields (managers, its staff)",
        description=("Insertion staff who change a programme stay on its staff; its staff and "
                     "co-financing are a manager's to change (400 otherwise)."),
        request=ProgrammeWriteSerializer, responses=ProgrammeSerializer),
)
class ProgrammeViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    model = Programme
    serializer_class = ProgrammeSerializer
    ordering_fields = ["name", "start_date", "end_date"]
    ordering = ["-start_date", "name", "pk"]

    def scoped_queryset(self, user):
        return (super().scoped_queryset(user)
                .prefetch_related(Prefetch("staff", queryset=User.objects.order_by(
                    "last_name", "first_name", "pk")))
                .annotate(trainee_count=Count("trainees")))

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ProgrammeWriteSerializer
        return ProgrammeSerializer

    def create(self, request, *args, **kwargs):
        if not can_create_programme(request.user):  # before the input: its errors are theirs
            raise exceptions.PermissionDenied(
                _("Only managers and insertion staff create insertion programmes."))
        data = self.validated()
        programme = services.programme_create(by=request.user, **data)
        programme = self.get_queryset().get(pk=programme.pk)
        return Response(ProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        programme = self.get_object()
        if not can_edit_programme(request.user, programme):
            raise exceptions.PermissionDenied(
                _("Only a manager or the programme's staff change it."))
        serializer = self.get_serializer(programme, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.programme_update(programme=programme, by=request.user,
                                  **serializer.validated_data)
        programme = self.get_queryset().get(pk=programme.pk)
        return Response(ProgrammeSerializer(programme).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
