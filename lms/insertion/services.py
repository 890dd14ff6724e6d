"""Writes of the insertion follow-up. Every reading of confidential notes goes through
`interview_notes_read`, which logs it."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from lms.accounts.services import learner_create, learner_role_grant
from lms.core.data_rights import ERASED_TEXT

from .enums import ContractKind, ObjectiveStatus, TraineeStatus
from .models import (
    Contract,
    Exit,
    Interview,
    Milestone,
    NoteAccess,
    ObstacleAssessment,
    PlanObjective,
    Programme,
    Trainee,
    TraineeStatusChange,
)
from .perms import can_create_programme, can_edit_programme, can_follow, can_read_notes

MIN_CONTRACT_MONTHS, MAX_TOTAL_MONTHS = 4, 24

EMAIL_TAKEN = gettext_lazy(
    "An account already uses this email: choose it in the list of existing learners.")
# Said by the “New trainee” form, and by the service when two submissions raced past it.
NAMESAKE_FOUND = ngettext_lazy(
    "An account already has this name. If it is this person, choose their account below; "
    "otherwise tick “This is another person” and create again.",
    "%(count)d accounts already have this name. If one of them is this person, choose their "
    "account below; otherwise tick “This is another person” and create again.", "count")


def _require_follow(user, trainee) -> None:
    if not can_follow(user, trainee):
        raise PermissionDenied


def _months(start: datetime.date, end: datetime.date) -> float:
    return (end - start).days / 30.4375


def _require_programme_staff(by, programme: Programme) -> None:
    if not (by.sees_everything or programme.staff.filter(pk=by.pk).exists()):
        raise PermissionDenied


# Programmes -----------------------------------------------------------------------------------

PROGRAMME_FIELDS = ("name", "start_date", "end_date", "co_financed", "funders")


def _require_creator(by) -> None:
    """Managers and insertion staff create programmes (by=None: a system write, e.g. the
    demo)."""
    if by is not None and not can_create_programme(by):
        raise PermissionDenied(_("Only managers and insertion staff create insertion "
                                 "programmes."))


def _require_editor(by, programme: Programme) -> None:
    """A manager changes any programme, insertion staff those they staff."""
    if by is not None and not can_edit_programme(by, programme):
        raise PermissionDenied(_("Only a manager or the programme's staff change it."))


def _with_writer(staff: list, by) -> list:
    """Insertion staff who create or change a programme are on its staff, and stay on it
    (only a manager takes a staff member off a programme they would no longer see)."""
    if by is not None and not by.sees_everything and by not in staff:
        staff.append(by)
    return staff


def _staff_check(staff) -> list:
    staff = list(staff)
    wrong = [person for person in staff if not (person.is_insertion_staff and person.is_active)]
    if wrong:
        raise ValidationError({"staff": ValidationError(
            _("%(names)s is not an active member of the insertion staff.")
            % {"names": ", ".join(map(str, wrong))}, code="not_staff")})
    return staff


def _programme_dates_check(programme: Programme) -> None:
    if programme.end_date and programme.start_date and programme.end_date < programme.start_date:
        raise ValidationError({"end_date": ValidationError(
            _("The programme ends before it starts."), code="ends_before_start")})


@transaction.atomic
def programme_create(*, name: str, start_date, by=None, end_date=None, staff=(),
                     co_financed: bool = False, funders: str = "") -> Programme:
    """A new insertion programme with its staff (active insertion staff members). Created by
    a manager, or by a member of the insertion staff, who is then one of its staff."""
    _require_creator(by)
    programme = Programme(name=name.strip(), start_date=start_date, end_date=end_date,
                          co_financed=co_financed, funders=funders.strip())
    staff = _with_writer(_staff_check(staff), by)
    programme.full_clean()
    _programme_dates_check(programme)
    programme.save()
    programme.staff.set(staff)
    return programme


def _managers_only_check(programme: Programme, *, staff, co_financed) -> None:
    """On a programme that exists, who reads its trainees' confidential notes (its staff) and
    how long its evidence is kept (co-financed: 10 years) are a manager's decisions, not those
    of a member of its staff."""
    errors = {}
    if staff is not None and ({person.pk for person in staff}
                              != set(programme.staff.values_list("pk", flat=True))):
        errors["staff"] = ValidationError(
            _("Only a manager changes the staff of a programme: they read its trainees' "
              "confidential notes."), code="managers_only")
    if co_financed is not None and co_financed != programme.co_financed:
        errors["co_financed"] = ValidationError(
            _("Only a manager changes whether a programme is co-financed: it sets how long "
              "its evidence is kept."), code="managers_only")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def programme_update(*, programme: Programme, by=None, staff=None, **fields) -> Programme:
    """Change the fields given (PROGRAMME_FIELDS) and, when given, the staff. A staff member
    taken off the programme no longer follows its trainees; one who is the referent of some
    of them stays their referent until a colleague takes over (their history names them).
    Insertion staff change the programmes they staff, but not their staff or co-financing.
    """
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"programme_update() got unexpected fields: {', '.join(sorted(unknown))}")
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    _require_editor(by, programme)
    if staff is not None:
        staff = _with_writer(_staff_check(staff), by)
    if by is not None and not by.sees_everything:
        _managers_only_check(programme, staff=staff, co_financed=fields.get("co_financed"))
    for name, value in fields.items():
        setattr(programme, name, value.strip() if isinstance(value, str) else value)
    programme.full_clean()
    _programme_dates_check(programme)
    programme.save()
    if staff is not None:
        programme.staff.set(staff)
    return programme


# Trainees -------------------------------------------------------------------------------------

@transaction.atomic
def trainee_create(*, programme: Programme, learner, by, entry_date, referent=None,
                   pass_iae_number: str = "", pass_iae_start=None, pass_iae_end=None
                   ) -> Trainee:
    _require_programme_staff(by, programme)
    if referent is not None and not programme.staff.filter(pk=referent.pk).exists():
        raise ValidationError({"referent": _("The referent must be staff of the programme.")})
    learner_role_grant(user=learner, by=by)
    trainee = Trainee(programme=programme, learner=learner, referent=referent,
                      entry_date=entry_date, pass_iae_number=pass_iae_number,
                      pass_iae_start=pass_iae_start, pass_iae_end=pass_iae_end)
    trainee.full_clean()
    trainee.save()
    TraineeStatusChange.objects.create(trainee=trainee, to_status=trainee.status,
                                       changed_on=entry_date, changed_by=by)
    return trainee


@transaction.atomic
def trainee_create_with_learner(*, programme: Programme, by, entry_date, learner=None,
                                first_name: str = "", last_name: str = "", email: str = "",
                                namesake_ok: bool = False, **fields) -> Trainee:
    """The trainee, and first the learner's account when `learner` is None: both or neither.

    The account is made as everywhere else (lms.accounts.services.learner_create): a username
    prénom.nom, numbered when taken; no usable password; the email optional, since many
    trainees have none. Staff then give them a one-time link or QR card (“Give access” on the
    trainee's page). An existing account without a learner role becomes a trainee only by a
    manager's hand (learner_role_grant).

    An account with the same names is refused (code "namesake") unless `namesake_ok`, the
    staff member's “This is another person”: the form asks first, but two submissions at once
    both pass its check, and only this one, under a lock on the names, sees the other's."""
    if learner is None:
        # Checked before the account is made, not only by trainee_create's rollback.
        _require_programme_staff(by, programme)
        # Here the person is picked from the list of learners, not enrolled: this page's
        # words instead of the enrolment form's.
        learner = learner_create(first_name=first_name, last_name=last_name, email=email,
                                 namesake_ok=namesake_ok, by=by,
                                 email_taken_message=EMAIL_TAKEN,
                                 namesake_message=NAMESAKE_FOUND)
    return trainee_create(programme=programme, learner=learner, by=by, entry_date=entry_date,
                          **fields)


@transaction.atomic
def trainee_set_status(*, trainee: Trainee, status: TraineeStatus, by, reason: str = "",
                       on=None) -> Trainee:
    _require_follow(by, trainee)
    trainee = Trainee.objects.select_for_update().get(pk=trainee.pk)
    if trainee.status == status:
        return trainee
    on = on or timezone.localdate()
    TraineeStatusChange.objects.create(trainee=trainee, from_status=trainee.status,
                                       to_status=status, changed_on=on, changed_by=by,
                                       reason=reason)
    trainee.status, trainee.status_changed_at = status, on
    trainee.save(update_fields=["status", "status_changed_at"])
    return trainee


@transaction.atomic
def contract_add(*, trainee: Trainee, by, start_date, end_date, weekly_hours,
                 kind: ContractKind | None = None) -> Contract:
    """An insertion contract lasts at least 4 months; with renewals, 24 months at most."""
    _require_follow(by, trainee)
    previous = list(trainee.contracts.order_by("start_date"))
    kind = kind or (ContractKind.RENEWAL if previous else ContractKind.INITIAL)
    errors = {}
    if end_date <= start_date:
        errors["end_date"] = _("The contract must end after it starts.")
    elif _months(start_date, end_date) < MIN_CONTRACT_MONTHS - 0.05:
        errors["end_date"] = _("An insertion contract lasts at least 4 months.")
    if previous and start_date <= previous[-1].end_date:
        errors["start_date"] = _("A renewal starts after the previous contract ends.")
    if previous and _months(previous[0].start_date, end_date) > MAX_TOTAL_MONTHS + 0.05:
        errors["end_date"] = _("With renewals, the contract cannot exceed 24 months.")
    if kind == ContractKind.RENEWAL and not previous:
        errors["kind"] = _("A renewal needs an initial contract.")
    if errors:
        raise ValidationError(errors)
    contract = Contract(trainee=trainee, kind=kind, start_date=start_date, end_date=end_date,
                        weekly_hours=weekly_hours)
    contract.full_clean()
    contract.save()
    return contract


def objective_add(*, trainee: Trainee, by, category, title: str, target_date=None,
                  training_path=None) -> PlanObjective:
    _require_follow(by, trainee)
    objective = PlanObjective(trainee=trainee, category=category, title=title.strip(),
                              target_date=target_date, training_path=training_path)
    objective.full_clean()
    objective.save()
    return objective


def objective_set_status(*, objective: PlanObjective, by, status: ObjectiveStatus
                         ) -> PlanObjective:
    _require_follow(by, objective.trainee)
    objective.status = status
    objective.full_clean()
    objective.save(update_fields=["status"])
    return objective


def milestone_add(*, objective: PlanObjective, by, title: str, due_date=None) -> Milestone:
    _require_follow(by, objective.trainee)
    milestone = Milestone(objective=objective, title=title.strip(), due_date=due_date)
    milestone.full_clean()
    milestone.save()
    return milestone


def milestone_done(*, milestone: Milestone, by, on=None) -> Milestone:
    _require_follow(by, milestone.objective.trainee)
    milestone.done_on = on or timezone.localdate()
    milestone.save(update_fields=["done_on"])
    return milestone


def obstacle_assess(*, trainee: Trainee, by, category, severity: int, note: str = "",
                    on=None) -> ObstacleAssessment:
    _require_follow(by, trainee)
    assessment = ObstacleAssessment(trainee=trainee, category=category, severity=severity,
                                    note=note.strip(), assessed_by=by,
                                    assessed_on=on or timezone.localdate())
    assessment.full_clean()
    assessment.save()
    return assessment


def interview_record(*, trainee: Trainee, by, date, kind, notes: str = "",
                     next_steps: str = "") -> Interview:
    if not can_read_notes(by, trainee):
        raise PermissionDenied(_("Only the programme's staff record interviews."))
    if date > timezone.localdate():
        raise ValidationError({"date": _("An interview is recorded once it has taken place.")})
    interview = Interview(trainee=trainee, staff=by, date=date, kind=kind, notes=notes.strip(),
                          next_steps=next_steps.strip())
    interview.full_clean()
    interview.save()
    return interview


def interview_notes_read(*, trainee: Trainee, user, context: str) -> list[Interview]:
    """The trainee's interviews with their confidential notes; the reading is logged."""
    if not can_read_notes(user, trainee):
        raise PermissionDenied
    NoteAccess.objects.create(trainee=trainee, user=user, context=context[:60])
    return list(trainee.interviews.select_related("staff"))


@transaction.atomic
def exit_record(*, trainee: Trainee, by, date, category, outcome, comment: str = "",
                planned: bool = False) -> Exit:
    _require_follow(by, trainee)
    exit_ = Exit.objects.filter(trainee=trainee).first() or Exit(trainee=trainee)
    exit_.date, exit_.category, exit_.outcome = date, category, outcome
    exit_.comment, exit_.planned = comment.strip(), planned
    exit_.full_clean()
    exit_.save()
    if not planned:
        trainee_set_status(trainee=trainee, status=TraineeStatus.EXITED, by=by,
                           reason=str(exit_), on=date)
    return exit_


# Personal data (lms.privacy's export and erasure) ------------------------------------------

# NoteAccess.context of a reading of the notes by a personal-data export.
EXPORT_CONTEXT = "personal data export"


def notes_export_log(*, learner, by) -> None:
    """A personal-data export asked by staff (`by`) reads the confidential notes about
    `learner`: logged like any other reading."""
    NoteAccess.objects.bulk_create([
        NoteAccess(trainee=trainee, user=by, context=EXPORT_CONTEXT)
        for trainee in Trainee.objects.filter(learner=learner)
    ])


def learner_insertion_erase(*, learner) -> dict[str, int]:
    """The identifying and free text of a person's insertion follow-up: PASS IAE number,
    reasons, plan titles, obstacle notes, interview notes, exit comments. Dates, statuses,
    contracts, levels and outcomes stay for the figures owed to funders."""
    trainees = Trainee.objects.filter(learner=learner)
    return {
        "trainee_records": trainees.update(pass_iae_number=""),
        "trainee_status_reasons": TraineeStatusChange.objects.filter(
            trainee__in=trainees).exclude(reason="").update(reason=""),
        "plan_objectives": PlanObjective.objects.filter(trainee__in=trainees).update(
            title=ERASED_TEXT),
        "milestones": Milestone.objects.filter(objective__trainee__in=trainees).update(
            title=ERASED_TEXT),
        "obstacle_notes": ObstacleAssessment.objects.filter(trainee__in=trainees)
        .exclude(note="").update(note=""),
        "interview_notes": Interview.objects.filter(trainee__in=trainees).update(
            notes="", next_steps=""),
        "exit_comments": Exit.objects.filter(trainee__in=trainees).exclude(comment="")
        .update(comment=""),
    }
