"""Documents API: request one, follow its status and versions, download its PDF; re-issue a
corrected version or revoke one."""


from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from lms.attendance.models import Session
from lms.attendance.selectors import open_sheets_of
from lms.cohorts.models import Cohort
from lms.progress.models import Enrollment
from lms.progress.perms import is_staff

from . import services
from .enums import DocumentKind
from .models import Document

# Why a version was made or revoked is the staff's business: the learner sees that their
# document was replaced or revoked (as the public verification page says), not the notes.
STAFF_FIELDS = ("override_reason", "revoke_reason")


class DocumentSerializer(serializers.ModelSerializer):
    validity = serializers.CharField(read_only=True)
    superseded_by = serializers.SerializerMethodField(
        help_text="The version that replaces this one, if any.")
    override_reason = serializers.SerializerMethodField(
        help_text="Why this version was issued despite the completion rule, or issued again "
                  "(staff only; null for the learner).")
    revoke_reason = serializers.SerializerMethodField(
        help_text="Why the document was revoked (staff only; null for the learner).")
    pdf_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "status", "code", "version", "learner", "enrollment", "path",
                  "cohort", "session", "week_start", "requested_at", "issued_at", "sha256",
                  "validity", "supersedes", "superseded_by", "override_reason", "revoked_at",
                  "revoke_reason", "error", "pdf_url", "verify_url"]
        read_only_fields = fields
        extra_kwargs = {"supersedes": {"help_text": "The version this one replaces, if any."}}

    def _staff(self) -> bool:
        # Once per serializer (and so per list page), not per document.
        if "staff" not in self.context:
            self.context["staff"] = is_staff(self.context["request"].user)
        return self.context["staff"]

    def get_superseded_by(self, document) -> int | None:
        newer = getattr(document, "superseded_by", None)
        return newer.pk if newer else None

    def get_override_reason(self, document) -> str | None:
        return document.override_reason if self._staff() else None

    def get_revoke_reason(self, document) -> str | None:
        return document.revoke_reason if self._staff() else None

    def get_pdf_url(self, document) -> str | None:
        if document.status != "issued":
            return None
        return self.context["request"].build_absolute_uri(f"/api/v1/documents/{document.pk}/pdf/")

    def get_verify_url(self, document) -> str:
        return self.context["request"].build_absolute_uri(f"/verify/{document.code}/")


class OpenSheetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    url = serializers.CharField(help_text="The session's roll call, where its sheet is "
                                          "completed and locked.")


class DocumentRequestAnswerSerializer(DocumentSerializer):
    open_sheets = OpenSheetSerializer(
        many=True, read_only=True,
        help_text="An attestation's or certificate's: the past sessions of the learner's "
                  "group whose sheet is still open. Hours marked there are provisional and "
                  "not printed; lock them, then issue a new version. Empty for a sheet.")

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "open_sheets"]
        read_only_fields = fields


def open_sheets_data(request, sessions) -> list[dict]:
    return [{"id": session.pk, "date": session.date, "start_time": session.start_time,
             "end_time": session.end_time,
             "url": request.build_absolute_uri(reverse("attendance:rollcall",
                                                       args=[session.pk]))}
            for session in sessions]


class DocumentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    enrollment = serializers.IntegerField(
        required=False, help_text="An attestation's or certificate's enrolment.")
    session = serializers.IntegerField(
        required=False, help_text="An attendance sheet of one session…")
    cohort = serializers.IntegerField(
        required=False, help_text="…or of a cohort's week: the cohort, with `week_start`.")
    week_start = serializers.DateField(
        required=False,
        help_text="The Monday of a week in which the cohort has scheduled sessions.")
    override_reason = serializers.CharField(required=False, allow_blank=True,
                                            max_length=services.REASON_MAX_LENGTH)

    def validate(self, data):
        if data["kind"] == DocumentKind.ATTENDANCE_SHEET:
            if data.get("session") and (data.get("cohort") or data.get("week_start")):
                raise serializers.ValidationError(
                    {"session": [_("Choose a session, or a cohort and week: not both.")]})
            if data.get("week_start") and not data.get("cohort"):
                raise serializers.ValidationError({"cohort": [_("Choose the group.")]})
        return data


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.REASON_MAX_LENGTH)


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
