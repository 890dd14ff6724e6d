from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import TrainingPathPage
from lms.cohorts.models import Cohort

from .enums import QuestionKind
from .models import TEXT_MAX

SCALE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class AnswerForm(forms.Form):
    """One field per question, named q<pk>. Radio and checkbox groups are drawn as fieldsets
    by the template (surveys/answer.html)."""

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(survey.questions.all())
        for question in self.questions:
            common = {"label": question.text, "required": question.required,
                      "help_text": question.help_text}
            if question.kind == QuestionKind.SCALE:
                field = forms.ChoiceField(choices=SCALE_CHOICES, widget=forms.RadioSelect,
                                          **common)
            elif question.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(choices=[(o, o) for o in question.options],
                                          widget=forms.RadioSelect, **common)
            elif question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=[(o, o) for o in question.options],
                    widget=forms.CheckboxSelectMultiple, **common)
            else:
                field = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(
                    attrs={"rows": 4}), **common)
            field.question = question
            field.grouped = question.kind != QuestionKind.TEXT
            self.fields[f"q{question.pk}"] = field


class ResultsFilterForm(forms.Form):
    path = forms.ModelChoiceField(TrainingPathPage.objects.order_by("title"), required=False,
                                  label=_("Training path"))
    cohort = forms.ModelChoiceField(Cohort.objects.order_by("-start_date", "name"),
                                    required=False, label=_("Group"))
    start = forms.DateField(required=False, label=_("From"),
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=_("To"),
                          widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class FunderInviteForm(forms.Form):
    cohort = forms.ModelChoiceField(Cohort.objects.select_related("path")
                                    .order_by("-start_date", "name"), label=_("Group"))
    name = forms.CharField(max_length=150, label=_("Funder or employer"))
    email = forms.EmailField(label=_("E-mail address"))
