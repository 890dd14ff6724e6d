"""Serializers of the survey results API (lms.surveys.api)."""

from rest_framework import serializers


class ScopeQuerySerializer(serializers.Serializer):
    path = serializers.IntegerField(required=False, min_value=1)
    cohort = serializers.IntegerField(required=False, min_value=1)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        return attrs


class SurveyRateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    kind = serializers.CharField()
    anonymous = serializers.BooleanField()
    is_active = serializers.BooleanField()
    paths = serializers.SerializerMethodField()
    invited = serializers.IntegerField()
    answered = serializers.IntegerField(source="answered_count")
    response_rate = serializers.FloatField(source="rate", allow_null=True)

    def get_paths(self, survey) -> list[int]:
        return [path.pk for path in survey.paths.all()]


class BarSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField()


class QuestionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    text = serializers.CharField()
    kind = serializers.CharField()
    answers = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    distribution = BarSerializer(source="bars", many=True)
    texts = serializers.ListField(child=serializers.CharField())


class SurveyResultsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="survey.pk")
    title = serializers.CharField(source="survey.title")
    kind = serializers.CharField(source="survey.kind")
    anonymous = serializers.BooleanField(source="survey.anonymous")
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = serializers.FloatField(source="rate", allow_null=True)
    responses = serializers.IntegerField()
    questions = QuestionResultSerializer(many=True)
