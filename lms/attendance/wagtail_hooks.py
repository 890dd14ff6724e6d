from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.log_actions import log
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    CreateView,
    EditView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from lms.cohorts import services as cohort_services
from lms.cohorts.models import Cohort

from . import services
from .models import AttendanceStatus, Session

# The fields of the admin's session form that a locked sheet prints.
AMENDABLE_IN_ADMIN = ("cohort", "date", "start_time", "end_time", "module", "trainer", "room")


class CohortServiceMixin:
    """The admin's cohort forms save through lms.cohorts.services, like the site and the API:
    a refused change (a path changed under learners, sessions outside the new dates, a
    capacity below the learners, a closed group) is shown on the form, never a 500."""

    def cohort_fields(self) -> dict:
        data = self.form.cleaned_data
        return {name: data[name] for name in cohort_services.EDITABLE_FIELDS if name in data}

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You cannot change this group."))
        self.produced_error_message = _("The group was not saved:")
        return self.form_invalid(form)


class CohortCreateView(CohortServiceMixin, CreateView):
    def save_instance(self):
        cohort = cohort_services.cohort_create(
            by=self.request.user, trainers=self.form.cleaned_data.get("trainers") or (),
            **self.cohort_fields())
        log(cohort, "wagtail.create", user=self.request.user)
        return cohort


class CohortEditView(CohortServiceMixin, EditView):
    def save_instance(self):
        cohort = cohort_services.cohort_update(
            cohort=self.form.instance, by=self.request.user,
            trainers=self.form.cleaned_data.get("trainers"), **self.cohort_fields())
        log(cohort, "wagtail.edit", user=self.request.user)
        return cohort


class CohortViewSet(SnippetViewSet):
    model = Cohort
    add_view_class = CohortCreateView
    edit_view_class = CohortEditView
    icon = "group"
    menu_label = _("Cohorts")
    list_display = ["name", "path", "start_date", "end_date", "place", "closed_on"]
    list_filter = ["path", "start_date"]
    search_fields = ["name", "place", "path__title"]
    ordering = ["-start_date", "name"]
    panels = [
        FieldPanel("name"),
        FieldPanel("path"),
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldRowPanel([FieldPanel("place"), FieldPanel("capacity")]),
        FieldPanel("what_to_bring"),
        FieldPanel("trainers", widget=forms.CheckboxSelectMultiple),
    ]


class SessionAdminForm(WagtailAdminModelForm):
    """On a locked sheet the admin's edit is a manager's amendment: a reason is required, and
    the save goes through services.session_amend (audit trail, hash chain, documents issued
    again), never a plain save (which the database would refuse anyway)."""

    amendment_reason = forms.CharField(
        label=_("Reason for the amendment"), max_length=services.REASON_MAX_LENGTH,
        help_text=_("This attendance sheet is countersigned and locked: a manager amends it "
                    "with a reason, kept in its audit trail. The documents already issued "
                    "from it are issued again."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = bool(self.instance.pk and self.instance.is_locked)
        if not self.locked:
            del self.fields["amendment_reason"]  # its panel is then hidden

    def amended_fields(self) -> list[str]:
        return [name for name in AMENDABLE_IN_ADMIN if name in self.changed_data]

    def clean(self):
        data = super().clean()
        self._check_roster(data)
        if not self.locked:
            return data
        if not self.for_user.sees_everything:
            raise ValidationError(_("This attendance sheet is locked: only a manager can "
                                    "amend it, with a reason."))
        if not self.amended_fields():
            raise ValidationError(_("The amendment changes nothing."))
        module, cohort = data.get("module"), data.get("cohort")
        if module is not None and cohort is not None and not cohort.path.modules().filter(
                pk=module.pk).exists():
            self.add_error("module", _("This module is not in the cohort's training path."))
        return data


    def _check_roster(self, data) -> None:
        """Moving a session to another group or day must not change who is on its sheet
        (services.session_roster_check): said on the form, before any save."""
        cohort, date = data.get("cohort"), data.get("date")
        if not self.instance.pk or cohort is None or date is None:
            return
        stored = Session.objects.get(pk=self.instance.pk)
        try:
            services.session_roster_check(session=stored, cohort_id=cohort.pk, date=date)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                self.add_error(field, messages_)


class SessionEditView(EditView):
    def form_valid(self, form):
        # The amendment service checks again under the session's lock: what it refuses (a
        # sheet changed meanwhile) is a message on the form, never a 500.
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for field, messages_ in error.message_dict.items() if hasattr(
                    error, "error_dict") else [(None, error.messages)]:
                form.add_error(field if field in form.fields else None, messages_)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def save_instance(self):
        if not self.form.locked:
            return super().save_instance()
        data = self.form.cleaned_data
        changes = {name: data[name] for name in self.form.amended_fields()}
        return services.session_amend(session=self.form.instance, by=self.request.user,
                                      reason=data["amendment_reason"], **changes)


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
    edit_view_class = SessionEditView
    edit_handler = ObjectList([
        FieldPanel("cohort"),
        MultiFieldPanel([FieldPanel("date"),
                         FieldRowPanel([FieldPanel("start_time"), FieldPanel("end_time")])],
                        heading=_("When")),
        FieldPanel("module"),
        FieldPanel("trainer"),
        FieldPanel("room"),
        FieldPanel("amendment_reason"),
    ], base_form_class=SessionAdminForm)

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


@hooks.register("before_delete_snippet")
def refuse_deleting_locked_sessions(request, instances):
    """A locked sheet is proof that the session took place, and a session with an audit trail
    keeps it: say so rather than fail on the protected rows."""
    sessions = [instance for instance in instances if isinstance(instance, Session)]
    if not sessions:
        return None
    if any(session.is_locked for session in sessions):
        messages.error(request, _("A session whose attendance sheet is locked cannot be "
                                  "deleted. A manager can cancel it with an amendment, "
                                  "giving the reason."))
    elif Session.objects.filter(pk__in=[session.pk for session in sessions]).filter(
            pk__in=_sessions_with_trail()).exists():
        messages.error(request, _("A session with recorded marks or signatures cannot be "
                                  "deleted: cancel it instead, giving the reason."))
    else:
        return None
    return redirect("wagtailsnippets_attendance_session:list")


@hooks.register("before_delete_snippet")
def refuse_deleting_cohorts_with_records(request, instances):
    """A group whose sheets are locked, whose marks are audited or whose documents were issued
    holds records a training body must keep: say so rather than fail on the protected rows
    (the audit trail and documents are PROTECT, locked sessions refused by the database)."""
    from django.db import router
    from django.db.models.deletion import Collector, ProtectedError, RestrictedError

    cohorts = [instance for instance in instances if isinstance(instance, Cohort)]
    if not cohorts:
        return None
    if Session.objects.filter(cohort__in=cohorts, locked_at__isnull=False).exists():
        messages.error(request, _("A group with locked attendance sheets cannot be deleted: "
                                  "its sheets are the proof of the training."))
        return redirect("wagtailsnippets_cohorts_cohort:list")
    collector = Collector(using=router.db_for_write(Cohort))
    try:
        collector.collect(cohorts)
    except (ProtectedError, RestrictedError):
        messages.error(request, _("This group has recorded marks, signatures or issued "
                                  "documents: it cannot be deleted."))
        return redirect("wagtailsnippets_cohorts_cohort:list")
    return None


def _sessions_with_trail():
    from .models import AttendanceChange

    return AttendanceChange.objects.values("session_id")
