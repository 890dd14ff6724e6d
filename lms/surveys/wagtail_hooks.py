from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Survey


class SurveyViewSet(SnippetViewSet):
    """Managers design the surveys here; results are on /enquetes/."""

    model = Survey
    icon = "form"
    menu_label = _("Satisfaction surveys")
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["title", "kind", "anonymous", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title"]


register_snippet(SurveyViewSet)
