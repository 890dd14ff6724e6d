"""Read-only results of the surveys for managers: /api/v1/survey-results/ (each survey with its
response rate) and /api/v1/survey-results/{id}/ (scores per question, free-text answers).
Both take ?path=, ?cohort=, ?start=, ?end= (ISO dates); a bad filter is a 400."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from . import selectors
from .perms import can_see_results, surveys_visible_to


class IsManager(BasePermission):
    def has_permission(self, request, view):
        return can_see_results(request.user)


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


SCOPE_PARAMETERS = [
    OpenApiParameter("path", int, description="Training path id"),
    OpenApiParameter("cohort", int, description="Group id"),
    OpenApiParameter("start", str, description="From this date (YYYY-MM-DD)"),
    OpenApiParameter("end", str, description="Until this date (YYYY-MM-DD)"),
]


@extend_schema_view(
    list=extend_schema(parameters=SCOPE_PARAMETERS),
    retrieve=extend_schema(parameters=SCOPE_PARAMETERS, responses=SurveyResultsSerializer),
)
class SurveyResultViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, IsManager]
    serializer_class = SurveyRateSerializer

    def get_queryset(self):
        return surveys_visible_to(self.request.user)

    def _scope(self) -> selectors.Scope:
        query = ScopeQuerySerializer(data=self.request.query_params)
        if not query.is_valid():
            raise exceptions.ValidationError(query.errors)
        data = query.validated_data
        return selectors.Scope(path_id=data.get("path"), cohort_id=data.get("cohort"),
                               start=data.get("start"), end=data.get("end"))

    def list(self, request):
        surveys = selectors.surveys_with_rates(self.get_queryset(), self._scope())
        page = self.paginate_queryset(surveys)  # a list: the rates are computed in one query
        return self.get_paginated_response(SurveyRateSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        survey = self.get_object()
        results = selectors.survey_results(survey=survey, scope=self._scope())
        return Response(SurveyResultsSerializer(results).data)


def register(router) -> None:
    router.register("survey-results", SurveyResultViewSet, basename="survey-result")
