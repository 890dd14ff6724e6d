"""Documents API: request one, follow its status and versions, download its PDF; re-issue a
corrected version or revoke one."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from lms.attendance.models import Session
from lms.attendance.selectors import open_sheets_of
from lms.cohorts.models import Cohort
from lms.progress.models import Enrollment

from . import services
from .models import Document
from .serializers import (
    DocumentRequestAnswerSerializer,
    DocumentRequestSerializer,
    DocumentSerializer,
    OpenSheetSerializer,
    ReasonSerializer,
    open_sheets_data,
)


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

    def _data(self, document: Document) -> dict:
        return DocumentSerializer(document, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Ask for a document",
        description="An attestation or certificate names an `enrollment`; an attendance sheet "
                    "names a `session`, or a `cohort` and the Monday of a week with sessions "
                    "(`week_start`). The current document of the same subject is answered if "
                    "there is one; otherwise a new one is made in the background. An "
                    "attestation or certificate is refused (400) while the organisation "
                    "lacks its signatory's name, title, signature or stamp; a certificate, "
                    "while the learner has no realised hours (attended sessions on locked "
                    "sheets). `open_sheets` lists the learner's sheets still open.",
        request=DocumentRequestSerializer, responses={202: DocumentRequestAnswerSerializer})
    def create(self, request):
        payload = DocumentRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        enrollment = session = cohort = None
        if data.get("enrollment"):
            enrollment = (Enrollment.objects.visible_to(request.user)
                          .select_related("path", "cohort", "learner")
                          .filter(pk=data["enrollment"]).first())
            if enrollment is None:
                raise ValidationError({"enrollment": [_("Unknown enrolment.")]})
        if data.get("session"):
            # Among the sessions of the cohorts the caller manages (can_manage_cohort): a
            # path's trainers make the sheets of its cohorts, as on the cohort's page.
            session = (Session.objects.filter(cohort__in=Cohort.objects.managed_by(request.user))
                       .select_related("cohort__path").filter(pk=data["session"]).first())
            if session is None:
                raise ValidationError({"session": [_("Unknown session.")]})
        if data.get("cohort"):
            cohort = (Cohort.objects.managed_by(request.user).select_related("path")
                      .filter(pk=data["cohort"]).first())
            if cohort is None:
                raise ValidationError({"cohort": [_("Unknown group.")]})
        document = services.document_request(
            kind=data["kind"], by=request.user, enrollment=enrollment, session=session,
            cohort=cohort, week_start=data.get("week_start"),
            override_reason=data.get("override_reason", ""))
        answer = self._data(document)
        answer["open_sheets"] = OpenSheetSerializer(
            open_sheets_data(request, open_sheets_of(enrollment) if enrollment else []),
            many=True).data
        return Response(answer, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        document = self.get_object()
        if document.status != "issued":
            raise NotFound("The document is not issued yet.")
        return FileResponse(document.pdf.open("rb"), as_attachment=True,
                            filename=f"{document.code}.pdf", content_type="application/pdf")

    @extend_schema(
        summary="Issue a corrected version (managers, trainers of the learner or group)",
        description="Only the current version of an issued document: a new version, made in "
                    "the background from today's facts, supersedes it (the old one's "
                    "verification then says so). Answers the new version.",
        request=ReasonSerializer, responses={202: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def reissue(self, request, pk=None):
        document = self.get_object()
        # Who may, before what they sent: a learner is refused, not told the reason is missing.
        if not services.can_reissue(request.user, document):
            raise PermissionDenied
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        new = services.document_reissue(document=document, by=request.user,
                                        reason=payload.validated_data["reason"])
        return Response(self._data(new), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Revoke a document, saying why (managers)",
        description="Its verification then says it was revoked. A revoked document is not "
                    "revoked again.",
        request=ReasonSerializer, responses={200: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        document = self.get_object()
        if not services.can_revoke(request.user, document):
            raise PermissionDenied(_("Only a manager revokes a document."))
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.document_revoke(document=document, by=request.user,
                                 reason=payload.validated_data["reason"])
        return Response(self._data(document))
