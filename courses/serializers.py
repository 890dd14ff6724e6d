"""Serializers of the catalogue and the competence referential (courses.api)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
