from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.cohorts.models import Cohort
from lms.quality.selectors import YEAR_MAX, YEAR_MIN


class PackRequestForm(forms.Form):
    cohort = forms.ModelChoiceField(
        label=_("Group"), required=False, empty_label=_("— a whole year instead —"),
        queryset=Cohort.objects.select_related("path").order_by("-start_date", "name"))
    year = forms.IntegerField(label=_("Or a year"), required=False, min_value=YEAR_MIN,
                              max_value=YEAR_MAX,
                              help_text=_("Every group that ran during the year, and the "
                                          "year's BPF figures."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["placeholder"] = str(timezone.localdate().year)

    def clean(self):
        data = super().clean()
        if not self.errors and (data.get("cohort") is None) == (data.get("year") is None):
            raise ValidationError(_("Choose a group or a year, not both."))
        return data
