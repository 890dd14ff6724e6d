"""Serializers of the quality API. Model rules (dates in order, CPF case number…) are checked
by the services, whose errors the viewsets turn into 400s with field errors."""

from rest_framework import serializers

from courses.enums import ActionType

from .enums import FunderType
from .models import Complaint, Improvement


class ComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["id", "received_on", "complainant_kind", "complainant_name",
                  "complainant_contact", "channel", "cohort", "path", "description",
                  "handling", "answer", "answered_on", "closed_on", "status", "created_at",
                  "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ImprovementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Improvement
        fields = ["id", "source", "complaint", "identified_on", "description", "decision",
                  "owner", "due_on", "done_on", "status", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class BpfQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class BpfLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    trainees = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)


class BpfMissingFundingSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="pk")
    learner = serializers.IntegerField(source="learner_id")
    cohort = serializers.IntegerField(source="cohort_id")
    path = serializers.IntegerField(source="path_id")


class BpfOpenSheetSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="pk")
    cohort = serializers.IntegerField(source="cohort_id")
    date = serializers.DateField()


class BpfSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    trainees = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2,
                                     help_text="Realised trainee-hours (locked sheets).")
    by_funding = BpfLineSerializer(many=True, help_text=f"Keys: {', '.join(FunderType.values)}"
                                   ", not_recorded.")
    by_objective = BpfLineSerializer(many=True,
                                     help_text=f"Keys: {', '.join(ActionType.values)}.")
    complete = serializers.BooleanField()
    unfunded = BpfMissingFundingSerializer(many=True)
    open_sheets = BpfOpenSheetSerializer(many=True)
