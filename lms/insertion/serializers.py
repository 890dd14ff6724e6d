"""Serializers of the insertion API: read shapes of the follow-up records, and the inputs the
API hands to lms.insertion.services. Confidential interview notes are never read from the
model here: the view passes those it read through services.interview_notes_read."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from courses.models import TrainingPathPage
from lms.accounts.fields import SaneDateField
from lms.accounts.models import User
from lms.core.serializers import ScopedPrimaryKeyField

from .enums import (
    ContractKind,
    ExitCategory,
    ExitOutcome,
    InterviewKind,
    ObjectiveCategory,
    ObjectiveStatus,
    ObstacleCategory,
    Severity,
    TraineeStatus,
)
from .models import (
    Contract,
    Exit,
    Interview,
    Milestone,
    ObstacleAssessment,
    PlanObjective,
    Programme,
    Trainee,
)


def enum_field(choices):
    """A ChoiceField whose schema is the named component `<Choices>Enum`: enum names then
    don't hang on field names shared across apps ("kind", "status", "category")."""
    values = list(choices.values)
    kind = "integer" if all(isinstance(value, int) for value in values) else "string"

    @extend_schema_field({"type": kind, "enum": values},
                         component_name=f"{choices.__name__}Enum")
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    EnumField.__name__ = f"{choices.__name__}Field"
    return EnumField


ContractKindField = enum_field(ContractKind)
ExitCategoryField = enum_field(ExitCategory)
ExitOutcomeField = enum_field(ExitOutcome)
InterviewKindField = enum_field(InterviewKind)
ObjectiveCategoryField = enum_field(ObjectiveCategory)
ObjectiveStatusField = enum_field(ObjectiveStatus)
ObstacleCategoryField = enum_field(ObstacleCategory)
SeverityField = enum_field(Severity)
TraineeStatusField = enum_field(TraineeStatus)


class ScopedTraineeField(ScopedPrimaryKeyField):
    scope, model = "trainees", Trainee
    default_error_messages = {
        "does_not_exist": _("No trainee you follow has the id {pk_value}."),
    }


class ScopedProgrammeField(ScopedPrimaryKeyField):
    scope, model = "programmes", Programme
    default_error_messages = {
        "does_not_exist": _("No programme you staff has the id {pk_value}."),
    }


class ScopedObjectiveField(ScopedPrimaryKeyField):
    scope, model = "objectives", PlanObjective
    default_error_messages = {
        "does_not_exist": _("No objective of a trainee you follow has the id {pk_value}."),
    }


def not_in_future(value):
    if value is not None and value > timezone.localdate():
        raise serializers.ValidationError(_("The date cannot be in the future."))
    return value


# Read shapes ------------------------------------------------------------------------------


class InsertionStaffMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class ProgrammeSerializer(serializers.ModelSerializer):
    staff = InsertionStaffMemberSerializer(many=True, read_only=True)
    trainee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "name", "start_date", "end_date", "staff", "co_financed", "funders",
                  "trainee_count"]
        read_only_fields = fields


class TraineeSerializer(serializers.ModelSerializer):
    programme_name = serializers.CharField(source="programme.name", read_only=True)
    learner_name = serializers.CharField(source="learner.__str__", read_only=True)
    # Not "referent.__str__": on a missing referent that would render the string "None".
    referent_name = serializers.StringRelatedField(source="referent", allow_null=True)
    status = TraineeStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Trainee
        fields = ["id", "programme", "programme_name", "learner", "learner_name", "referent",
                  "referent_name", "entry_date", "pass_iae_number", "pass_iae_start",
                  "pass_iae_end", "status", "status_label", "status_changed_at"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    kind = ContractKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "trainee", "kind", "kind_label", "start_date", "end_date",
                  "weekly_hours"]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "objective", "title", "due_date", "done_on"]
        read_only_fields = fields


