"""Serializers of the attendance API: read shapes of cohorts, sessions, marks and absence
notices, and the inputs the API hands to lms.attendance.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import ModulePage, TrainingPathPage
from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.serializers import IdField, ScopedPrimaryKeyField

from .chain import session_chain_verify
from .enums import HalfDay, SignatureMethod
from .models import AbsenceNotice, Attendance, Session
from .services import MAX_RECURRING, REASON_MAX_LENGTH
from .signatures import MAX_STROKES, signature_svg

# A day is the longest a session can last: a larger delay is a typing error.
MAX_MINUTES_LATE = 24 * 60
# Far above any group's size: a bigger roll call is a malformed payload.
MAX_MARKS = 500


class ScopedCohortField(ScopedPrimaryKeyField):
    """A cohort among those the caller may see (context["cohorts"]): any other id reads as
    unknown, so the API never tells whether a foreign cohort exists."""

    scope, model = "cohorts", Cohort
    default_error_messages = {
        "does_not_exist": _("No cohort you may see has the id {pk_value}."),
    }


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


def _name_or_none(user) -> str | None:
    return str(user) if user is not None else None


# Cohorts -----------------------------------------------------------------------------------


class CohortSerializer(serializers.ModelSerializer):
    path_title = serializers.CharField(source="path.title", read_only=True)
    trainers = PersonSerializer(many=True, read_only=True)
    learner_count = serializers.IntegerField(
        read_only=True, help_text=_("Learners enrolled in the cohort, withdrawn ones excepted."))

    class Meta:
        model = Cohort
        fields = ["id", "name", "path", "path_title", "start_date", "end_date", "place",
                  "capacity", "trainers", "learner_count", "closed_on", "created_at"]
        read_only_fields = fields


class CohortWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    path = IdField(queryset=TrainingPathPage.objects.all())
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    trainers = IdField(
        queryset=User.objects.trainers(), many=True, required=False,
        help_text=_("Ids of users with the trainer role."),
    )

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": _("The end date is before the start date.")})
        return attrs


class CohortCloseSerializer(serializers.Serializer):
    on_date = serializers.DateField(
        help_text=_("Last day of the cohort (its end date if that comes first)."))


# Sessions ----------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    half_day = serializers.ChoiceField(choices=HalfDay.choices, read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    module_title = serializers.CharField(source="module.title", read_only=True,
                                         allow_null=True)
    trainer_name = serializers.SerializerMethodField()
    is_cancelled = serializers.BooleanField(read_only=True)
    is_locked = serializers.BooleanField(read_only=True)

    class Meta:
        model = Session
        fields = ["id", "cohort", "cohort_name", "date", "start_time", "end_time", "half_day",
                  "duration_minutes", "module", "module_title", "trainer", "trainer_name",
                  "room", "is_cancelled", "cancelled_at", "cancel_reason", "is_locked",
                  "locked_at", "locked_by", "countersigned_at"]
        read_only_fields = fields

    def get_trainer_name(self, session) -> str | None:
        return _name_or_none(session.trainer)


class ChainSerializer(serializers.Serializer):
    intact = serializers.BooleanField(
        help_text=_("Whether the sheet's hash chain and its current marks agree."))
    entries = serializers.IntegerField(help_text=_("Entries in the sheet's audit trail."))
    altered_entry = serializers.IntegerField(
        allow_null=True, help_text=_("The first entry found altered, when there is one."))
    detail = serializers.CharField(help_text=_("What was found altered, or empty."))


class SessionDetailSerializer(SessionSerializer):
    chain = serializers.SerializerMethodField(
        help_text=_("Tamper evidence: the verification of the sheet's hash chain."))

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "amended_at", "chain"]
        read_only_fields = fields

    @extend_schema_field(ChainSerializer)
    def get_chain(self, session) -> dict:
        return session_chain_verify(session).as_dict()


class _SessionPlanSerializer(serializers.Serializer):
    """What a session and a weekly series have in common."""

    cohort = ScopedCohortField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    module = IdField(
        queryset=ModulePage.objects.all(), required=False, allow_null=True, default=None,
        help_text=_("A module of the cohort's training path."),
    )
    trainer = IdField(
        queryset=User.objects.trainers(), required=False, allow_null=True,
        help_text=_("Defaults to yourself when you train the cohort."),
    )
    room = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError(
                {"end_time": _("The session must end after it starts.")})
        module = attrs.get("module")
        if module is not None and not ModulePage.objects.child_of(attrs["cohort"].path).filter(
                pk=module.pk).exists():
            raise serializers.ValidationError(
                {"module": _("This module is not in the cohort's training path.")})
        return attrs


class SessionCreateSerializer(_SessionPlanSerializer):
    date = serializers.DateField()


class RecurringSessionsSerializer(_SessionPlanSerializer):
    first_date = serializers.DateField(help_text=_("The first session; the next ones fall on "
                                                   "the same weekday."))
    weeks = serializers.IntegerField(min_value=1, max_value=MAX_RECURRING)
    skip_dates = serializers.ListField(
        child=serializers.DateField(), required=False, default=list, max_length=MAX_RECURRING,
        help_text=_("Dates without a session (holidays): they are not replaced."),
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text=_("Why the session is cancelled. On a locked sheet (managers only), also "
                    "the reason of the amendment."))


class AmendSerializer(serializers.Serializer):
    """A manager's amendment: only the fields sent change."""

    reason = serializers.CharField(max_length=REASON_MAX_LENGTH,
                                   help_text=_("Why the sheet is amended (kept in its audit "
                                               "trail)."))
    date = serializers.DateField(required=False)
    start_time = serializers.TimeField(required=False)
    end_time = serializers.TimeField(required=False)
    cohort = ScopedCohortField(required=False)
    module = IdField(queryset=ModulePage.objects.all(), required=False, allow_null=True)
    trainer = IdField(queryset=User.objects.trainers(), required=False, allow_null=True)
    room = serializers.CharField(max_length=100, required=False, allow_blank=True)
    cancelled = serializers.BooleanField(required=False)
    cancel_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class LockSerializer(serializers.Serializer):
    strokes = serializers.ListField(
        child=serializers.CharField(trim_whitespace=False), allow_empty=False,
        max_length=MAX_STROKES,
        help_text=_('The countersignature: SVG path data made of M/L commands and numbers, '
                    'one string per stroke, e.g. "M10 10 L50 60".'),
    )
    confirm_unsigned = serializers.BooleanField(
        default=False,
        help_text=_("Close the sheet although learners are marked present without a signature "
                    "or check-in (they are listed in the 400 answer without it); the sheet "
                    "prints them as present, not signed."))

    def validate_strokes(self, value):
        try:
            signature_svg(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, help_text=_("The code shown by the trainer."))


