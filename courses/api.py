"""Read-only API of the catalogue and the competence referential."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from .models import (
    Audience,
    Competence,
    CompetenceArea,
    CompetenceFramework,
    CompetenceLevel,
    LessonPage,
    ModuleCompetence,
    ModulePage,
    TrainingPathPage,
)


class PageSerializerMixin(serializers.Serializer):
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_url(self, page) -> str | None:
        # Absolute, as the schema's "uri" format says and as a client outside the site needs.
        return page.get_full_url(request=self.context.get("request"))

    def parent_id(self, page, parent_type) -> int | None:
        """Parents are matched through the tree path with one query per list, not per row."""
        parents = self.context.setdefault(f"_parents_{parent_type.__name__}", {})
        if not parents:
            parents.update(parent_type.objects.values_list("path", "pk"))
        return parents.get(page.path[: -page.steplen])


class AudienceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Audience
        fields = ["slug", "name"]


class TrainingPathSerializer(PageSerializerMixin, serializers.ModelSerializer):
    audiences = AudienceSerializer(many=True, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    modality_label = serializers.CharField(source="get_modality_display", read_only=True)

    class Meta:
        model = TrainingPathPage
        fields = [
            "id", "title", "slug", "url", "kind", "kind_label", "audiences", "summary",
            "objectives", "prerequisites", "duration_hours", "modality", "modality_label",
            "assessment_methods", "certification", "accessibility", "funding", "contact_name",
            "contact_email", "contact_phone", "self_enrolment",
        ]


class ModuleCompetenceSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="competence.area.framework.code")
    code = serializers.CharField(source="competence.code")
    name = serializers.CharField(source="competence.name")

    class Meta:
        model = ModuleCompetence
        fields = ["competence", "framework", "code", "name", "target_level"]


class ModuleSerializer(PageSerializerMixin, serializers.ModelSerializer):
    training_path = serializers.SerializerMethodField()
    competences = ModuleCompetenceSerializer(many=True, read_only=True)

    class Meta:
        model = ModulePage
        fields = ["id", "title", "slug", "url", "training_path", "summary", "duration_hours",
                  "competences"]

    def get_training_path(self, module) -> int | None:
        return self.parent_id(module, TrainingPathPage)


class LessonSerializer(PageSerializerMixin, serializers.ModelSerializer):
    module = serializers.SerializerMethodField()

    class Meta:
        model = LessonPage
        fields = ["id", "title", "slug", "url", "module", "summary", "duration_minutes",
                  "required"]

    def get_module(self, lesson) -> int | None:
        return self.parent_id(lesson, ModulePage)


class LessonDetailSerializer(LessonSerializer):
    # The stream's API representation, in which quiz blocks carry no answers.
    body = serializers.SerializerMethodField()

    class Meta(LessonSerializer.Meta):
        fields = [*LessonSerializer.Meta.fields, "body"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_body(self, lesson):
        return lesson.body.get_prep_value() and lesson.body.stream_block.get_api_representation(
            lesson.body, context=self.context
        )


class CompetenceLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetenceLevel
        fields = ["number", "band", "name_fr", "name_en", "description_fr", "description_en"]


class CompetenceSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="area.framework.code", read_only=True)
    area = serializers.CharField(source="area.code", read_only=True)

    class Meta:
        model = Competence
        fields = ["id", "framework", "area", "code", "name_fr", "name_en", "description_fr",
                  "description_en"]


class CompetenceAreaSerializer(serializers.ModelSerializer):
    competences = CompetenceSerializer(many=True, read_only=True)

    class Meta:
        model = CompetenceArea
        fields = ["code", "name_fr", "name_en", "competences"]


class CompetenceFrameworkSerializer(serializers.ModelSerializer):
    levels = CompetenceLevelSerializer(many=True, read_only=True)
    areas = CompetenceAreaSerializer(many=True, read_only=True)

    class Meta:
        model = CompetenceFramework
        fields = ["id", "code", "name_fr", "name_en", "version", "publisher", "url",
                  "description_fr", "description_en", "levels", "areas"]


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
