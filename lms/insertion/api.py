"""REST API of the insertion follow-up: programmes, trainees, contracts, plan objectives and
milestones, obstacles, interviews and exits. Every write goes through lms.insertion.services
(programmes, which have no service, through the two functions below); querysets are scoped to
the caller, so a foreign object answers 404. Learners and trainers follow no one: they get
empty lists.

Confidential interview notes are read only through services.interview_notes_read, which checks
the caller is staff of the trainee's programme and logs the reading: once per request and per
trainee, whatever the number of interviews shown."""


import django_filters
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from lms.accounts.models import User
from lms.core.api import ScopedViewSetMixin
from lms.core.filters import IdFilter

from . import selectors, services
from .enums import (
    ContractKind,
    ExitCategory,
    InterviewKind,
    ObjectiveCategory,
    ObjectiveStatus,
    ObstacleCategory,
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
from .perms import follows_trainees
from .serializers import (
    ContractCreateSerializer,
    ContractSerializer,
    ExitRecordSerializer,
    ExitSerializer,
    InterviewCreateSerializer,
    InterviewSerializer,
    MilestoneCreateSerializer,
    MilestoneDoneSerializer,
    MilestoneSerializer,
    ObstacleAssessmentCreateSerializer,
    ObstacleAssessmentSerializer,
    PlanObjectiveCreateSerializer,
    PlanObjectiveSerializer,
    PlanObjectiveStatusSerializer,
    ProgrammeSerializer,
    ProgrammeWriteSerializer,
    TraineeCreateSerializer,
    TraineeSerializer,
    TraineeStatusSerializer,
)

NON_FIELD_ERRORS_KEY = api_settings.NON_FIELD_ERRORS_KEY



# Base --------------------------------------------------------------------------------------


class InsertionViewSetMixin(ScopedViewSetMixin):
    # A concurrent write won the race (e.g. the same trainee recorded twice).
    conflict_message = gettext_lazy(
        "This change conflicts with another one made meanwhile: reload and try again.")

    def scopes(self, user) -> dict:
        # Lazy querysets: only the inputs that name such an object run them.
        return {"trainees": Trainee.objects.in_care_of(user),
                "programmes": Programme.objects.visible_to(user),
                "objectives": PlanObjective.objects.visible_to(user)}

    def check_follower(self):
        if not follows_trainees(self.request.user):
            raise exceptions.PermissionDenied(
                _("Only insertion staff and managers record the follow-up."))


class FollowUpFilter(django_filters.FilterSet):
    """The `trainee` and `programme` filters every follow-up collection offers."""

    trainee = IdFilter(field_name="trainee_id")
    programme = IdFilter(field_name="trainee__programme_id")


# Programmes --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List the insertion programmes you staff (all for managers)"),
    retrieve=extend_schema(summary="Read an insertion programme"),
    create=extend_schema(summary="Create an insertion programme (managers)",
                         request=ProgrammeWriteSerializer, responses={201: ProgrammeSerializer}),
    update=extend_schema(summary="Change an insertion programme (managers)",
                         request=ProgrammeWriteSerializer, responses=ProgrammeSerializer),
    partial_update=extend_schema(summary="Change some of a programme's fields (managers)",
                                 request=ProgrammeWriteSerializer, responses=ProgrammeSerializer),
)
class ProgrammeViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    model = Programme
    serializer_class = ProgrammeSerializer
    ordering_fields = ["name", "start_date", "end_date"]
    ordering = ["-start_date", "name", "pk"]

    def scoped_queryset(self, user):
        return (super().scoped_queryset(user)
                .prefetch_related(Prefetch("staff", queryset=User.objects.order_by(
                    "last_name", "first_name", "pk")))
                .annotate(trainee_count=Count("trainees")))

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ProgrammeWriteSerializer
        return ProgrammeSerializer

    def create(self, request, *args, **kwargs):
        if not request.user.sees_everything:  # before the input: its errors are a manager's
            raise exceptions.PermissionDenied(
                _("Only a manager creates or changes insertion programmes."))
        data = self.validated()
        programme = services.programme_create(by=request.user, **data)
        programme = self.get_queryset().get(pk=programme.pk)
        return Response(ProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        programme = self.get_object()
        if not request.user.sees_everything:
            raise exceptions.PermissionDenied(
                _("Only a manager creates or changes insertion programmes."))
        serializer = self.get_serializer(programme, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.programme_update(programme=programme, by=request.user,
                                  **serializer.validated_data)
        programme = self.get_queryset().get(pk=programme.pk)
        return Response(ProgrammeSerializer(programme).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


# Trainees ----------------------------------------------------------------------------------


class TraineeFilter(django_filters.FilterSet):
    programme = IdFilter(field_name="programme_id")
    status = django_filters.ChoiceFilter(choices=TraineeStatus.choices)
    referent = IdFilter(field_name="referent_id")
    learner = IdFilter(field_name="learner_id")

    class Meta:
        model = Trainee
        fields = ["programme", "status", "referent", "learner"]


@extend_schema_view(
    list=extend_schema(summary="List the trainees you follow"),
    retrieve=extend_schema(summary="Read a trainee's record"),
    create=extend_schema(
        summary="Record a learner as a trainee of a programme (its staff, managers)",
        request=TraineeCreateSerializer, responses={201: TraineeSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a trainee's status (the change is kept in the history)",
        request=TraineeStatusSerializer, responses=TraineeSerializer,
    ),
)
class TraineeViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    model = Trainee
    serializer_class = TraineeSerializer
    filterset_class = TraineeFilter
    ordering_fields = ["entry_date", "status_changed_at", "learner__last_name"]
    ordering = ["learner__last_name", "learner__first_name", "pk"]
    # A refusal not tied to a field is about the learner recorded, or the status set.
    service_error_fields = {"create": "learner", "partial_update": "status"}

    def scoped_queryset(self, user):
        return Trainee.objects.in_care_of(user).select_related("programme", "learner", "referent")

    def get_serializer_class(self):
        return {"create": TraineeCreateSerializer,
                "partial_update": TraineeStatusSerializer}.get(self.action, TraineeSerializer)

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        learner, programme = data["learner"], data["programme"]
        if learner.pk == request.user.pk:
            raise exceptions.ValidationError({"learner": [_("You cannot follow yourself.")]})
        if Trainee.objects.filter(programme=programme, learner=learner).exists():
            raise exceptions.ValidationError(
                {"learner": [_("This learner is already a trainee of this programme.")]})
        trainee = services.trainee_create(by=request.user, **data)
        trainee = self.get_queryset().get(pk=trainee.pk)
        return Response(TraineeSerializer(trainee).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        trainee = self.get_object()
        data = self.validated()
        services.trainee_set_status(trainee=trainee, status=data["status"], by=request.user,
                                    reason=data["reason"], on=data.get("on"))
        trainee = self.get_queryset().get(pk=trainee.pk)
        return Response(TraineeSerializer(trainee).data)


# Contracts ---------------------------------------------------------------------------------


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


# Plan objectives and milestones ------------------------------------------------------------


class PlanObjectiveFilter(FollowUpFilter):
    category = django_filters.ChoiceFilter(choices=ObjectiveCategory.choices)
    status = django_filters.ChoiceFilter(choices=ObjectiveStatus.choices)

    class Meta:
        model = PlanObjective
        fields = ["trainee", "programme", "category", "status"]


@extend_schema_view(
    list=extend_schema(summary="List the plan objectives of the trainees you follow"),
    retrieve=extend_schema(summary="Read a plan objective with its milestones"),
    create=extend_schema(summary="Add an objective to a trainee's plan",
                         request=PlanObjectiveCreateSerializer,
                         responses={201: PlanObjectiveSerializer}),
    partial_update=extend_schema(summary="Change an objective's status",
                                 request=PlanObjectiveStatusSerializer,
                                 responses=PlanObjectiveSerializer),
)
class PlanObjectiveViewSet(InsertionViewSetMixin, mixins.ListModelMixin,
                           mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = PlanObjective
    serializer_class = PlanObjectiveSerializer
    filterset_class = PlanObjectiveFilter
    ordering_fields = ["target_date", "created_at", "status"]
    ordering = ["trainee_id", "target_date", "pk"]
    service_error_fields = {"partial_update": "status"}

    def scoped_queryset(self, user):
        return (super().scoped_queryset(user)
                .select_related("training_path").prefetch_related("milestones"))

    def get_serializer_class(self):
        return {"create": PlanObjectiveCreateSerializer,
                "partial_update": PlanObjectiveStatusSerializer}.get(self.action,
                                                                     PlanObjectiveSerializer)

    def _data(self, objective_id: int) -> dict:
        return PlanObjectiveSerializer(self.get_queryset().get(pk=objective_id)).data

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        objective = services.objective_add(by=request.user, **data)
        return Response(self._data(objective.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        objective = self.get_object()
        data = self.validated()
        services.objective_set_status(objective=objective, by=request.user, **data)
        return Response(self._data(objective.pk))


class MilestoneFilter(django_filters.FilterSet):
    objective = IdFilter(field_name="objective_id")
    trainee = IdFilter(field_name="objective__trainee_id")
    programme = IdFilter(field_name="objective__trainee__programme_id")
    done = django_filters.BooleanFilter(field_name="done_on", lookup_expr="isnull",
                                        exclude=True)

    class Meta:
        model = Milestone
        fields = ["objective", "trainee", "programme", "done"]


@extend_schema_view(
    list=extend_schema(summary="List the milestones of the plans you follow"),
    retrieve=extend_schema(summary="Read a milestone"),
    create=extend_schema(summary="Add a milestone to a plan objective",
                         request=MilestoneCreateSerializer, responses={201: MilestoneSerializer}),
)
class MilestoneViewSet(InsertionViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["due_date", "done_on"]
    ordering = ["objective_id", "due_date", "pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user)

    def get_serializer_class(self):
        return {"create": MilestoneCreateSerializer,
                "done": MilestoneDoneSerializer}.get(self.action, MilestoneSerializer)

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        milestone = services.milestone_add(by=request.user, **data)
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Mark a milestone done", request=MilestoneDoneSerializer,
                   responses=MilestoneSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        milestone = self.get_object()
        data = self.validated()
        services.milestone_done(milestone=milestone, by=request.user, on=data.get("on"))
        return Response(MilestoneSerializer(milestone).data)


# Obstacles ---------------------------------------------------------------------------------


class ObstacleAssessmentFilter(FollowUpFilter):
    category = django_filters.ChoiceFilter(choices=ObstacleCategory.choices)

    class Meta:
        model = ObstacleAssessment
        fields = ["trainee", "programme", "category"]


@extend_schema_view(
    list=extend_schema(summary="List the obstacle assessments of the trainees you follow",
                       description="Assessments are history: their order by date shows each "
                                   "obstacle's evolution."),
    retrieve=extend_schema(summary="Read an obstacle assessment"),
    create=extend_schema(summary="Assess the severity of an obstacle at a date",
                         request=ObstacleAssessmentCreateSerializer,
                         responses={201: ObstacleAssessmentSerializer}),
)
class ObstacleAssessmentViewSet(InsertionViewSetMixin, mixins.ListModelMixin,
                                mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    model = ObstacleAssessment
    serializer_class = ObstacleAssessmentSerializer
    filterset_class = ObstacleAssessmentFilter
    ordering_fields = ["assessed_on", "severity"]
    ordering = ["trainee_id", "assessed_on", "pk"]

    def scoped_queryset(self, user):
        return super().scoped_queryset(user)

    def get_serializer_class(self):
        return ObstacleAssessmentCreateSerializer if self.action == "create" else \
            ObstacleAssessmentSerializer

    def create(self, request, *args, **kwargs):
        self.check_follower()
        data = self.validated()
        assessment = services.obstacle_assess(by=request.user, on=data.pop("assessed_on",
                                                                          None), **data)
        return Response(ObstacleAssessmentSerializer(assessment).data,
                        status=status.HTTP_201_CREATED)


# Interviews --------------------------------------------------------------------------------


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


# Exits -------------------------------------------------------------------------------------


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


def register(router) -> None:
    """Register the insertion viewsets on the project's API router."""
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("trainees", TraineeViewSet, basename="trainee")
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("plan-objectives", PlanObjectiveViewSet, basename="plan-objective")
    router.register("milestones", MilestoneViewSet, basename="milestone")
    router.register("obstacle-assessments", ObstacleAssessmentViewSet,
                    basename="obstacle-assessment")
    router.register("interviews", InterviewViewSet, basename="interview")
    router.register("exits", ExitViewSet, basename="exit")
