"""Read-only API of the catalogue and the competence referential."""

import django_filters
from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.permissions import AllowAny

from .models import (
    Competence,
    CompetenceFramework,
    LessonPage,
    ModuleCompetence,
    ModulePage,
    TrainingPathPage,
)
from .serializers import (
    CompetenceFrameworkSerializer,
    CompetenceSerializer,
    LessonDetailSerializer,
    LessonSerializer,
    ModuleSerializer,
    TrainingPathSerializer,
)


class TrainingPathFilter(django_filters.FilterSet):
    audience = django_filters.CharFilter(field_name="audiences__slug")

    class Meta:
        model = TrainingPathPage
        fields = ["kind", "modality", "certification", "audience"]


class LivePagesViewSet(viewsets.ReadOnlyModelViewSet):
    """Pages readable by anyone: live and without view restriction."""

    page_model: type = TrainingPathPage
    permission_classes = [AllowAny]

    def live_pages(self):
        if getattr(self, "swagger_fake_view", False):
            # `.public()` reads the view restrictions: don't query while building the schema.
            return self.page_model.objects.none()
        return self.page_model.objects.live().public().order_by("path")


class TrainingPathViewSet(LivePagesViewSet):
    serializer_class = TrainingPathSerializer
    filterset_class = TrainingPathFilter
    ordering_fields = ["title", "duration_hours"]
    ordering = ["path"]

    def get_queryset(self):
        return self.live_pages().prefetch_related("audiences")


class ParentPageFilter(django_filters.FilterSet):
    """Filter pages by their parent's id, through the page tree."""

    parent_model: type = TrainingPathPage

    def filter_parent(self, queryset, name, value):
        parent = self.parent_model.objects.filter(pk=value).first()
        return queryset.child_of(parent) if parent else queryset.none()


class ModuleFilter(ParentPageFilter):
    training_path = django_filters.NumberFilter(method="filter_parent")

    class Meta:
        model = ModulePage
        fields = ["training_path"]


class LessonFilter(ParentPageFilter):
    parent_model = ModulePage
    module = django_filters.NumberFilter(method="filter_parent")

    class Meta:
        model = LessonPage
        fields = ["module", "required"]


class ModuleViewSet(LivePagesViewSet):
    page_model = ModulePage
    serializer_class = ModuleSerializer
    filterset_class = ModuleFilter

    def get_queryset(self):
        targets = ModuleCompetence.objects.select_related("competence__area__framework")
        return self.live_pages().prefetch_related(Prefetch("competences", queryset=targets))


class LessonViewSet(LivePagesViewSet):
    page_model = LessonPage
    filterset_class = LessonFilter

    def get_queryset(self):
        queryset = self.live_pages()
        if self.action == "list":
            queryset = queryset.defer("body")
        return queryset

    def get_serializer_class(self):
        return LessonDetailSerializer if self.action == "retrieve" else LessonSerializer


class CompetenceFrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CompetenceFrameworkSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # framework codes contain dots (digcomp-2.2)

    def get_queryset(self):
        competences = Competence.objects.select_related("area__framework")
        return CompetenceFramework.objects.prefetch_related(
            "levels", Prefetch("areas__competences", queryset=competences)
        )


class CompetenceFilter(django_filters.FilterSet):
    framework = django_filters.CharFilter(field_name="area__framework__code")
    area = django_filters.CharFilter(field_name="area__code")

    class Meta:
        model = Competence
        fields = ["framework", "area"]


class CompetenceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CompetenceSerializer
    filterset_class = CompetenceFilter
    permission_classes = [AllowAny]
    queryset = Competence.objects.with_framework()
