from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Audience, Competence, CompetenceArea, CompetenceFramework, CompetenceLevel


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


class CompetenceSnippetViewSet(SnippetViewSet):
    model = Competence
    icon = "success"
    list_display = ["code", "name_fr", "name_en", "area"]
    list_filter = ["area__framework"]
    search_fields = ["code", "name_fr", "name_en"]
    ordering = ["area__framework__code", "code"]


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
