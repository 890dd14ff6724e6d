"""Forms of the insertion staff's dashboard and trainee pages. They check the input; the rules
of the follow-up are the services' (their errors are added back to the form)."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import TrainingPathPage
from lms.accounts.fields import PersonNameField
from lms.accounts.models import User
from lms.accounts.services import email_taken, is_namesake_refusal
from lms.accounts.validators import validate_sane_date
from lms.core.forms import add_service_errors

from .enums import (
    EXIT_OUTCOMES,
    ContractKind,
    ExitCategory,
    InterviewKind,
    ObjectiveCategory,
    ObjectiveStatus,
    ObstacleCategory,
    Severity,
    TraineeStatus,
)
from .selectors import SORTS, Namesake, namesakes_seen_by
from .services import EMAIL_TAKEN, NAMESAKE_FOUND

# type="date" inputs only take ISO dates, whatever the language of the page.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = [("", "---------")]


def date_field(label, *, required=True, initial=None, help_text=""):
    return forms.DateField(label=label, required=required, initial=initial,
                           widget=DATE_WIDGET, help_text=help_text,
                           validators=[validate_sane_date])


def not_in_future(day):
    if day and day > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))
    return day


# Dashboard ----------------------------------------------------------------------------------

class DashboardFilterForm(forms.Form):
    """Filters and sort order of the dashboard, from the query string. A wrong value is
    dropped, never an error page."""

    programme = forms.TypedChoiceField(label=_("Programme"), coerce=int, required=False,
                                       empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All"))] + TraineeStatus.choices)
    referent = forms.TypedChoiceField(label=_("Referent"), coerce=int, required=False,
                                      empty_value=None)
    alerts = forms.BooleanField(label=_("Only trainees with an alert"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (f"{prefix}{key}", key) for key in SORTS for prefix in ("", "-")])

    def __init__(self, *args, programmes, referents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("All"))] + [
            (programme.pk, programme.name) for programme in programmes]
        self.fields["referent"].choices = [("", _("All"))] + [
            (user.pk, str(user)) for user in referents]

    @property
    def values(self) -> dict:
        """The valid values only: an invalid parameter is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "programme_id": data.get("programme"),
            "status": data.get("status") or None,
            "referent_id": data.get("referent"),
            "only_alerts": bool(data.get("alerts")),
            "sort": data.get("sort") or "name",
        }


# Trainee ------------------------------------------------------------------------------------

