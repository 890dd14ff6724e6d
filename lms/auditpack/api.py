"""REST API of the audit packs, managers only: anyone else is answered 404 (a pack holds
personal data; nobody else learns it exists)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from lms.cohorts.models import Cohort
from lms.quality.selectors import YEAR_MAX, YEAR_MIN

from . import selectors, services
from .enums import PackStatus
from .models import AuditPack
from .views import archive_response


class ManagersOnlyOrNotFound(BasePermission):
    def has_permission(self, request, view):
        if request.user.is_authenticated and not request.user.sees_everything:
            raise exceptions.NotFound
        return request.user.is_authenticated and request.user.sees_everything


class AuditPackSerializer(serializers.ModelSerializer):
    zip_url = serializers.SerializerMethodField(
        help_text="Where to download the ZIP once the pack is ready; null before.")
    gaps = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), read_only=True,
        help_text="Indicators listed in the pack without evidence (numbers).")

    class Meta:
        model = AuditPack
        fields = ["id", "cohort", "year", "status", "progress", "step", "requested_at",
                  "finished_at", "size", "sha256", "gaps", "error", "zip_url"]
        read_only_fields = fields

    def get_zip_url(self, pack) -> str | None:
        if pack.status != PackStatus.READY:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("audit-pack-zip", args=[pack.pk]))


class AuditPackRequestSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(required=False, min_value=1,
                                      help_text="The group whose pack is made…")
    year = serializers.IntegerField(required=False, min_value=YEAR_MIN, max_value=YEAR_MAX,
                                    help_text="…or the calendar year (every group that ran "
                                              "during it, and the year's BPF figures).")

    def validate_cohort(self, value):
        cohort = Cohort.objects.filter(pk=value).first()
        if cohort is None:
            raise serializers.ValidationError(_("Unknown group."))
        return cohort

    def validate(self, data):
        if ("cohort" in data) == ("year" in data):
            raise serializers.ValidationError(
                {"cohort": [_("Choose a group or a year, not both.")]})
        return data


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
