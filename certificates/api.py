"""Documents API: request one, follow its status, download its PDF."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from lms.attendance.models import Session
from lms.progress.models import Enrollment

from . import services
from .enums import DocumentKind
from .models import Document


class DocumentSerializer(serializers.ModelSerializer):
    validity = serializers.CharField(read_only=True)
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "status", "code", "version", "learner", "enrollment", "path",
                  "cohort", "session", "requested_at", "issued_at", "sha256", "validity",
                  "error", "pdf_url", "verify_url"]
        read_only_fields = fields

    def get_pdf_url(self, document) -> str | None:
        if document.status != "issued":
            return None
        return self.context["request"].build_absolute_uri(f"/api/v1/documents/{document.pk}/pdf/")

    def get_verify_url(self, document) -> str:
        return self.context["request"].build_absolute_uri(f"/verify/{document.code}/")


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    enrollment = serializers.IntegerField(required=False)
    session = serializers.IntegerField(required=False)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["kind", "status", "learner", "cohort"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return (Document.objects.visible_to(self.request.user)
                .select_related("superseded_by").order_by("-requested_at"))

    @extend_schema(request=DocumentRequestSerializer, responses={202: DocumentSerializer})
    def create(self, request):
        payload = DocumentRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        enrollment = session = None
        if data.get("enrollment"):
            enrollment = (Enrollment.objects.visible_to(request.user)
                          .select_related("path", "cohort", "learner")
                          .filter(pk=data["enrollment"]).first())
            if enrollment is None:
                raise ValidationError({"enrollment": ["Unknown enrolment."]})
        if data.get("session"):
            session = Session.objects.select_related("cohort__path").filter(
                pk=data["session"]).first()
            if session is None:
                raise ValidationError({"session": ["Unknown session."]})
        try:
            document = services.document_request(
                kind=data["kind"], by=request.user, enrollment=enrollment, session=session,
                override_reason=data.get("override_reason", ""))
        except DjangoValidationError as error:
            raise ValidationError(getattr(error, "message_dict", {"detail": error.messages})) \
                from error
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from error
        return Response(DocumentSerializer(document, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        document = self.get_object()
        if document.status != "issued":
            raise NotFound("The document is not issued yet.")
        return FileResponse(document.pdf.open("rb"), as_attachment=True,
                            filename=f"{document.code}.pdf", content_type="application/pdf")
