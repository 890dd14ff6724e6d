"""Read-only results of the surveys for managers: /api/v1/survey-results/ (each survey with its
response rate) and /api/v1/survey-results/{id}/ (scores per question, free-text answers).
Both take ?path=, ?cohort=, ?start=, ?end= (ISO dates); a bad filter is a 400."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import selectors
from .perms import IsManager, surveys_visible_to
from .serializers import (
    ScopeQuerySerializer,
    SurveyRateSerializer,
    SurveyResultsSerializer,
)

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
