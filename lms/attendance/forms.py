"""Forms of the roll call, the signature pads, the self check-in and the absence notices."""

import re
from dataclasses import dataclass, field

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from lms.cohorts.models import Cohort
from lms.core.parsers import json_loads_bounded

from .services import MarkInput

# type="date" inputs only take ISO dates, whatever the language of the page.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ROW_FIELD = re.compile(r"^(status|late|comment)_(\d+)$")
# What a declared absence pre-sets on the roll call.
PRESET_STATUS = "excused"
REASON_HELP = _("This sheet is locked: the change is kept in the audit trail with its reason.")


def reason_field() -> forms.CharField:
    return forms.CharField(label=_("Reason for changing a locked sheet"), max_length=300,
                           help_text=REASON_HELP,
                           error_messages={"required": _("Give the reason for the change.")})


@dataclass
class RollCallRow:
    """One learner's line of the roll call, ready for the template."""

    learner: object
    status: forms.BoundField
    late: forms.BoundField
    comment: forms.BoundField
    initials: SafeString
    mark: object = None
    notices: list = field(default_factory=list)
    # A status shown checked though not saved yet: "excused" for a learner unmarked who
    # declared their absence. Its hidden initial stays "", so saving the form records it.
    preset: str = ""

    @property
    def status_options(self) -> list[dict]:
        """The status radios as plain values: the template writes the inputs itself, as
        rendering a widget template per radio cost about half of a 30-learner page."""
        status = self.status
        checked = status.field.widget.format_value(status.value())
        if self.preset and checked in ([], [""]):
            checked = [self.preset]
        return [
            {"value": value, "label": label, "id": f"{status.auto_id}_{index}",
             "checked": str(value) in checked}
            for index, (value, label) in enumerate(status.field.choices)
        ]

    @property
    def errors(self) -> list[str]:
        return [*self.status.errors, *self.late.errors, *self.comment.errors]

    @property
    def details_open(self) -> bool:
        """Keep the late/comment section open when it holds something or an error."""
        return bool(self.late.errors or self.comment.errors or self.late.value()
                    not in (None, "", "0", 0) or self.comment.value())


def _hidden_initials(bound_fields) -> SafeString:
    """What BoundField.as_hidden(only_initial=True) writes, without a template per input."""
    inputs = []
    for bound in bound_fields:
        hidden = bound.field.hidden_widget()
        if bound.html_initial_name in bound.form.data:
            # Re-displayed after an error: carry on the value first shown, as Django does, so
            # that a check-in made meanwhile still counts as "not changed by the trainer".
            value = bound.form._widget_data_value(hidden, bound.html_initial_name)
        else:
            value = bound.value()
        value = hidden.format_value(value)
        inputs.append((bound.html_initial_name,
                       format_html(' value="{}"', value) if value is not None else "",
                       bound.html_initial_id))
    return format_html_join("", '<input type="hidden" name="{}"{} id="{}">', inputs)


class RollCallForm(forms.Form):
    """The whole group's marks in one form: per learner a status (or unmarked), minutes late
    and a comment. Every field also carries its initial value in a hidden input, so only the
    lines the trainer changed are saved: a learner who checked in on their phone while this
    page was open is not set back to unmarked."""

    def __init__(self, *args, learners, statuses, marks, statuses_by_pk, max_late: int,
                 override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.learners = learners
        self.marks = marks
        active = [(status.code, status.display_label) for status in statuses]
        active_codes = {code for code, _label in active}
        for learner in learners:
            mark = marks.get(learner.pk)
            current = statuses_by_pk.get(mark.status_id) if mark else None
            choices = [("", _("Unmarked")), *active]
            if current and current.code not in active_codes:
                # A status retired since the mark was given stays shown, so it is kept as is.
                choices.append((current.code, current.display_label))
            self.fields[f"status_{learner.pk}"] = forms.ChoiceField(
                label=_("Status"), choices=choices, required=False, widget=forms.RadioSelect,
                initial=current.code if current else "", show_hidden_initial=True,
            )
            self.fields[f"late_{learner.pk}"] = forms.IntegerField(
                label=_("Minutes late"), required=False, min_value=0, max_value=max_late,
                initial=mark.minutes_late if mark else 0, show_hidden_initial=True,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "rollcall__late"}),
            )
            self.fields[f"comment_{learner.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=300,
                initial=mark.comment if mark else "", show_hidden_initial=True,
            )
        if override:
            self.fields["reason"] = reason_field()

    def clean(self):
        cleaned = super().clean()
        roster = {learner.pk for learner in self.learners}
        for key in self.data:
            match = ROW_FIELD.match(key)
            if match and int(match.group(2)) not in roster:
                raise forms.ValidationError(
                    _("The form names a learner who is not in this group. Reload the page "
                      "and try again."), code="foreign_learner")
        return cleaned

    def rows(self, notices_by_learner=None, *, preset_notices: bool = False
             ) -> list[RollCallRow]:
        """The lines of the form; with `preset_notices`, an unmarked learner who declared an
        absence for the day is shown as excused (the trainer can change it)."""
        notices_by_learner = notices_by_learner or {}
        codes = ({code for code, _label in self.fields[f"status_{self.learners[0].pk}"].choices}
                 if self.learners else set())
        excused = preset_notices and not self.is_bound and PRESET_STATUS in codes
        rows = []
        for learner in self.learners:
            names = [f"status_{learner.pk}", f"late_{learner.pk}", f"comment_{learner.pk}"]
            bound = [self[name] for name in names]
            rows.append(RollCallRow(
                learner=learner, status=bound[0], late=bound[1], comment=bound[2],
                initials=_hidden_initials(bound),
                mark=self.marks.get(learner.pk),
                notices=notices_by_learner.get(learner.pk, []),
                preset=PRESET_STATUS if (
                    excused and notices_by_learner.get(learner.pk)
                    and not getattr(self.marks.get(learner.pk), "status_id", None)) else "",
            ))
        return rows

    def mark_inputs(self) -> list[MarkInput]:
        """Marks of the learners whose line changed; the others are left as they are."""
        changed = set(self.changed_data)
        marks = []
        for learner in self.learners:
            names = (f"status_{learner.pk}", f"late_{learner.pk}", f"comment_{learner.pk}")
            if not changed.intersection(names):
                continue
            marks.append(MarkInput(
                learner_id=learner.pk,
                status=self.cleaned_data[names[0]] or None,
                minutes_late=self.cleaned_data[names[1]] or 0,
                comment=self.cleaned_data[names[2]] or "",
            ))
        return marks

    def field_name_for(self, error_key: str, marks: list[MarkInput]) -> str | None:
        """The form field of a service error keyed like "marks[2].status"."""
        match = re.match(r"^marks\[(\d+)\]\.(\w+)$", error_key)
        if not match or int(match.group(1)) >= len(marks):
            return None
        learner_id = marks[int(match.group(1))].learner_id
        prefix = {"status": "status", "minutes_late": "late", "comment": "comment"}.get(
            match.group(2))
        return f"{prefix}_{learner_id}" if prefix else None