class PageForm(forms.Form):
    """A form among several on the trainee page: its own ids, but plain field names."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def learner_choices(user):
    """Users who may become trainees: learners, and for a manager also accounts without any
    role (only a manager makes an account a learner: lms.accounts.services.learner_role_grant)."""
    people = User.objects.filter(is_active=True)
    if user.sees_everything:
        people = people.filter(Q(is_learner=True) | Q(
            is_trainer=False, is_insertion_staff=False, is_manager=False, is_staff=False,
            is_superuser=False))
    else:
        people = people.filter(is_learner=True)
    return people.order_by("last_name", "first_name", "pk")


class TraineeCreateForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    learner = forms.ModelChoiceField(
        label=_("Existing learner"), queryset=None, required=False,
        help_text=_("Choose a learner who already has an account, or fill in the new "
                    "learner's details below."),
    )
    first_name = PersonNameField(label=_("First name"), max_length=150, required=False)
    last_name = PersonNameField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address (optional)"), max_length=254,
                             required=False)
    # Shown only once accounts with the new learner's name were found (`namesakes`): one of
    # them is chosen instead, or the staff member confirms it is someone else.
    namesake = forms.ModelChoiceField(
        label=_("Does this person already have an account?"), queryset=None, required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("This account can no longer be chosen.")},
    )
    namesake_ok = forms.BooleanField(
        label=_("This is another person, who has the same name"), required=False)
    referent = forms.ModelChoiceField(label=_("Referent"), queryset=None, required=False)
    entry_date = date_field(_("Entry date"), initial=timezone.localdate)
    pass_iae_number = forms.CharField(label=_("PASS IAE number"), max_length=30, required=False)
    pass_iae_start = date_field(_("PASS IAE valid from"), required=False)
    pass_iae_end = date_field(_("PASS IAE valid until"), required=False)

    def __init__(self, *args, programmes, referents, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.namesakes: list[Namesake] = []
        self.fields["programme"].queryset = programmes
        self.fields["referent"].queryset = referents
        self.fields["learner"].queryset = learner_choices(user)
        # Any account the list above offers: choosing it here gives nothing more away.
        self.fields["namesake"].queryset = learner_choices(user)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        new = [data.get(name) for name in ("first_name", "last_name", "email")]
        chosen = data.get("namesake")
        if data.get("learner") and (any(new) or chosen):
            raise ValidationError(_("Choose an existing learner or create a new one, not both."))
        if "learner" in data and not data.get("learner"):
            if chosen and not data.get("namesake_ok"):
                self._use_namesake(data)
            else:
                self._check_new_learner(data)
        start, end = data.get("pass_iae_start"), data.get("pass_iae_end")
        if start and end and end < start:
            self.add_error("pass_iae_end", _("The PASS IAE ends before it starts."))
        return data

    def _find_namesakes(self, data) -> None:
        first, last = data.get("first_name"), data.get("last_name")
        if first and last and not self.has_error("email"):
            self.namesakes = namesakes_seen_by(self.user, first_name=first, last_name=last)

    def _use_namesake(self, data) -> None:
        """One of the accounts with this name was chosen: it is followed, and nothing of the
        details typed is created."""
        # Still listed, so that the choice stays on the page after another field's error.
        self._find_namesakes(data)
        data.update(learner=data["namesake"], first_name="", last_name="", email="")

    def _check_new_learner(self, data) -> None:
        new = [data.get(name) for name in ("first_name", "last_name", "email")]
        if not any(new) and not self.has_error("email"):
            raise ValidationError(_("Choose an existing learner or give the new "
                                    "learner's first name and last name."))
        # No email needed: many trainees have none, and get a one-time access link.
        for name in ("first_name", "last_name"):
            if not data.get(name) and not self.has_error(name):
                self.add_error(name, _("Needed to create the learner."))
        email = data.get("email")
        # The service refuses it too; said here, it comes with the form's other errors.
        if email and email_taken(email):
            self.add_error("email", ValidationError(EMAIL_TAKEN, code="email_taken"))
        # Without an email, a second account for the same person would go unnoticed: as on
        # the enrolment form, an account with the same names stops the form until one of
        # them is chosen or the staff member ticks “This is another person”. Looked up even
        # once ticked, so that the box stays on the page after another field's error.
        self._find_namesakes(data)
        if data.get("namesake"):
            self.add_error(None, ValidationError(
                _("Choose one of the accounts with this name or tick “This is another "
                  "person”, not both."), code="namesake_both"))
        elif self.namesakes and not data.get("namesake_ok"):
            self.add_error(None, ValidationError(NAMESAKE_FOUND, code="namesake",
                                                 params={"count": len(self.namesakes)}))

    def refused(self, error: ValidationError) -> None:
        """The service's refusal (`trainee_create_with_learner`) as this form's errors."""
        if is_namesake_refusal(error):
            # Another submission made an account with this name after this form was checked
            # (a double click): checked again, the form now finds it and asks as it would
            # have, that account among the choices.
            self.full_clean()
            if self.has_error(NON_FIELD_ERRORS, "namesake"):
                return
        add_service_errors(self, error)

    @property
    def asks_namesake(self) -> bool:
        """Whether to show the accounts with this name and the “another person” box."""
        return bool(self.namesakes)

    @property
    def chosen_namesake(self) -> str:
        """The account ticked in the submitted data, to keep it ticked on an error — but not
        when it came with “This is another person”: a radio button cannot be unticked."""
        if not self.is_bound or self.has_error(NON_FIELD_ERRORS, "namesake_both"):
            return ""
        return str(self.data.get("namesake", ""))


class StatusForm(PageForm):
    id_prefix = "status"

    status = forms.ChoiceField(label=_("New status"), choices=[
        (value, label) for value, label in TraineeStatus.choices
        if value != TraineeStatus.EXITED])
    reason = forms.CharField(label=_("Reason"), max_length=300)
    on = date_field(_("Since"), initial=timezone.localdate)

    def __init__(self, *args, trainee, **kwargs):
        super().__init__(*args, **kwargs)
        self.trainee = trainee
        self.fields["status"].help_text = _("An exit is recorded with the exit form.")

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == self.trainee.status:
            raise ValidationError(_("The trainee already has this status."))
        return status

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


class ContractForm(PageForm):
    id_prefix = "contract"

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Automatic"))] + ContractKind.choices,
        help_text=_("Automatic: the first contract is the initial one, the next are renewals."),
    )
    start_date = date_field(_("Start"))
    end_date = date_field(_("End"))
    weekly_hours = forms.DecimalField(
        label=_("Weekly hours"), min_value=20, max_value=35, max_digits=4, decimal_places=1,
        help_text=_("Between 20 and 35 hours a week for a CDDI."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The contract must end after it starts."))
        return data


class ObjectiveForm(PageForm):
    id_prefix = "objective"

    category = forms.ChoiceField(label=_("Category"), choices=BLANK + ObjectiveCategory.choices)
    title = forms.CharField(label=_("Objective"), max_length=250)
    target_date = date_field(_("Target date"), required=False)
    training_path = forms.ModelChoiceField(label=_("Training path"), required=False,
                                           queryset=None, empty_label=_("— none —"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["training_path"].queryset = (TrainingPathPage.objects.live()
                                                 .order_by("title"))


class ObjectiveStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ObjectiveStatus.choices)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=250)
    due_date = date_field(_("Due date"), required=False)


class MilestoneDoneForm(forms.Form):
    done_on = date_field(_("Done on"), required=False)

    def clean_done_on(self):
        return not_in_future(self.cleaned_data["done_on"])


class ObstacleForm(PageForm):
    id_prefix = "obstacle"

    category = forms.ChoiceField(label=_("Obstacle"), choices=BLANK + ObstacleCategory.choices)
    severity = forms.TypedChoiceField(
        label=_("Severity"), coerce=int,
        choices=BLANK + [(value, f"{value} — {label}") for value, label in Severity.choices])
    assessed_on = date_field(_("Date"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_assessed_on(self):
        return not_in_future(self.cleaned_data["assessed_on"])


class InterviewForm(PageForm):
    id_prefix = "interview"

    date = date_field(_("Date"), initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("Type"), choices=BLANK + InterviewKind.choices)
    notes = forms.CharField(
        label=_("Confidential notes"), required=False, max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Read only by the programme's staff; every reading is logged."),
    )
    next_steps = forms.CharField(label=_("Next steps"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(_("An interview is recorded once it has taken place."))
        return day


def outcome_choices():
    """Outcomes grouped under their category, so the list shows which goes with which."""
    return BLANK + [(ExitCategory(category).label, [(outcome.value, outcome.label)
                                                   for outcome in outcomes])
                    for category, outcomes in EXIT_OUTCOMES.items()]


class ExitForm(PageForm):
    id_prefix = "exit"

    date = date_field(_("Exit date"))
    category = forms.ChoiceField(label=_("Category"), choices=BLANK + ExitCategory.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=outcome_choices)
    planned = forms.BooleanField(
        label=_("Planned, not yet effective"), required=False,
        help_text=_("An effective exit ends the follow-up: the trainee's status becomes "
                    "“exited”."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        category, outcome = data.get("category"), data.get("outcome")
        if category and outcome and outcome not in EXIT_OUTCOMES.get(category, []):
            self.add_error("outcome", _("This outcome does not belong to the category."))
        day, today = data.get("date"), timezone.localdate()
        if day and not data.get("planned") and day > today:
            self.add_error("date", _("This date is ahead: tick “planned” or record the exit "
                                     "once it has happened."))
        if day and data.get("planned") and day < today:
            self.add_error("date", _("This date has passed: record the exit as effective."))
        return data


# Programmes ---------------------------------------------------------------------------------

class ProgrammeForm(forms.Form):
    """An insertion programme and its staff. A manager chooses all its staff; a member of the
    insertion staff is on it anyway (services.programme_create / programme_update keep them)
    and chooses the colleagues who follow its trainees with them."""

    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET,
                                 validators=[validate_sane_date])
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET, required=False,
                               validators=[validate_sane_date])
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=User.objects.none(),
        help_text=_("The insertion staff who follow its trainees."))
    co_financed = forms.BooleanField(
        label=_("co-financed (e.g. ESF)"), required=False,
        help_text=_("Co-financed programmes keep supporting evidence for 10 years."))
    funders = forms.CharField(label=_("Funders"), max_length=300, required=False)

    def __init__(self, *args, programme=None, user=None, **kwargs):
        if programme is not None:
            kwargs.setdefault("initial", {
                "name": programme.name, "start_date": programme.start_date,
                "end_date": programme.end_date, "co_financed": programme.co_financed,
                "funders": programme.funders,
                "staff": [member.pk for member in programme.staff.all()]})
        super().__init__(*args, **kwargs)
        staff = User.objects.insertion_staff().filter(is_active=True)
        if user is not None and not user.sees_everything:
            staff = staff.exclude(pk=user.pk)
            self.fields["staff"].label = _("Colleagues")
            self.fields["staff"].help_text = _(
                "You follow its trainees: tick the colleagues who follow them with you.")
            if programme is not None:
                # Who reads the notes and how long evidence is kept: a manager's to change
                # (services.programme_update); shown, sent back as they are.
                self.initial["staff"] = [pk for pk in self.initial.get("staff", ())
                                         if pk != user.pk]
                for name, help_text in (
                        ("staff", _("Only a manager changes the staff of a programme.")),
                        ("co_financed", _("Only a manager changes this."))):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = help_text
        self.fields["staff"].queryset = staff.order_by("last_name", "first_name", "pk")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The programme ends before it starts."))
        return data
