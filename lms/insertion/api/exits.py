"""Trainees' exits: one per trainee, recorded or changed."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import services
from ..enums import ExitCategory
from ..models import Exit
from ..serializers import ExitRecordSerializer, ExitSerializer
from .base import FollowUpFilter, InsertionViewSetMixin


class ExitFilter(FollowUpFilter):
    category = django_filters.ChoiceFilter(choices=ExitCategory.choices)
    planned = django_filters.BooleanFilter()

    class Meta:
        model = Exit
        fields = ["trainee", "programme", "category", "planned"]


@extend_schema_view(
    list=extend_schema(summary="List the exits of the trainees you follow"),
    retrieve=extend_schema(summary="Read an exit"),
    create=extend_schema(
        summary="Record or change a trainee's exit (one per trainee)",
        description="The outcome must belong to the category. An exit that is not planned "
                    "sets the trainee's status to exited on its date.",
        request=ExitRecordSerializer,
        responses={201: ExitSerializer, 200: ExitSerializer},
    ),
)
class ExitViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    model = Exit
    serializer_class = ExitSerializer
    filterset_class = ExitFilter
    ordering_fields = ["date"]
    ordering = ["-date", "-pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user)

    def get_serializer_class(self):
        return ExitRecordSerializer if self.action == "create" else ExitSerializer

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        existed = Exit.objects.filter(trainee=data["trainee"]).exists()
        exit_ = services.exit_record(by=request.user, **data)
        return Response(ExitSerializer(exit_).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