class StrokesField(forms.CharField):
    """Strokes drawn on the pad, posted as a JSON list of SVG path data strings. Their content
    is checked by the service, which rebuilds the SVG itself."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": _("Sign in the box first.")})
        super().__init__(max_length=80_000, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            strokes = json_loads_bounded(value)
        except ValueError:
            strokes = None
        if not isinstance(strokes, list) or not all(isinstance(s, str) for s in strokes):
            raise forms.ValidationError(_("The signature is not valid drawing data."),
                                        code="invalid")
        if not strokes:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return strokes


class SignatureForm(forms.Form):
    strokes = StrokesField(label=_("Signature"))

    def __init__(self, *args, override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if override:
            self.fields["reason"] = reason_field()


class PaperSignatureForm(forms.Form):
    """The manual fallback: a single button, plus the reason on a locked sheet."""

    def __init__(self, *args, override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if override:
            self.fields["reason"] = reason_field()


class CountersignForm(forms.Form):
    strokes = StrokesField(label=_("Your countersignature"))
    confirm_unsigned = forms.BooleanField(
        label=_("I close the sheet although these learners did not sign: it will show them "
                "as present, not signed."), required=False)

    def __init__(self, *args, unsigned=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not unsigned:
            # Nothing to confirm: the box is not shown, and an old one posted means nothing.
            self.fields["confirm_unsigned"].widget = forms.HiddenInput()


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Attendance code"), max_length=12, strip=True,
        help_text=_("The 6 characters shown on your trainer's screen."),
        error_messages={"required": _("Type the code shown on your trainer's screen.")},
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
            "class": "checkin__input",
        }),
    )


class AbsenceNoticeEditForm(forms.Form):
    """The dates and reason of a notice: declaring one (with its group), or changing it."""

    start_date = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("To (included)"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to your trainers on the roll call, e.g. a medical appointment."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return cleaned


class AbsenceNoticeForm(AbsenceNoticeEditForm):
    cohort = forms.ModelChoiceField(
        label=_("Group"), queryset=Cohort.objects.none(), empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your groups.")},
    )
    field_order = ["cohort", "start_date", "end_date", "reason"]

    def __init__(self, *args, cohorts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts


class MarkForm(forms.Form):
    """One learner's line, saved on its own as soon as the trainer taps a status (the roll
    call's script posts it): status code or "" for unmarked, minutes late, comment."""

    status = forms.CharField(required=False, max_length=40)
    late = forms.IntegerField(required=False, min_value=0)
    comment = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, status_codes, max_late: int, override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.status_codes = set(status_codes)
        self.fields["late"].validators.append(MaxValueValidator(max_late))
        if override:
            self.fields["reason"] = reason_field()

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status and status not in self.status_codes:
            raise forms.ValidationError(_("Unknown status."), code="invalid_choice")
        return status

    def mark_input(self, learner_id: int) -> MarkInput:
        data = self.cleaned_data
        return MarkInput(learner_id=learner_id, status=data["status"] or None,
                         minutes_late=data["late"] or 0, comment=data["comment"] or "")
