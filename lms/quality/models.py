"""The quality register: complaints and difficulties (Qualiopi indicator 31), improvement
actions (indicator 32), and the funding of each enrolment (the BPF's cadre C)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import (
    ComplainantKind,
    ComplaintChannel,
    ComplaintStatus,
    FunderType,
    ImprovementSource,
    ImprovementStatus,
)

# A date typed 20226 or 1026 is a typo, not a record: the register keeps to this century's
# bounds so that exports, filters by year and the audit pack never meet an absurd year.
DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)
DATE_VALIDATORS = [MinValueValidator(DATE_MIN), MaxValueValidator(DATE_MAX)]
TEXT_MAX = 5000  # a description, an answer: a page of text, not a book


def _bounded_text(verbose_name, **kwargs):
    # max_length alone only sizes form fields: the validator holds services to it too.
    return models.TextField(verbose_name, max_length=TEXT_MAX,
                            validators=[MaxLengthValidator(TEXT_MAX)], **kwargs)


class Complaint(models.Model):
    received_on = models.DateField(_("received on"), validators=DATE_VALIDATORS)
    complainant_kind = models.CharField(_("from"), max_length=20,
                                        choices=ComplainantKind.choices)
    complainant_name = models.CharField(_("name"), max_length=150)
    complainant_contact = models.CharField(_("contact"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=ComplaintChannel.choices)
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("group concerned"))
    path = models.ForeignKey("courses.TrainingPathPage", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("path concerned"))
    description = _bounded_text(_("description"))
    handling = _bounded_text(_("handling"), blank=True)
    answer = _bounded_text(_("answer"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True,
                                   validators=DATE_VALIDATORS)
    closed_on = models.DateField(_("closed on"), null=True, blank=True,
                                 validators=DATE_VALIDATORS)
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["status", "received_on"])]

    def __str__(self):
        return f"{self.received_on:%Y-%m-%d} · {self.complainant_name}"

    def clean(self):
        errors = {}
        received = self.received_on
        if received and self.answered_on and self.answered_on < received:
            errors["answered_on"] = _("A complaint is answered on or after the day received.")
        if received and self.closed_on and self.closed_on < received:
            errors["closed_on"] = _("A complaint is closed on or after the day received.")
        if self.status == ComplaintStatus.CLOSED and not self.closed_on:
            errors["closed_on"] = _("Give the date the complaint was closed.")
        if self.status == ComplaintStatus.ANSWERED and not (self.answer.strip()
                                                            and self.answered_on):
            errors.setdefault("answer", _("An answered complaint needs its answer and date."))
        if errors:
            raise ValidationError(errors)


class Improvement(models.Model):
    source = models.CharField(_("source"), max_length=20, choices=ImprovementSource.choices)
    complaint = models.ForeignKey(Complaint, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="improvements", verbose_name=_("complaint"))
    identified_on = models.DateField(_("identified on"), validators=DATE_VALIDATORS)
    description = _bounded_text(_("description"))
    decision = _bounded_text(_("decision"), blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True, validators=DATE_VALIDATORS)
    done_on = models.DateField(_("done on"), null=True, blank=True, validators=DATE_VALIDATORS)
    status = models.CharField(_("status"), max_length=20, choices=ImprovementStatus.choices,
                              default=ImprovementStatus.PLANNED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["-identified_on", "-pk"]

    def __str__(self):
        return f"{self.identified_on:%Y-%m-%d} · {self.get_source_display()}"

    def clean(self):
        errors = {}
        if self.source == ImprovementSource.COMPLAINT and not self.complaint_id:
            errors["complaint"] = _("Name the complaint this action comes from.")
        if self.source != ImprovementSource.COMPLAINT and self.complaint_id:
            errors["complaint"] = _("Only an action from a complaint names a complaint.")
        if self.identified_on and self.done_on and self.done_on < self.identified_on:
            errors["done_on"] = _("An action is done on or after the day it was identified.")
        if self.identified_on and self.due_on and self.due_on < self.identified_on:
            errors["due_on"] = _("The due date is before the day the action was identified.")
        if self.status == ImprovementStatus.DONE and not self.done_on:
            errors["done_on"] = _("Give the date the action was done.")
        if errors:
            raise ValidationError(errors)


class EnrollmentFunding(models.Model):
    """Who pays for an enrolment, and how much: one row per enrolment, kept out of
    lms.progress so that the learning records do not carry financial data."""

    enrollment = models.OneToOneField("progress.Enrollment", on_delete=models.CASCADE,
                                      related_name="funding", verbose_name=_("enrolment"))
    funder_type = models.CharField(_("funder"), max_length=20, choices=FunderType.choices)
    cpf_case_number = models.CharField(_("CPF case number"), max_length=30, blank=True)
    opco_name = models.CharField(_("OPCO"), max_length=100, blank=True)
    agreement_number = models.CharField(_("agreement number"), max_length=50, blank=True)
    scheme = models.CharField(_("scheme"), max_length=100, blank=True,
                              help_text=_("E.g. AIF, regional programme, Pro-A."))
    price = models.DecimalField(_("price (€)"), max_digits=9, decimal_places=2,
                                validators=[MinValueValidator(Decimal(0))])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("funding of an enrolment")
        verbose_name_plural = _("funding of enrolments")
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0),
                                              name="funding_price_not_negative")]

    def __str__(self):
        return f"{self.get_funder_type_display()} · {self.price} €"

    def clean(self):
        errors = {}
        if self.funder_type == FunderType.CPF and not self.cpf_case_number.strip():
            errors["cpf_case_number"] = _("A CPF funding needs its case number.")
        if self.funder_type == FunderType.OPCO:
            if not self.opco_name.strip():
                errors["opco_name"] = _("Name the OPCO.")
            if not self.agreement_number.strip():
                errors["agreement_number"] = _("An OPCO funding needs its agreement number.")
        if errors:
            raise ValidationError(errors)
