"""REST API of the audit packs, managers only: anyone else is answered 404 (a pack holds
personal data; nobody else learns it exists)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from . import selectors, services
from .enums import PackStatus
from .perms import ManagersOnlyOrNotFound
from .serializers import (
    AuditPackRequestSerializer,
    AuditPackSerializer,
)
from .views import archive_response


@extend_schema_view(
    list=extend_schema(summary="List the audit packs (managers)"),
    retrieve=extend_schema(summary="Follow an audit pack: status and progress (managers)"),
)
class AuditPackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    serializer_class = AuditPackSerializer
    permission_classes = [IsAuthenticated, ManagersOnlyOrNotFound]
    filterset_fields = ["status", "cohort", "year"]

    def get_queryset(self):
        return selectors.packs_listed()

    @extend_schema(
        summary="Make the audit pack of a group or of a year (managers)",
        description="Built in the background: follow it at its own address, then download "
                    "its ZIP (an index in HTML and PDF mapping each Qualiopi indicator to its "
                    "evidence files, and a SHA256SUMS manifest).",
        request=AuditPackRequestSerializer, responses={202: AuditPackSerializer})
    def create(self, request):
        payload = AuditPackRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            pack = services.pack_request(by=request.user,
                                         cohort=payload.validated_data.get("cohort"),
                                         year=payload.validated_data.get("year"))
        except DjangoValidationError as error:
            raise exceptions.ValidationError(as_serializer_error(error)) from error
        data = AuditPackSerializer(pack, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Download a ready audit pack (managers)",
                   responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def zip(self, request, pk=None):
        pack = self.get_object()
        if pack.status != PackStatus.READY:
            raise exceptions.NotFound(_("The pack is not ready yet."))
        return archive_response(pack)


def register(router) -> None:
    router.register("audit-packs", AuditPackViewSet, basename="audit-pack")
