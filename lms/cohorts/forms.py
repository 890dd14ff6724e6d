"""The site's forms for a group: its settings (create, edit) and its closing. The rules are
the services'; a refusal lands on the field it names."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from courses.models import TrainingPathPage
from lms.accounts.validators import validate_sane_date

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def paths_open_to(user):
    """The paths `user` may create groups of (perms.can_create_cohort), as a queryset."""
    paths = TrainingPathPage.objects.order_by("title")
    if user.sees_everything:
        return paths
    return paths.filter(pk__in=TrainingPathPage.objects.filter(trainers=user).values("pk"))


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("As learners and trainers call it, e.g. “Club du mardi "
                                       "— printemps”."))
    path = forms.ModelChoiceField(label=_("Training path"), queryset=None,
                                  empty_label=_("Choose a path"))
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET,
                                 validators=[validate_sane_date])
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET,
                               validators=[validate_sane_date])
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, required=False,
                                  help_text=_("Places in the group; empty: no limit."))
    what_to_bring = forms.CharField(
        label=_("What to bring"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the convocation: documents, equipment, a packed lunch…"))
    trainers = forms.ModelMultipleChoiceField(
        label=_("Trainers"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, cohort=None, **kwargs):
        if cohort is not None:
            kwargs.setdefault("initial", {
                "name": cohort.name, "path": cohort.path_id, "start_date": cohort.start_date,
                "end_date": cohort.end_date, "place": cohort.place, "capacity": cohort.capacity,
                "what_to_bring": cohort.what_to_bring,
                "trainers": [trainer.pk for trainer in cohort.trainers.all()]})
        super().__init__(*args, **kwargs)
        paths = paths_open_to(user)
        if cohort is not None:
            # Its own path stays a choice even for a trainer of the group who does not teach
            # the whole path.
            paths = TrainingPathPage.objects.filter(
                pk__in=paths.values("pk").union(
                    TrainingPathPage.objects.filter(pk=cohort.path_id).values("pk"))
            ).order_by("title")
        self.fields["path"].queryset = paths
        self.fields["trainers"].queryset = (get_user_model().objects
                                            .filter(is_trainer=True, is_active=True)
                                            .order_by("last_name", "first_name", "pk"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class CohortCloseForm(forms.Form):
    on_date = forms.DateField(
        label=_("Last day of the group"), required=False, widget=DATE_WIDGET,
        validators=[validate_sane_date], help_text=_("Today by default."))
    confirm = forms.BooleanField(
        label=_("I close this group: no learner joins it any more and its dates no longer "
                "change."),
        error_messages={"required": _("Tick the box to confirm.")})
