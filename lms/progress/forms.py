"""Forms of the trainer and manager views."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from courses.referential import MAX_LEVEL, MIN_LEVEL
from lms.accounts.fields import PersonNameField
from lms.accounts.learner_search import MAX_QUERY_LENGTH, MAX_RESULTS, namesakes
from lms.accounts.services import EMAIL_TAKEN, NAMESAKE_FOUND, email_taken
from lms.accounts.validators import validate_sane_date

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
                                  widget=DATE_WIDGET, validators=[validate_sane_date])
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
                _("%(framework)s %(code)s %(name)s — target level %(level)s") % {
                    "framework": competence.framework.short_name, "code": competence.code,
                    "name": competence.name, "level": level},
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


# --- Enrolment by the staff ------------------------------------------------------------------


class LearnerSearchForm(forms.Form):
    """The search of existing learners, sent by GET: its results are a link one can share."""

    q = forms.CharField(
        label=_("Name, username or email"), max_length=MAX_QUERY_LENGTH,
        required=False,
        help_text=_("One or more words, each found anywhere in the name, username or email; "
                    "accents and capitals do not matter."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                      "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "search-%s")
        super().__init__(*args, **kwargs)

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


def cohort_label(cohort) -> str:
    return _("%(name)s, from %(start)s to %(end)s") % {
        "name": cohort.name, "start": date_format(cohort.start_date, "SHORT_DATE_FORMAT"),
        "end": date_format(cohort.end_date, "SHORT_DATE_FORMAT")}


class EnrollmentTargetForm(forms.Form):
    """A form that enrols into the path: it chooses a cohort of it among those the user may
    enrol into (`cohorts`), or none when `outside_allowed`."""

    id_prefix = "enrol"

    def __init__(self, *args, cohorts, outside_allowed: bool, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
        self.cohort_objects = {cohort.pk: cohort for cohort in cohorts}
        choices = [(cohort.pk, cohort_label(cohort)) for cohort in cohorts]
        if outside_allowed:
            choices.insert(0, ("", _("No group")))
        elif len(choices) != 1:
            choices.insert(0, ("", _("Choose a group")))
        self.fields["cohort"] = forms.TypedChoiceField(
            label=_("Group"), choices=choices, coerce=int, empty_value=None,
            required=not outside_allowed,
            help_text=None if outside_allowed else _(
                "You enrol learners in the groups you train."),
            error_messages={"required": _("Choose a group."),
                            "invalid_choice": _("Choose one of the groups of the list.")},
        )
        # Empty: from today, or from tomorrow when a sheet of today is already closed.
        self.fields["joined_on"] = forms.DateField(
            label=_("In the group from (optional)"), required=False, widget=DATE_WIDGET,
            validators=[validate_sane_date],
            help_text=_("The first day the learner is expected at the group's sessions; "
                        "today by default."))

    def clean_joined_on(self):
        day = self.cleaned_data.get("joined_on")
        cohort = self.cohort_objects.get(self.cleaned_data.get("cohort"))
        if day is not None and cohort is not None and not (
                cohort.start_date <= day <= cohort.end_date):
            raise forms.ValidationError(_(
                "Choose a day within the cohort's dates, from %(start)s to %(end)s.") % {
                "start": f"{cohort.start_date:%d/%m/%Y}", "end": f"{cohort.end_date:%d/%m/%Y}"})
        return day

    @property
    def selected_cohort(self):
        return self.cohort_objects.get(self.cleaned_data.get("cohort"))


class EnrollLearnersForm(EnrollmentTargetForm):
    """Existing learners ticked in the search results, enrolled at once."""

    learners = forms.ModelMultipleChoiceField(
        label=_("Learners"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one learner in the list."),
            "invalid_choice": _("One of the ticked learners cannot be enrolled: search again."),
            "invalid_pk_value": _("One of the ticked learners cannot be enrolled: search "
                                  "again."),
        },
    )
    # The search, to show its results again when the form has an error.
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH,
                        widget=forms.HiddenInput)

    field_order = ["learners", "cohort", "q"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learners"].queryset = (get_user_model().objects
                                            .filter(is_active=True, is_learner=True)
                                            .exclude(pk=user.pk))

    def clean_learners(self):
        learners = self.cleaned_data["learners"]
        if len(learners) > MAX_RESULTS:
            raise forms.ValidationError(ngettext_lazy(
                "Enrol at most %(max)d learner at once.",
                "Enrol at most %(max)d learners at once.", "max") % {"max": MAX_RESULTS})
        return learners

    @property
    def ticked(self) -> set[int]:
        """Learner ids ticked in the submitted data, to keep them ticked on an error."""
        if not self.is_bound:
            return set()
        return {int(value) for value in self.data.getlist("learners") if value.isdigit()}


class NewLearnerForm(EnrollmentTargetForm):
    """A person without an account yet: created, then enrolled."""

    id_prefix = "new"

    first_name = PersonNameField(label=_("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))
    last_name = PersonNameField(label=_("Last name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(label=_("Email address (optional)"), max_length=254,
                             required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    birth_date = forms.DateField(label=_("Birth date (optional)"), required=False,
                                 widget=DATE_WIDGET)
    namesake_ok = forms.BooleanField(
        label=_("This is another person, who has the same name"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH,
                        widget=forms.HiddenInput)

    field_order = ["first_name", "last_name", "email", "phone", "birth_date", "cohort",
                   "namesake_ok", "q"]

    def clean_email(self):
        # The service refuses it too; said here, it comes with the form's other errors.
        email = self.cleaned_data["email"]
        if email and email_taken(email):
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean_birth_date(self):
        day = self.cleaned_data["birth_date"]
        if day and not datetime.date(1900, 1, 1) <= day <= timezone.localdate():
            raise forms.ValidationError(_("This birth date is not plausible."))
        return day

    def clean(self):
        cleaned = super().clean()
        self.namesakes = []
        first, last = cleaned.get("first_name"), cleaned.get("last_name")
        if first and last and not cleaned.get("namesake_ok") and not self.has_error("email"):
            # Without an email, a second account for the same person would go unnoticed.
            self.namesakes = namesakes(first_name=first, last_name=last)
            if self.namesakes:
                self.add_error(None, forms.ValidationError(
                    NAMESAKE_FOUND % {"count": len(self.namesakes)}, code="namesake"))
        return cleaned

    @property
    def asks_namesake(self) -> bool:
        """Whether to show the “another person” box: after a namesake was found, or ticked."""
        return self.is_bound and (self.has_error(NON_FIELD_ERRORS, "namesake")
                                  or bool(self.data.get("namesake_ok")))


class PlaceLearnersForm(forms.Form):
    """Enrolled learners ticked on a group's placement page: those in no group join it, those
    in another group of the path move to it."""

    enrollments = forms.ModelMultipleChoiceField(
        label=_("Learners"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one learner in the list."),
            "invalid_choice": _("One of the ticked learners can no longer be placed: reload "
                                "the page."),
            "invalid_pk_value": _("One of the ticked learners can no longer be placed: reload "
                                  "the page."),
        },
    )
    on_date = forms.DateField(
        label=_("In the group from (optional)"), required=False, widget=DATE_WIDGET,
        validators=[validate_sane_date],
        help_text=_("The first day the learners are expected at the group's sessions; today "
                    "by default. A learner who moves keeps their marks in their old group."))

    def __init__(self, *args, cohort, enrollments, **kwargs):
        kwargs.setdefault("auto_id", "place-%s")
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.fields["enrollments"].queryset = enrollments

    def clean_on_date(self):
        day = self.cleaned_data.get("on_date")
        cohort = self.cohort
        if day is not None and not cohort.start_date <= day <= cohort.end_date:
            raise forms.ValidationError(_(
                "Choose a day within the cohort's dates, from %(start)s to %(end)s.") % {
                "start": f"{cohort.start_date:%d/%m/%Y}", "end": f"{cohort.end_date:%d/%m/%Y}"})
        return day