class PlanObjectiveSerializer(serializers.ModelSerializer):
    category = ObjectiveCategoryField(read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    status = ObjectiveStatusField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    training_path_title = serializers.CharField(source="training_path.title", read_only=True,
                                                allow_null=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = PlanObjective
        fields = ["id", "trainee", "category", "category_label", "title", "target_date",
                  "status", "status_label", "training_path", "training_path_title",
                  "milestones", "created_at"]
        read_only_fields = fields


class ObstacleAssessmentSerializer(serializers.ModelSerializer):
    category = ObstacleCategoryField(read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    severity = SeverityField(read_only=True)
    severity_label = serializers.CharField(source="get_severity_display", read_only=True)

    class Meta:
        model = ObstacleAssessment
        fields = ["id", "trainee", "category", "category_label", "severity", "severity_label",
                  "assessed_on", "note", "assessed_by"]
        read_only_fields = fields


class ConfidentialNotesField(serializers.CharField):
    """The notes the view read through services.interview_notes_read (context["notes"], by
    interview id). Any other interview leaves the field out: absent, not null, so a client
    cannot mistake "not yours to read" for "no notes"."""

    def get_attribute(self, instance):
        notes = self.context.get("notes") or {}
        if instance.pk not in notes:
            raise SkipField
        return notes[instance.pk]


class InterviewSerializer(serializers.ModelSerializer):
    trainee_name = serializers.CharField(source="trainee.learner.__str__", read_only=True)
    staff_name = serializers.StringRelatedField(source="staff", allow_null=True)
    kind = InterviewKindField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # Not read-only, so the schema marks it optional: it is present only for the programme's
    # staff. This serializer renders responses only.
    notes = ConfidentialNotesField(
        required=False,
        help_text=_("Confidential: present only for the staff of the trainee's programme; "
                    "each reading is logged."),
    )

    class Meta:
        model = Interview
        fields = ["id", "trainee", "trainee_name", "date", "staff", "staff_name", "kind",
                  "kind_label", "next_steps", "notes", "created_at"]
        read_only_fields = [field for field in fields if field != "notes"]


class ExitSerializer(serializers.ModelSerializer):
    category = ExitCategoryField(read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    outcome = ExitOutcomeField(read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = Exit
        fields = ["id", "trainee", "date", "category", "category_label", "outcome",
                  "outcome_label", "comment", "planned"]
        read_only_fields = fields


# Inputs ------------------------------------------------------------------------------------


class ProgrammeWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    start_date = SaneDateField()
    end_date = SaneDateField(required=False, allow_null=True)
    staff = serializers.PrimaryKeyRelatedField(
        many=True, required=False,
        queryset=User.objects.insertion_staff().filter(is_active=True),
        help_text=_("Ids of active insertion staff."),
    )
    co_financed = serializers.BooleanField(required=False)
    funders = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": _("The programme ends before it starts.")})
        return attrs


class TraineeCreateSerializer(serializers.Serializer):
    programme = ScopedProgrammeField()
    learner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text=_("Any active account; it becomes a learner."),
    )
    referent = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.insertion_staff(), required=False, allow_null=True,
        help_text=_("A staff member of the programme."),
    )
    entry_date = SaneDateField()
    pass_iae_number = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                            default="")
    pass_iae_start = SaneDateField(required=False, allow_null=True)
    pass_iae_end = SaneDateField(required=False, allow_null=True)


class TraineeStatusSerializer(serializers.Serializer):
    status = TraineeStatusField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                   default="")
    on = SaneDateField(required=False, validators=[not_in_future],
                               help_text=_("Defaults to today."))


class ContractCreateSerializer(serializers.Serializer):
    trainee = ScopedTraineeField()
    start_date = SaneDateField()
    end_date = SaneDateField()
    weekly_hours = serializers.DecimalField(max_digits=4, decimal_places=1,
                                            help_text=_("Between 20 and 35."))
    kind = ContractKindField(required=False,
                             help_text=_("Defaults to a renewal when a contract exists."))


class PlanObjectiveCreateSerializer(serializers.Serializer):
    trainee = ScopedTraineeField()
    category = ObjectiveCategoryField()
    title = serializers.CharField(max_length=250)
    target_date = SaneDateField(required=False, allow_null=True)
    training_path = serializers.PrimaryKeyRelatedField(
        queryset=TrainingPathPage.objects.all(), required=False, allow_null=True)


class PlanObjectiveStatusSerializer(serializers.Serializer):
    status = ObjectiveStatusField()


class MilestoneCreateSerializer(serializers.Serializer):
    objective = ScopedObjectiveField()
    title = serializers.CharField(max_length=250)
    due_date = SaneDateField(required=False, allow_null=True)


class MilestoneDoneSerializer(serializers.Serializer):
    on = SaneDateField(required=False, validators=[not_in_future],
                               help_text=_("Defaults to today."))


class ObstacleAssessmentCreateSerializer(serializers.Serializer):
    trainee = ScopedTraineeField()
    category = ObstacleCategoryField()
    severity = SeverityField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    assessed_on = SaneDateField(required=False, validators=[not_in_future],
                                        help_text=_("Defaults to today."))


class InterviewCreateSerializer(serializers.Serializer):
    trainee = ScopedTraineeField()
    date = SaneDateField()
    kind = InterviewKindField()
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000,
                                  help_text=_("Confidential."))
    next_steps = serializers.CharField(required=False, allow_blank=True, default="",
                                       max_length=5000)


class ExitRecordSerializer(serializers.Serializer):
    trainee = ScopedTraineeField()
    date = SaneDateField()
    category = ExitCategoryField()
    outcome = ExitOutcomeField()
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=2000)
    planned = serializers.BooleanField(
        required=False, default=False,
        help_text=_("A planned exit does not change the trainee's status yet."),
    )
