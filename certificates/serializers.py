"""Serializers of the documents API: a document (its staff-only notes withheld from the
learner), the answer to a request with the learner's open sheets, and the inputs."""

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from lms.progress.perms import is_staff

from . import services
from .enums import DocumentKind
from .models import Document


class DocumentSerializer(serializers.ModelSerializer):
    validity = serializers.CharField(read_only=True)
    superseded_by = serializers.SerializerMethodField(
        help_text="The version that replaces this one, if any.")
    # Why a version was made or revoked is the staff's business: the learner sees that
    # their document was replaced or revoked (as the public verification page says), not
    # the notes.
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
