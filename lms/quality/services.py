"""Writes of the quality register and of funding: every write validates the whole record
(model.full_clean) so that forms, the API and the demo hold the same rules."""

from django.db import transaction

from .models import Complaint, EnrollmentFunding, Improvement

COMPLAINT_FIELDS = ("received_on", "complainant_kind", "complainant_name",
                    "complainant_contact", "channel", "cohort", "path", "description",
                    "handling", "answer", "answered_on", "closed_on", "status")
IMPROVEMENT_FIELDS = ("source", "complaint", "identified_on", "description", "decision",
                      "owner", "due_on", "done_on", "status")
FUNDING_FIELDS = ("funder_type", "cpf_case_number", "opco_name", "agreement_number", "scheme",
                  "price")


def _apply(instance, fields: dict, allowed: tuple[str, ...]):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def complaint_create(*, by, **fields) -> Complaint:
    return _apply(Complaint(recorded_by=by), fields, COMPLAINT_FIELDS)


@transaction.atomic
def complaint_update(*, complaint: Complaint, by, **fields) -> Complaint:
    return _apply(complaint, fields, COMPLAINT_FIELDS)


@transaction.atomic
def improvement_create(*, by, **fields) -> Improvement:
    return _apply(Improvement(recorded_by=by), fields, IMPROVEMENT_FIELDS)


@transaction.atomic
def improvement_update(*, improvement: Improvement, by, **fields) -> Improvement:
    return _apply(improvement, fields, IMPROVEMENT_FIELDS)


@transaction.atomic
def funding_save(*, enrollment, by, **fields) -> EnrollmentFunding:
    """Record or change who funds `enrollment` and its price. Fields of another funder type
    than the one chosen are emptied: a CPF case number left on an OPCO funding would be
    printed in the BPF's lists as if it meant something."""
    funding = (EnrollmentFunding.objects.select_for_update().filter(enrollment=enrollment)
               .first() or EnrollmentFunding(enrollment=enrollment))
    funding.updated_by = by
    funder_type = fields.get("funder_type", funding.funder_type)
    if funder_type != "cpf":
        fields["cpf_case_number"] = ""
    if funder_type != "opco":
        fields["opco_name"] = ""
        fields["agreement_number"] = ""
    return _apply(funding, fields, FUNDING_FIELDS)
