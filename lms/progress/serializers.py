"""Serializers of the progress API: read shapes of the records, and the inputs the API hands
to lms.progress.services."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import Competence, LessonPage, TrainingPathPage
from courses.referential import MAX_LEVEL, MIN_LEVEL
from lms.accounts.fields import SaneDateField
from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.core.serializers import ScopedPrimaryKeyField

from .enums import (
    AssessmentKind,
    AssessmentMethod,
    CompletionSource,
    EnrollmentSource,
    EnrollmentStatus,
)
from .models import CompetenceAssessment, Enrollment, LessonCompletion


class ScopedLearnerField(ScopedPrimaryKeyField):
    """A learner chosen among those the caller may act for (context["learners"]): anyone else
    reads as unknown, so the API never tells whether a foreign user exists."""

    scope, model = "learners", User
    default_error_messages = {
        "does_not_exist": _("No learner you may act for has the id {pk_value}."),
    }


def enum_field(choices):
    """A ChoiceField whose schema is the named component `<Choices>Enum`: enum names don't
    then hang on field names shared across apps ("kind", "status", "source")."""

    @extend_schema_field({"type": "string", "enum": list(choices.values)},
                         component_name=f"{choices.__name__}Enum")
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    EnumField.__name__ = f"{choices.__name__}Field"
    return EnumField


AssessmentKindField = enum_field(AssessmentKind)
AssessmentMethodField = enum_field(AssessmentMethod)
CompletionSourceField = enum_field(CompletionSource)
EnrollmentSourceField = enum_field(EnrollmentSource)
EnrollmentStatusField = enum_field(EnrollmentStatus)


# Read shapes ------------------------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer):
    learner_name = serializers.CharField(source="learner.__str__", read_only=True)
    path_title = serializers.CharField(source="path.title", read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True, allow_null=True)
    status = EnrollmentStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source = EnrollmentSourceField(read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "learner", "learner_name", "path", "path_title", "cohort", "cohort_name",
                  "status", "status_label", "status_changed_at", "source", "enrolled_at",
                  "enrolled_by", "completed_at"]
        read_only_fields = fields


class LessonCompletionSerializer(serializers.ModelSerializer):
    lesson_title = serializers.CharField(source="lesson.title", read_only=True)
    source = CompletionSourceField(read_only=True)

    class Meta:
        model = LessonCompletion
        fields = ["id", "learner", "lesson", "lesson_title", "completed_at", "source"]
        read_only_fields = fields


class CompetenceAssessmentSerializer(serializers.ModelSerializer):
    competence_code = serializers.CharField(source="competence.code", read_only=True)
    kind = AssessmentKindField(read_only=True)
    method = AssessmentMethodField(read_only=True)

    class Meta:
        model = CompetenceAssessment
        fields = ["id", "learner", "competence", "competence_code", "path", "kind", "level",
                  "method", "evidence", "assessed_on", "assessed_by", "created_at"]
        read_only_fields = fields


# Inputs ------------------------------------------------------------------------------------


def cohort_date_check(cohort, day, field: str) -> None:
    """A first day in a cohort falls within the cohort's dates: anything else is a typo."""
    if cohort is None or day is None:
        return
    if not cohort.start_date <= day <= cohort.end_date:
        raise serializers.ValidationError({field: _(
            "Choose a day within the cohort's dates, from %(start)s to %(end)s.") % {
            "start": f"{cohort.start_date:%d/%m/%Y}", "end": f"{cohort.end_date:%d/%m/%Y}"}})


class EnrollmentCreateSerializer(serializers.Serializer):
    learner = ScopedLearnerField(required=False, help_text=_("Defaults to yourself."))
    path = serializers.PrimaryKeyRelatedField(queryset=TrainingPathPage.objects.all())
    cohort = serializers.PrimaryKeyRelatedField(queryset=Cohort.objects.all(), required=False,
                                                allow_null=True)
    joined_on = SaneDateField(
        required=False,
        help_text=_("The first day the learner is expected at the cohort's sessions (today by "
                    "default), e.g. the first session when enrolled after it."))

    def validate(self, attrs):
        cohort = attrs.get("cohort")
        if cohort is not None and cohort.path_id != attrs["path"].pk:
            raise serializers.ValidationError(
                {"cohort": _("This cohort belongs to another training path.")})
        cohort_date_check(cohort, attrs.get("joined_on"), "joined_on")
        return attrs


