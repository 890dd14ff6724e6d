"""Forms of the trainer and manager views."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.referential import MAX_LEVEL, MIN_LEVEL

from .enums import AssessmentMethod

# type="date" inputs only take ISO dates, whatever the language of the page.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PERIOD_LIMITS = (datetime.date(1970, 1, 1), datetime.date(2999, 12, 31))


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last 12 months, today included."""
    today = today or timezone.localdate()
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + datetime.timedelta(days=1), today


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("End date"), widget=DATE_WIDGET)

    @classmethod
    def from_query(cls, query) -> "PeriodForm":
        """A bound form from GET parameters: a missing date takes its default value, so the
        page and the exports work without any parameter."""
        start, end = default_period()
        return cls({"start": query.get("start") or start.isoformat(),
                    "end": query.get("end") or end.isoformat()})

    def clean(self):
        cleaned = super().clean()
        for name in ("start", "end"):
            # Out of this range the bounds overflow once moved to UTC; no record lies there.
            day = cleaned.get(name)
            if day and not PERIOD_LIMITS[0] <= day <= PERIOD_LIMITS[1]:
                self.add_error(name, _("Choose a date between %(low)s and %(high)s.") % {
                    "low": PERIOD_LIMITS[0].year, "high": PERIOD_LIMITS[1].year})
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned


class QuickValidationForm(forms.Form):
    """Validate one competence at one level for the learners ticked in the matrix."""

    competence = forms.TypedChoiceField(label=_("Competence"), coerce=int)
    level = forms.TypedChoiceField(
        label=_("Level"), coerce=int,
        choices=[("", "---------")] + [(n, n) for n in range(MIN_LEVEL, MAX_LEVEL + 1)],
    )
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[("", "---------")] + [(value, label) for value, label
                                       in AssessmentMethod.choices
                                       if value != AssessmentMethod.SELF],
    )
    assessed_on = forms.DateField(label=_("Date"), initial=timezone.localdate,
                                  widget=DATE_WIDGET)
    evidence = forms.CharField(
        label=_("Evidence"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was observed or produced, for the learner's record."),
    )
    learners = forms.TypedMultipleChoiceField(
        label=_("Learners"), coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one learner in the table."),
            "invalid_choice": _("Only learners of this path or group can be validated."),
        },
    )

    def __init__(self, *args, competences, learners, **kwargs):
        """`competences`: [(Competence, target level)]; `learners`: {id: user}."""
        super().__init__(*args, **kwargs)
        self.competences = {competence.pk: competence for competence, _level in competences}
        self.learner_objects = learners
        # Grouped by framework: DigComp and Pix share competence codes.
        groups: dict[str, list] = {}
        for competence, level in competences:
            groups.setdefault(competence.framework.name, []).append((
                competence.pk,
                _("%(code)s %(name)s — target level %(level)s") % {
                    "code": competence.code, "name": competence.name, "level": level},
            ))
        self.fields["competence"].choices = [("", "---------"), *groups.items()]
        self.fields["learners"].choices = [(pk, str(user)) for pk, user in learners.items()]

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    @property
    def selected_competence(self):
        return self.competences[self.cleaned_data["competence"]]

    @property
    def selected_learners(self) -> list:
        return [self.learner_objects[pk] for pk in self.cleaned_data["learners"]]

    @property
    def ticked(self) -> set[int]:
        """Learner ids ticked in the submitted data, to keep them ticked on an error."""
        if not self.is_bound:
            return set()
        return {int(value) for value in self.data.getlist("learners") if value.isdigit()}
