"""Follow-up interviews, whose confidential notes only the programme's staff read."""

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import selectors, services
from ..enums import InterviewKind
from ..models import Interview
from ..serializers import InterviewCreateSerializer, InterviewSerializer
from .base import FollowUpFilter, InsertionViewSetMixin


class InterviewFilter(FollowUpFilter):
    kind = django_filters.ChoiceFilter(choices=InterviewKind.choices)
    date_after = django_filters.DateFilter(
        field_name="date", lookup_expr="gte",
        help_text=gettext_lazy("Interviews on or after this day."))
    date_before = django_filters.DateFilter(
        field_name="date", lookup_expr="lte",
        help_text=gettext_lazy("Interviews on or before this day."))

    class Meta:
        model = Interview
        fields = ["trainee", "programme", "kind", "date_after", "date_before"]


NOTES_DESCRIPTION = (
    "`notes` are confidential: present only for the staff of the trainee's programme, absent "
    "(not null) for anyone else, managers included. Each response that shows them logs one "
    "reading per trainee."
)


@extend_schema_view(
    list=extend_schema(summary="List the follow-up interviews of the trainees you follow",
                       description=NOTES_DESCRIPTION),
    retrieve=extend_schema(summary="Read a follow-up interview",
                           description=NOTES_DESCRIPTION),
    create=extend_schema(summary="Record an interview (the programme's staff)",
                         description=NOTES_DESCRIPTION,
                         request=InterviewCreateSerializer, responses={201: InterviewSerializer}),
)
class InterviewViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    model = Interview
    serializer_class = InterviewSerializer
    filterset_class = InterviewFilter
    ordering_fields = ["date", "created_at"]
    ordering = ["-date", "-pk"]

    def scoped_queryset(self, user):
        # Notes are never loaded here: only services.interview_notes_read reads them.
        return (super().scoped_queryset(user)
                .select_related("trainee__learner", "trainee__programme", "staff")
                .defer("notes"))

    def get_serializer_class(self):
        return InterviewCreateSerializer if self.action == "create" else InterviewSerializer

    def _render(self, interviews: list[Interview], reading: str, **kwargs):
        notes = selectors.interview_notes_readable(self.request.user, interviews,
                                                   context=f"api:interviews:{reading}")
        context = {**self.get_serializer_context(), "notes": notes}
        return InterviewSerializer(interviews, context=context, **kwargs).data

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(self._render(list(queryset), "list", many=True))
        return self.get_paginated_response(self._render(list(page), "list", many=True))

    def _render_one(self, interview: Interview, reading: str) -> dict:
        return self._render([interview], reading, many=True)[0]

    def retrieve(self, request, *args, **kwargs):
        return Response(self._render_one(self.get_object(), "retrieve"))

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        interview = services.interview_record(by=request.user, **data)
        interview = self.get_queryset().get(pk=interview.pk)
        return Response(self._render_one(interview, "create"), status=status.HTTP_201_CREATED)
