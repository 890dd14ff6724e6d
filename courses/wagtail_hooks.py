from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm, SearchFilterMixin
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    Audience,
    Competence,
    CompetenceArea,
    CompetenceFramework,
    CompetenceLevel,
)


class FrameworkViewSet(SnippetViewSet):
    model = CompetenceFramework
    icon = "folder-open-inverse"
    list_display = ["code", "name_fr", "version", "publisher"]
    search_fields = ["code", "name_fr", "name_en"]


class AreaViewSet(SnippetViewSet):
    model = CompetenceArea
    icon = "folder-inverse"
    list_display = ["code", "name_fr", "framework"]
    list_filter = ["framework"]


class FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.short_label


class CompetenceFilterForm(SearchFilterMixin, BaseFilterForm):
    """The competence chooser filtered by framework: "5.1" exists in DigComp and in Pix."""

    framework = FrameworkChoiceField(label=_("Framework"), required=False,
                                     queryset=CompetenceFramework.objects.all(),
                                     empty_label=_("All frameworks"))

    def filter(self, objects):
        framework = self.cleaned_data.get("framework")
        if framework:
            objects = objects.filter(area__in=list(framework.areas.values_list("pk", flat=True)))
        return super().filter(objects)  # the search last: it no longer returns a queryset


class CompetenceChooseMixin:
    filter_form_class = CompetenceFilterForm

    def get_object_list(self):
        return Competence.objects.select_related("area__framework")


class CompetenceChooseView(CompetenceChooseMixin, ChooseView):
    pass


class CompetenceChooseResultsView(CompetenceChooseMixin, ChooseResultsView):
    pass


class CompetenceChooserViewSet(SnippetChooserViewSet):
    choose_view_class = CompetenceChooseView
    choose_results_view_class = CompetenceChooseResultsView


class CompetenceSnippetViewSet(SnippetViewSet):
    model = Competence
    icon = "success"
    list_display = ["code", "name_fr", "name_en", "framework_label", "area"]
    list_filter = ["area__framework"]
    search_fields = ["code", "name_fr", "name_en"]
    ordering = ["area__framework__code", "code"]
    chooser_viewset_class = CompetenceChooserViewSet

    def get_queryset(self, request):
        return Competence.objects.select_related("area__framework")


class LevelViewSet(SnippetViewSet):
    model = CompetenceLevel
    icon = "order"
    list_display = ["number", "name_fr", "band", "framework"]
    list_filter = ["framework", "band"]


class ReferentialGroup(SnippetViewSetGroup):
    menu_label = _("Competence referential")
    menu_icon = "table"
    menu_order = 300
    items = (FrameworkViewSet, AreaViewSet, CompetenceSnippetViewSet, LevelViewSet)


class AudienceViewSet(SnippetViewSet):
    model = Audience
    icon = "group"
    list_display = ["name", "slug"]


register_snippet(ReferentialGroup)
register_snippet(AudienceViewSet)
