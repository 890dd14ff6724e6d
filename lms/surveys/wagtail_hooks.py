from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Survey, SurveyInvitation


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


@hooks.register("before_delete_snippet")
def refuse_deleting_sent_surveys(request, instances):
    """A survey already sent is evidence (indicator 30): say so rather than fail on its
    protected invitations and responses; it can be made inactive instead."""
    surveys = [instance for instance in instances if isinstance(instance, Survey)]
    if surveys and SurveyInvitation.objects.filter(survey__in=surveys).exists():
        messages.error(request, _("A survey already sent cannot be deleted: its invitations "
                                  "and answers are the evidence of satisfaction. Make it "
                                  "inactive instead."))
        return redirect("wagtailsnippets_surveys_survey:list")
    return None
