"""Reads of the insertion follow-up: the staff dashboard (a fixed number of queries whatever
the number of trainees) and everything shown on a trainee's page."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.accounts.learner_search import namesakes
from lms.accounts.models import User
from lms.attendance.enums import AlertKind
from lms.attendance.models import AttendanceAlert
from lms.attendance.selectors import AttendanceFigures, counted_marks, figures_by_pair
from lms.core.data_rights import field_values, who
from lms.progress.models import CompetenceAssessment, Enrollment

from . import services
from .enums import ObjectiveCategory, ObstacleCategory, TraineeStatus
from .models import Contract, Interview, Programme, Trainee

ALERT_DAYS = 30
PASS_WARNING_DAYS = 60


# Dashboard ----------------------------------------------------------------------------------

@dataclass
class Alert:
    code: str
    message: str


@dataclass
class TraineeRow:
    trainee: Trainee
    contract_end: datetime.date | None
    last_interview: datetime.date | None
    competences_gained: int
    attendance_rate: Decimal | None = None
    attended_hours: Decimal | None = None  # realised and provisional together
    hours_provisional: Decimal | None = None  # of which on sheets not locked yet
    alerts: list[Alert] = field(default_factory=list)

    @property
    def name_key(self) -> tuple[str, str, int]:
        learner = self.trainee.learner
        return (learner.last_name.casefold(), learner.first_name.casefold(), self.trainee.pk)


@dataclass(frozen=True)
class Namesake:
    """An account bearing the name typed for a new trainee, as shown to the staff member: what
    the enrolment form shows of anyone (name, username), and the year of birth only of the
    trainees they follow. Built here so that the page cannot show more of the account."""

    pk: int
    name: str
    username: str
    birth_year: int | None


def namesakes_seen_by(user, *, first_name: str, last_name: str) -> list[Namesake]:
    """Learners with the same first and last names, accents and capitals aside (the enrolment
    form's comparison), as `user` may see them: 2 queries at most, whatever their number."""
    found = namesakes(first_name=first_name, last_name=last_name)
    if not found:
        return []
    followed = set(Trainee.objects.followed_by(user)
                   .filter(learner_id__in=[person.pk for person in found])
                   .order_by().values_list("learner_id", flat=True))
    return [Namesake(pk=person.pk, name=str(person), username=person.username,
                     birth_year=(person.birth_date.year
                                 if person.pk in followed and person.birth_date else None))
            for person in found]


def referents_of(programmes):
    """Staff of these programmes: who may be a trainee's referent."""
    return (User.objects.filter(insertion_programmes__in=programmes)
            .distinct().order_by("last_name", "first_name", "pk"))


def _dashboard_queryset(user):
    contract_end = (Contract.objects.filter(trainee=OuterRef("pk"))
                    .order_by("-start_date", "-pk").values("end_date")[:1])
    last_interview = (Interview.objects.filter(trainee=OuterRef("pk"))
                      .order_by("-date").values("date")[:1])
    # Distinct competences validated since entry: validations before it are not this
    # programme's work.
    gained = (CompetenceAssessment.objects.validations()
              .filter(learner=OuterRef("learner"), assessed_on__gte=OuterRef("entry_date"))
              .order_by().values("learner")
              .annotate(n=Count("competence", distinct=True)).values("n"))
    streak = (AttendanceAlert.objects
              .filter(learner=OuterRef("learner"), kind=AlertKind.ABSENCE_STREAK,
                      created_at__gte=timezone.now() - datetime.timedelta(days=ALERT_DAYS))
              .order_by("-created_at").values("created_at")[:1])
    return (Trainee.objects.followed_by(user)
            .select_related("programme", "learner", "referent", "exit")
            .annotate(contract_end=Subquery(contract_end),
                      last_interview=Subquery(last_interview),
                      competences_gained=Coalesce(Subquery(gained, output_field=IntegerField()),
                                                  Value(0)),
                      last_streak_alert=Subquery(streak)))


def _attendance_by_learner(learner_ids) -> dict[int, AttendanceFigures]:
    """{learner id: figures} over their enrolments in cohorts, in one query: marks of
    every cohort added up, so each cohort's rate weighs by its number of marked sessions."""
    # learner_id__in again inside: without it, PostgreSQL may hash every enrolment of the
    # centre for the semi-join (a sequential scan, 23 ms on 20,000 enrolments, 5 ms with it).
    enrolled = Enrollment.objects.filter(learner_id__in=learner_ids,
                                         learner_id=OuterRef("learner_id"),
                                         cohort_id=OuterRef("session__cohort_id"))
    by_pair = figures_by_pair(counted_marks().filter(learner_id__in=learner_ids)
                              .filter(Exists(enrolled)))
    totals: dict[int, AttendanceFigures] = {}
    for (learner_id, _cohort_id), figures in by_pair.items():
        totals.setdefault(learner_id, AttendanceFigures()).merge(figures)
    # A page: the hours of sheets still open count too, labelled as provisional.
    return totals


def trainee_alerts(trainee, *, contract_end, last_interview, last_streak_alert,
                   today: datetime.date) -> list[Alert]:
    if trainee.status == TraineeStatus.EXITED:
        return []  # the follow-up is over
    alerts = []
    if (contract_end is not None and not hasattr(trainee, "exit")
            and contract_end <= today + datetime.timedelta(days=ALERT_DAYS)):
        if contract_end < today:
            message = _("Contract ended on %(date)s, no exit recorded")
        else:
            message = _("Contract ends on %(date)s, no exit recorded")
        alerts.append(Alert("contract_ending", message % {"date": f"{contract_end:%d/%m/%Y}"}))
    if last_interview is not None:
        if (today - last_interview).days > ALERT_DAYS:
            alerts.append(Alert("no_interview", _("No interview for %(days)d days") % {
                "days": (today - last_interview).days}))
    elif (today - trainee.entry_date).days > ALERT_DAYS:
        alerts.append(Alert("no_interview", _("No interview since entry")))
    if last_streak_alert is not None:
        alerts.append(Alert("absence_streak", _("Consecutive absences (%(date)s)") % {
            "date": f"{timezone.localdate(last_streak_alert):%d/%m/%Y}"}))
    return alerts


def _none_last(value):
    return (value is None, value)


SORTS = {
    "name": lambda row: row.name_key,
    "contract_end": lambda row: (*_none_last(row.contract_end), row.name_key),
    # Never interviewed first: they are the most overdue.
    "last_interview": lambda row: (row.last_interview is not None, row.last_interview,
                                   row.name_key),
    "rate": lambda row: (*_none_last(row.attendance_rate), row.name_key),
}


def dashboard_rows(*, user, programme_id=None, status=None, referent_id=None,
                   only_alerts: bool = False, sort: str = "name",
                   today: datetime.date | None = None) -> list[TraineeRow]:
    """The trainees `user` follows with their figures and alerts. `sort` is a key of SORTS,
    "-" in front for descending order."""
    today = today or timezone.localdate()
    trainees = _dashboard_queryset(user)
    if programme_id:
        trainees = trainees.filter(programme_id=programme_id)
    if status:
        trainees = trainees.filter(status=status)
    if referent_id:
        trainees = trainees.filter(referent_id=referent_id)
    trainees = list(trainees)
    attendance = _attendance_by_learner({trainee.learner_id for trainee in trainees})
    rows = []
    for trainee in trainees:
        figures = attendance.get(trainee.learner_id)
        row = TraineeRow(trainee=trainee, contract_end=trainee.contract_end,
                         last_interview=trainee.last_interview,
                         competences_gained=trainee.competences_gained)
        if figures is not None:
            row.attendance_rate, row.attended_hours = figures.rate, figures.hours_total
            row.hours_provisional = figures.hours_provisional
        row.alerts = trainee_alerts(trainee, contract_end=row.contract_end,
                                    last_interview=row.last_interview,
                                    last_streak_alert=trainee.last_streak_alert, today=today)
        if row.alerts or not only_alerts:
            rows.append(row)
    descending = sort.startswith("-")
    key = SORTS.get(sort.lstrip("-"), SORTS["name"])
    rows.sort(key=key, reverse=descending)
    return rows


# Trainee page -------------------------------------------------------------------------------

@dataclass
class PassIae:
    number: str
    start: datetime.date | None
    end: datetime.date | None
    expired: bool = False
    expiring: bool = False
    days_left: int | None = None


def pass_iae(trainee, today: datetime.date) -> PassIae:
    info = PassIae(trainee.pass_iae_number, trainee.pass_iae_start, trainee.pass_iae_end)
    if info.end is not None:
        info.days_left = (info.end - today).days
        info.expired = info.days_left < 0
        info.expiring = 0 <= info.days_left <= PASS_WARNING_DAYS
    return info


@dataclass
class ObjectiveGroup:
    category: str
    label: str
    objectives: list


def plan_by_category(trainee) -> list[ObjectiveGroup]:
    """Objectives grouped by category, with their path and milestones, in two queries."""
    objectives = list(trainee.objectives.select_related("training_path")
                      .prefetch_related("milestones"))
    groups = []
    for value, label in ObjectiveCategory.choices:
        chosen = [objective for objective in objectives if objective.category == value]
        if chosen:
            groups.append(ObjectiveGroup(value, label, chosen))
    return groups


@dataclass
class ObstacleLine:
    category: str
    label: str
    history: list  # ObstacleAssessment, oldest first

    @property
    def latest(self):
        return self.history[-1]


def obstacle_lines(trainee) -> list[ObstacleLine]:
    """Per obstacle, its latest severity and the assessments before it."""
    by_category = defaultdict(list)
    for assessment in trainee.obstacles.select_related("assessed_by").order_by("assessed_on",
                                                                                "pk"):
        by_category[assessment.category].append(assessment)
    return [ObstacleLine(value, label, by_category[value])
            for value, label in ObstacleCategory.choices if by_category[value]]


@dataclass
class MonthAttendance:
    month: datetime.date  # first day of the month
    figures: AttendanceFigures = field(default_factory=AttendanceFigures)
    absences: int = 0


def attendance_by_month(trainee) -> tuple[list[MonthAttendance], AttendanceFigures]:
    """Counted marks of the trainee's enrolments in cohorts, per month, in one query."""
    cohorts = Enrollment.objects.filter(learner_id=trainee.learner_id, cohort__isnull=False
                                        ).values("cohort_id")
    months: dict[datetime.date, MonthAttendance] = {}
    overall = AttendanceFigures()
    for mark in (counted_marks().filter(learner_id=trainee.learner_id,
                                        session__cohort_id__in=cohorts)
                 .order_by("session__date", "session__start_time")):
        month = mark.session.date.replace(day=1)
        line = months.setdefault(month, MonthAttendance(month))
        line.figures.add(mark)
        overall.add(mark)
        if mark.status.is_absence:
            line.absences += 1
    return list(months.values()), overall


def validations_since_entry(trainee) -> list:
    return list(CompetenceAssessment.objects.validations()
                .filter(learner_id=trainee.learner_id, assessed_on__gte=trainee.entry_date)
                .select_related("competence", "assessed_by", "path")
                .order_by("assessed_on", "created_at", "pk"))


@dataclass
class TimelineEvent:
    date: datetime.date
    kind: str  # "interview" or "competence"
    title: str
    detail: str = ""
    by: object = None
    notes: str | None = None  # only set when the reader may see confidential notes


@dataclass
class TimelineMonth:
    month: datetime.date
    attendance: MonthAttendance | None = None
    events: list[TimelineEvent] = field(default_factory=list)


def timeline(*, interviews, validations, months: list[MonthAttendance],
             notes_readable: bool) -> list[TimelineMonth]:
    """Interviews, competence validations and monthly attendance, oldest month first."""
    by_month: dict[datetime.date, TimelineMonth] = {}

    def month_of(day):
        key = day.replace(day=1)
        return by_month.setdefault(key, TimelineMonth(key))

    for line in months:
        month_of(line.month).attendance = line
    for interview in interviews:
        month_of(interview.date).events.append(TimelineEvent(
            date=interview.date, kind="interview",
            title=_("Interview: %(kind)s") % {"kind": interview.get_kind_display()},
            detail=interview.next_steps, by=interview.staff,
            # Never touch `notes` otherwise: for other readers it is not even loaded.
            notes=interview.notes if notes_readable else None,
        ))
    for validation in validations:
        month_of(validation.assessed_on).events.append(TimelineEvent(
            date=validation.assessed_on, kind="competence",
            title=_("Competence %(code)s validated at level %(level)s") % {
                "code": validation.competence.code, "level": validation.level},
            detail=validation.competence.name, by=validation.assessed_by,
        ))
    for month in by_month.values():
        # The interview first on a day: it frames what happened that day.
        month.events.sort(key=lambda event: (event.date, event.kind != "interview"))
    return [by_month[key] for key in sorted(by_month)]


def interviews_without_notes(trainee) -> list[Interview]:
    """Interviews for a reader who may not see the notes: the column is not even loaded."""
    return list(trainee.interviews.select_related("staff").defer("notes")
                .order_by("-date", "-pk"))


# Competence chart ---------------------------------------------------------------------------

CHART_COLOURS = ["#1f4e9a", "#a4262c", "#1d6b36", "#8a4b00", "#6b2c91", "#00607a",
                 "#545459", "#b0006e"]
CHART_DASHES = ["", "6 3", "2 3", "8 3 2 3"]
MIN_LEVEL, MAX_LEVEL = 1, 8


@dataclass
class ChartPoint:
    date: datetime.date
    level: int
    x: float
    y: float

    # Coordinates as text, never localised ("12.5", not "12,5").
    @property
    def cx(self) -> str:
        return f"{self.x:.1f}"

    @property
    def cy(self) -> str:
        return f"{self.y:.1f}"


@dataclass
class ChartLine:
    code: str
    name: str
    colour: str
    dash: str
    points: list[ChartPoint]
    label_y: float = 0

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def last(self) -> ChartPoint:
        return self.points[-1]

    @property
    def label_at(self) -> str:
        return f"{self.label_y:.1f}"


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    lines: list[ChartLine]
    levels: list[tuple[int, str]]
    ticks: list[tuple[datetime.date, str]]
    start: datetime.date
    end: datetime.date

    @property
    def tick_end(self) -> int:
        return self.bottom + 5

    @property
    def tick_label(self) -> int:
        return self.bottom + 20


def _months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    month = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    if start.day == 1:
        month = start
    months = []
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def competence_chart(validations, *, width: int = 640, height: int = 300) -> Chart | None:
    """A line per competence: x the date, y the validated level (1–8)."""
    if not validations:
        return None
    left, right, top, bottom = 36, width - 70, 12, height - 36
    start = min(v.assessed_on for v in validations)
    end = max(v.assessed_on for v in validations)
    if (end - start).days < 30:  # a single day or a few: spread them over a month
        start, end = start - datetime.timedelta(days=15), end + datetime.timedelta(days=15)
    span = (end - start).days

    def x(day):
        return left + (right - left) * (day - start).days / span

    def y(level):
        return bottom - (bottom - top) * (level - MIN_LEVEL) / (MAX_LEVEL - MIN_LEVEL)

    per_competence: dict[int, dict[datetime.date, int]] = {}
    competences = {}
    for validation in validations:  # oldest first: the latest of a day wins
        competences[validation.competence_id] = validation.competence
        per_competence.setdefault(validation.competence_id, {})[validation.assessed_on] = (
            validation.level)
    lines = []
    for index, (competence_id, levels) in enumerate(per_competence.items()):
        competence = competences[competence_id]
        lines.append(ChartLine(
            code=competence.code, name=competence.name,
            colour=CHART_COLOURS[index % len(CHART_COLOURS)],
            dash=CHART_DASHES[(index // len(CHART_COLOURS)) % len(CHART_DASHES)],
            points=[ChartPoint(day, level, x(day), y(level))
                    for day, level in sorted(levels.items())],
        ))
    # Labels at the end of the lines, pushed apart so that they do not overlap.
    previous = None
    for line in sorted(lines, key=lambda line: line.last.y):
        line.label_y = line.last.y + 4
        if previous is not None and line.label_y < previous + 13:
            line.label_y = previous + 13
        previous = line.label_y
    months = _months_between(start, end)
    step = max(1, -(-len(months) // 6))
    return Chart(width=width, height=height, left=left, right=right, top=top, bottom=bottom,
                 lines=lines, start=start, end=end,
                 levels=[(level, f"{y(level):.1f}") for level in range(MIN_LEVEL, MAX_LEVEL + 1)],
                 ticks=[(month, f"{x(month):.1f}") for month in months[::step]])


# The whole page -----------------------------------------------------------------------------

@dataclass
class TraineeFile:
    trainee: Trainee
    pass_iae: PassIae
    contracts: list
    status_changes: list
    plan: list[ObjectiveGroup]
    obstacles: list[ObstacleLine]
    timeline: list[TimelineMonth]
    attendance: AttendanceFigures
    validations: list
    chart: Chart | None
    interviews_count: int
    notes_readable: bool
    exit: object = None


def trainee_file(trainee, *, interviews, notes_readable: bool,
                 today: datetime.date | None = None) -> TraineeFile:
    """Everything shown on a trainee's page. `interviews` come with their notes only from
    services.interview_notes_read (which logs the reading), otherwise from
    interviews_without_notes."""
    today = today or timezone.localdate()
    months, overall = attendance_by_month(trainee)
    validations = validations_since_entry(trainee)
    return TraineeFile(
        trainee=trainee,
        pass_iae=pass_iae(trainee, today),
        contracts=list(trainee.contracts.order_by("start_date")),
        status_changes=list(trainee.status_changes.select_related("changed_by")),
        plan=plan_by_category(trainee),
        obstacles=obstacle_lines(trainee),
        timeline=timeline(interviews=interviews, validations=validations, months=months,
                          notes_readable=notes_readable),
        attendance=overall,
        validations=validations,
        chart=competence_chart(validations),
        interviews_count=len(interviews),
        notes_readable=notes_readable,
        exit=getattr(trainee, "exit", None),
    )


def interview_notes_readable(user, interviews: list[Interview], context: str) -> dict[int, str]:
    """The confidential notes of `interviews` that `user` may read, by interview id.

    Read through services.interview_notes_read, once per trainee concerned: each trainee's
    reading is logged once, not once per interview. One query finds the trainees whose
    programme the caller staffs, so the others cost nothing (and log nothing)."""
    trainees = {interview.trainee_id: interview.trainee for interview in interviews}
    if not trainees or not user.is_insertion_staff:
        return {}
    readable = (Trainee.objects.filter(pk__in=list(trainees), programme__staff=user)
                .exclude(learner=user).values_list("pk", flat=True))
    shown = {interview.pk for interview in interviews}
    notes = {}
    for trainee_id in sorted(readable):
        try:
            read = services.interview_notes_read(trainee=trainees[trainee_id], user=user,
                                                 context=context)
        except DjangoPermissionDenied:  # the service has the last word on who reads notes
            continue
        notes.update({interview.pk: interview.notes for interview in read
                      if interview.pk in shown})
    return notes
# Personal data (lms.privacy's export and erasure) ------------------------------------------

def learner_insertion_export(user) -> list[dict]:
    """A person's records in the insertion programmes, confidential notes included (their
    right of access covers them), for their personal-data export."""
    trainees = (Trainee.objects.filter(learner=user)
                .select_related("programme", "referent", "exit")
                .prefetch_related("status_changes__changed_by", "contracts",
                                  "objectives__milestones", "objectives__training_path",
                                  "obstacles__assessed_by", "interviews__staff",
                                  "note_accesses__user")
                .order_by("entry_date"))
    records = []
    for trainee in trainees:
        exit_ = getattr(trainee, "exit", None)
        records.append({
            **field_values(trainee, ["entry_date", "pass_iae_number", "pass_iae_start",
                                     "pass_iae_end", "status", "status_changed_at"]),
            "programme": trainee.programme.name,
            "programme_co_financed": trainee.programme.co_financed,
            "referent": who(trainee.referent),
            "status_history": [{
                **field_values(change, ["from_status", "to_status", "changed_on", "reason"]),
                "changed_by": who(change.changed_by),
            } for change in trainee.status_changes.all()],
            "contracts": [field_values(contract, ["kind", "start_date", "end_date",
                                                  "weekly_hours"])
                          for contract in trainee.contracts.all()],
            "plan": [{
                **field_values(objective, ["category", "title", "target_date", "status",
                                           "created_at"]),
                "training_path": (objective.training_path.title
                                  if objective.training_path else None),
                "milestones": [field_values(milestone, ["title", "due_date", "done_on"])
                               for milestone in objective.milestones.all()],
            } for objective in trainee.objectives.all()],
            "obstacles": [{
                **field_values(row, ["category", "severity", "assessed_on", "note"]),
                "assessed_by": who(row.assessed_by),
            } for row in trainee.obstacles.all()],
            "interviews": [{
                **field_values(interview, ["date", "kind", "notes", "next_steps",
                                           "created_at"]),
                "staff": who(interview.staff),
            } for interview in trainee.interviews.all()],
            "exit": None if exit_ is None else field_values(
                exit_, ["date", "category", "outcome", "comment", "planned"]),
            "note_accesses": [{
                **field_values(access, ["accessed_at", "context"]), "user": who(access.user),
            } for access in trainee.note_accesses.all()],
        })
    return records


def programmes_staffed_by(user) -> list[dict]:
    return [{"id": pk, "name": name}
            for pk, name in Programme.objects.filter(staff=user).values_list("pk", "name")]


def learner_in_co_financed_programme(user) -> bool:
    """Whether `user` is a trainee of a co-financed (e.g. ESF) programme: their documents are
    then kept longer."""
    return Trainee.objects.filter(learner=user, programme__co_financed=True).exists()


def cohorts_with_co_financed_trainees(cohort_ids) -> set[int]:
    """Of `cohort_ids`, the cohorts one of whose learners is a trainee of a co-financed
    programme: their attendance sheets are kept as long as that programme requires."""
    return set(Enrollment.objects.filter(
        cohort_id__in=cohort_ids, learner__trainee_records__programme__co_financed=True)
        .values_list("cohort_id", flat=True))


# For the apps below insertion (registered by InsertionConfig.ready) ----------------------------

def trainees_followed_by(user):
    """The ids of the learners an insertion staff member follows (the trainees of their
    programmes), or None for anyone else (lms.accounts.selectors.learners_in_care_of asks)."""
    if not user.is_insertion_staff:
        return None
    return Trainee.objects.followed_by(user).values("learner_id")


def insertion_staff_by_learner(learner_ids) -> dict[int, list[User]]:
    """Staff of the insertion programmes in which each learner is an active trainee, in two
    queries: told of the learner's attendance alerts (lms.attendance.alerts)."""
    pairs = set(Trainee.objects.filter(learner__in=learner_ids, status=TraineeStatus.ACTIVE,
                                       programme__staff__isnull=False)
                .values_list("learner_id", "programme__staff"))
    if not pairs:
        return {}
    users = User.objects.filter(is_active=True).in_bulk({user_id for _l, user_id in pairs})
    staff: dict[int, list[User]] = defaultdict(list)
    for learner_id, user_id in sorted(pairs):
        if user_id in users:
            staff[learner_id].append(users[user_id])
    return dict(staff)
