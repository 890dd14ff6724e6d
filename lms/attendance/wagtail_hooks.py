from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from lms.cohorts.models import Cohort

from .models import AttendanceStatus, Session


class CohortViewSet(SnippetViewSet):
    model = Cohort
    icon = "group"
    menu_label = _("Cohorts")
    list_display = ["name", "path", "start_date", "end_date", "place"]
    list_filter = ["path", "start_date"]
    search_fields = ["name", "place", "path__title"]
    ordering = ["-start_date", "name"]
    panels = [
        FieldPanel("name"),
        FieldPanel("path"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldRowPanel([FieldPanel("place"), FieldPanel("capacity")]),
        FieldPanel("trainers", widget=forms.CheckboxSelectMultiple),
    ]


class SessionViewSet(SnippetViewSet):
    model = Session
    icon = "date"
    menu_label = _("Sessions")
    list_display = ["date", "start_time", "end_time", "cohort", "trainer", "room",
                    "cancelled_at", "locked_at"]
    list_filter = ["cohort", "date", "trainer"]
    search_fields = ["cohort__name", "room", "trainer__last_name", "cancel_reason"]
    ordering = ["-date", "-start_time"]
    # Cancelling, marks, signatures and locking go through the services (audit trail,
    # database triggers): the admin only plans sessions.
    panels = [
        FieldPanel("cohort"),
        MultiFieldPanel([FieldPanel("date"),
                         FieldRowPanel([FieldPanel("start_time"), FieldPanel("end_time")])],
                        heading=_("When")),
        FieldPanel("module"),
        FieldPanel("trainer"),
        FieldPanel("room"),
    ]

    def get_queryset(self, request):
        return Session.objects.select_related("cohort", "trainer")


class AttendanceStatusViewSet(SnippetViewSet):
    model = AttendanceStatus
    icon = "tick-inverse"
    menu_label = _("Attendance statuses")
    list_display = ["label", "code", "weight", "attended", "is_absence", "active"]
    list_filter = ["active", "is_absence"]
    search_fields = ["label", "code"]
    ordering = ["sort_order", "pk"]


class AttendanceGroup(SnippetViewSetGroup):
    menu_label = _("Attendance")
    menu_icon = "date"
    menu_order = 310
    items = (CohortViewSet, SessionViewSet, AttendanceStatusViewSet)


register_snippet(AttendanceGroup)