class EnrollmentMoveSerializer(serializers.Serializer):
    cohort = serializers.PrimaryKeyRelatedField(
        queryset=Cohort.objects.none(), allow_null=True,
        help_text=_("A cohort of the same path that you train; null takes the learner out of "
                    "any cohort."))
    on_date = SaneDateField(
        required=False, help_text=_("The first day in the new cohort (today by default). The "
                                    "old cohort's sessions before it keep the learner and "
                                    "their marks."))

    def __init__(self, *args, cohorts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cohorts is not None:
            self.fields["cohort"].queryset = cohorts

    def validate(self, attrs):
        cohort_date_check(attrs.get("cohort"), attrs.get("on_date"), "on_date")
        return attrs


class EnrollmentStatusSerializer(serializers.Serializer):
    status = EnrollmentStatusField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LessonCompletionCreateSerializer(serializers.Serializer):
    learner = ScopedLearnerField(required=False, help_text=_("Defaults to yourself."))
    lesson = serializers.PrimaryKeyRelatedField(queryset=LessonPage.objects.live())


class CompetenceAssessmentCreateSerializer(serializers.Serializer):
    learner = ScopedLearnerField(required=False, help_text=_("Defaults to yourself."))
    competence = serializers.PrimaryKeyRelatedField(queryset=Competence.objects.all())
    path = serializers.PrimaryKeyRelatedField(queryset=TrainingPathPage.objects.all(),
                                              required=False, allow_null=True)
    kind = AssessmentKindField()
    level = serializers.IntegerField(min_value=MIN_LEVEL, max_value=MAX_LEVEL)
    method = AssessmentMethodField(
        required=False,
        help_text=_("Required for a validation; a self-positioning is always “self”."),
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=2000)
    assessed_on = SaneDateField(required=False)

    def validate_assessed_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value


# The caller's own progress ------------------------------------------------------------------


class NextLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, lesson) -> str | None:
        return lesson.get_url(request=self.context.get("request"))


class CompetenceProfileSerializer(serializers.Serializer):
    competence = serializers.IntegerField(source="competence.pk")
    framework = serializers.CharField(source="competence.area.framework.code")
    code = serializers.CharField(source="competence.code")
    name = serializers.CharField(source="competence.name")
    initial_level = serializers.IntegerField(allow_null=True,
                                             help_text=_("Latest initial self-positioning."))
    final_level = serializers.IntegerField(allow_null=True,
                                           help_text=_("Latest final self-positioning."))
    current_level = serializers.IntegerField(allow_null=True,
                                             help_text=_("Latest level validated by a trainer."))
    target_level = serializers.IntegerField()


class EnrollmentProgressSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment.pk")
    path = serializers.IntegerField(source="enrollment.path_id")
    path_title = serializers.CharField(source="enrollment.path.title")
    status = EnrollmentStatusField(source="enrollment.status")
    lessons_done = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    modules_complete = serializers.IntegerField()
    modules_total = serializers.IntegerField()
    attendance_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True,
                                               help_text=_("Percentage; null when unknown."))
    attended_hours = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True,
        help_text=_("Realised hours (same as hours_realised); null when unknown."))
    hours_realised = serializers.DecimalField(
        source="attended_hours", max_digits=7, decimal_places=2, allow_null=True,
        help_text=_("Hours attended on sessions whose sheet is locked (countersigned): the "
                    "hours documents print. Null when no session is marked."))
    hours_provisional = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True,
        help_text=_("Hours attended on sessions whose sheet is still open: they may change "
                    "and no document prints them. Null when no session is marked."))
    complete = serializers.BooleanField(help_text=_("The path's completion rule holds."))
    missing = serializers.ListField(child=serializers.CharField(),
                                    help_text=_("What the completion rule still lacks."))
    next_lesson = NextLessonSerializer(allow_null=True)
    competences = CompetenceProfileSerializer(many=True)


class MyProgressSerializer(serializers.Serializer):
    enrollments = EnrollmentProgressSerializer(many=True)
