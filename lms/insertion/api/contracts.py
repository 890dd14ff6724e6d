"""Insertion contracts (CDDI) and their renewals."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from .. import services
from ..enums import ContractKind
from ..models import Contract
from ..serializers import ContractCreateSerializer, ContractSerializer
from .base import FollowUpFilter, InsertionViewSetMixin


class ContractFilter(FollowUpFilter):
    kind = django_filters.ChoiceFilter(choices=ContractKind.choices)

    class Meta:
        model = Contract
        fields = ["trainee", "programme", "kind"]


@extend_schema_view(
    list=extend_schema(summary="List the insertion contracts of the trainees you follow"),
    retrieve=extend_schema(summary="Read an insertion contract"),
    create=extend_schema(
        summary="Add an insertion contract (CDDI) or a renewal",
        description="A contract lasts at least 4 months; with its renewals, at most 24. A "
                    "renewal starts after the previous contract ends.",
        request=ContractCreateSerializer, responses={201: ContractSerializer},
    ),
)
class ContractViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    model = Contract
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering_fields = ["start_date", "end_date"]
    ordering = ["trainee_id", "start_date", "pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user)

    def get_serializer_class(self):
        return ContractCreateSerializer if self.action == "create" else ContractSerializer

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        contract = services.contract_add(by=request.user, **data)
        return Response(ContractSerializer(contract).data, status=status.HTTP_201_CREATED)