# Marks -------------------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="session.cohort_id", read_only=True)
    date = serializers.DateField(source="session.date", read_only=True)
    learner_name = serializers.CharField(source="learner.__str__", read_only=True)
    status = serializers.CharField(
        source="status.code", read_only=True, allow_null=True,
        help_text=_("The status code (present, late…); null when unmarked."))
    status_label = serializers.CharField(source="status.label", read_only=True,
                                         allow_null=True)
    signature_method = serializers.ChoiceField(choices=SignatureMethod.choices, read_only=True,
                                               allow_blank=True)

    class Meta:
        model = Attendance
        fields = ["id", "session", "cohort", "date", "learner", "learner_name", "status",
                  "status_label", "minutes_late", "comment", "marked_by", "marked_at",
                  "signature_method", "signed_at"]
        read_only_fields = fields


class AttendanceDetailSerializer(AttendanceSerializer):
    """One mark with its signature: the SVG is built by the server from checked path data."""

    class Meta(AttendanceSerializer.Meta):
        fields = [*AttendanceSerializer.Meta.fields, "signature_svg"]
        read_only_fields = fields


class MarkInputSerializer(serializers.Serializer):
    learner = serializers.IntegerField(help_text=_("The learner's user id."))
    status = serializers.CharField(
        max_length=30, required=False, allow_null=True, default=None,
        help_text=_("A status code (present, late, excused, absent…); null leaves the learner "
                    "unmarked."))
    minutes_late = serializers.IntegerField(min_value=0, max_value=MAX_MINUTES_LATE,
                                            required=False, default=0)
    comment = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                    default="")


class RollCallSerializer(serializers.Serializer):
    marks = MarkInputSerializer(many=True, max_length=MAX_MARKS,
                                help_text=_("The whole group's marks, one per learner."))
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="",
        help_text=_("Required when a manager changes a locked sheet."))


class RollCallResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    marks = AttendanceSerializer(many=True, help_text=_("Every mark of the session now."))


# Absence notices ---------------------------------------------------------------------------


class AbsenceNoticeSerializer(serializers.ModelSerializer):
    learner_name = serializers.CharField(source="learner.__str__", read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)

    class Meta:
        model = AbsenceNotice
        fields = ["id", "learner", "learner_name", "cohort", "cohort_name", "start_date",
                  "end_date", "reason", "declared_at"]
        read_only_fields = fields


class AbsenceNoticeCreateSerializer(serializers.Serializer):
    cohort = ScopedCohortField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField(max_length=300)

    def validate(self, attrs):
        if attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": _("The end date is before the start date.")})
        return attrs

