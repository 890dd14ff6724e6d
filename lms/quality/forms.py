"""Forms of the quality register, of funding and of the BPF year."""

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import TrainingPathPage
from lms.cohorts.models import Cohort

from .enums import ComplainantKind, ComplaintStatus, ImprovementSource, ImprovementStatus
from .models import Complaint, EnrollmentFunding, Improvement
from .selectors import YEAR_MAX, YEAR_MIN

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _year_field(required=False):
    return forms.IntegerField(label=_("Year"), required=required, min_value=YEAR_MIN,
                              max_value=YEAR_MAX)


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *ComplaintStatus.choices])
    year = _year_field()
    source = forms.ChoiceField(label=_("From"), required=False,
                               choices=[("", _("All")), *ComplainantKind.choices])


class ImprovementFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *ImprovementStatus.choices])
    year = _year_field()
    source = forms.ChoiceField(label=_("Source"), required=False,
                               choices=[("", _("All")), *ImprovementSource.choices])


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["received_on", "complainant_kind", "complainant_name", "complainant_contact",
                  "channel", "cohort", "path", "description", "handling", "answer",
                  "answered_on", "closed_on", "status"]
        widgets = {"received_on": DATE_WIDGET, "answered_on": DATE_WIDGET,
                   "closed_on": DATE_WIDGET,
                   "description": forms.Textarea(attrs={"rows": 4}),
                   "handling": forms.Textarea(attrs={"rows": 3}),
                   "answer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = Cohort.objects.order_by("-start_date", "name")
        self.fields["path"].queryset = TrainingPathPage.objects.order_by("title")


class ImprovementForm(forms.ModelForm):
    class Meta:
        model = Improvement
        fields = ["identified_on", "source", "complaint", "description", "decision", "owner",
                  "due_on", "done_on", "status"]
        widgets = {"identified_on": DATE_WIDGET, "due_on": DATE_WIDGET, "done_on": DATE_WIDGET,
                   "description": forms.Textarea(attrs={"rows": 4}),
                   "decision": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complaint"].queryset = Complaint.objects.order_by("-received_on", "-pk")


class FundingForm(forms.ModelForm):
    class Meta:
        model = EnrollmentFunding
        fields = ["funder_type", "cpf_case_number", "opco_name", "agreement_number", "scheme",
                  "price"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].min_value = 0


class BpfYearForm(forms.Form):
    annee = _year_field(required=True)
