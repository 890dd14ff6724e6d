import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from lms.cohorts.models import Cohort
from lms.core import clock
from lms.core.scopes import own_or_trained, role_scope

from .enums import AlertKind, ChangeKind, HalfDay, SignatureMethod

NOON = datetime.time(13, 0)


@register_setting(icon="date")
class AttendanceSettings(BaseGenericSetting):
    consecutive_absences = models.PositiveSmallIntegerField(
        _("alert after this many consecutive absences"), default=3,
        validators=[MinValueValidator(1)],
    )
    rate_threshold = models.DecimalField(
        _("alert under this attendance rate (%)"), max_digits=5, decimal_places=2,
        default=Decimal("70"), validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    rate_minimum_sessions = models.PositiveSmallIntegerField(
        _("sessions marked before the rate alert applies"), default=4,
    )
    checkin_window_seconds = models.PositiveIntegerField(
        _("check-in code lifetime (seconds)"), default=60,
        validators=[MinValueValidator(15), MaxValueValidator(600)],
    )

    panels = [FieldPanel("consecutive_absences"), FieldPanel("rate_threshold"),
              FieldPanel("rate_minimum_sessions"), FieldPanel("checkin_window_seconds")]

    class Meta:
        verbose_name = _("attendance settings")


class AttendanceStatusQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True).order_by("sort_order")


class AttendanceStatus(models.Model):
    """A status a trainer can give (present, late…), with its weight in the attendance rate."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("label"), max_length=60)
    weight = models.DecimalField(
        _("weight in the rate"), max_digits=3, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("1 counts fully as present, 0 as absent."),
    )
    attended = models.BooleanField(
        _("counts as attended"), help_text=_("Its hours count as hours attended."),
    )
    is_absence = models.BooleanField(
        _("is an absence"), help_text=_("Counts towards the consecutive-absence alert."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = AttendanceStatusQuerySet.as_manager()

    panels = [FieldPanel("label"), FieldPanel("code"), FieldPanel("weight"),
              FieldPanel("attended"), FieldPanel("is_absence"), FieldPanel("sort_order"),
              FieldPanel("active")]

    class Meta:
        verbose_name = _("attendance status")
        verbose_name_plural = _("attendance statuses")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0, weight__lte=1),
                                   name="status_weight_between_0_and_1"),
        ]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the visitor's language (lms.core.labels)."""
        from lms.core.labels import STATUS_LABELS, translated

        return translated(STATUS_LABELS, self.code, self.label)


def new_checkin_secret() -> str:
    return secrets.token_hex(16)


class SessionQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(cancelled_at__isnull=True)

    def past(self, now=None):
        now = timezone.localtime(now)
        return self.filter(Q(date__lt=now.date()) | Q(date=now.date(), end_time__lte=now.time()))

    def on(self, day):
        return self.filter(date=day)

    def trained_by(self, user):
        """Sessions of the cohorts `user` trains, and those they give as a substitute."""
        return self.filter(_trained_sessions(user))

    def kept_by(self, user):
        """Sessions whose sheet `user` keeps: a manager all, a trainer those they train."""
        return role_scope(self, user, role="is_trainer",
                          scope=lambda sessions: sessions.trained_by(user))

    def visible_to(self, user):
        """Sessions of the cohorts `user` sees (Cohort.objects.visible_to), and those they give
        as a substitute trainer."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        scope = Q(cohort_id__in=Cohort.objects.visible_to(user).values("pk"))
        if user.is_trainer:
            scope |= Q(trainer=user)
        return self.filter(scope)


def _trained_sessions(user) -> Q:
    # `IN (subquery)` rather than a join: no DISTINCT, no row multiplied.
    return Q(cohort_id__in=Cohort.objects.trained_by(user).values("pk")) | Q(trainer=user)


class LearnerRecordQuerySet(models.QuerySet):
    """Records about a learner (marks, absence notices): the learner sees their own, a
    trainer those of what they train (`trained`), a manager all."""

    def trained(self, user) -> Q:
        raise NotImplementedError

    def visible_to(self, user):
        return own_or_trained(self, user, own=Q(learner=user), trained=lambda: self.trained(user))


class AttendanceQuerySet(LearnerRecordQuerySet):
    def trained(self, user) -> Q:
        """The marks of the sessions `user` trains."""
        return Q(session_id__in=Session.objects.trained_by(user).values("pk"))


class AbsenceNoticeQuerySet(LearnerRecordQuerySet):
    def trained(self, user) -> Q:
        """The notices of the cohorts `user` trains."""
        return Q(cohort_id__in=Cohort.objects.trained_by(user).values("pk"))


def minutes_between(start: datetime.time, end: datetime.time) -> int:
    """Whole minutes from one time of a day to a later one."""
    def seconds(time: datetime.time) -> int:
        return time.hour * 3600 + time.minute * 60 + time.second

    return (seconds(end) - seconds(start)) // 60


class Session(models.Model):
    """One scheduled class (séance) of a cohort."""

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE,
                               related_name="sessions", verbose_name=_("cohort"))
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    module = models.ForeignKey("courses.ModulePage", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("module covered"))
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="sessions_given",
                                verbose_name=_("trainer"))
    room = models.CharField(_("room"), max_length=100, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    countersignature_svg = models.TextField(_("trainer's countersignature"), blank=True)
    countersigned_at = models.DateTimeField(null=True, blank=True)
    # A change to a proof column of a locked session (date, times, cohort, module, trainer,
    # room, cancellation) must carry a fresh amendment stamp: the database trigger refuses it
    # otherwise (see migration 0006). Only services.session_amend sets it.
    amended_at = models.DateTimeField(_("amended at"), null=True, blank=True, editable=False)
    checkin_secret = models.CharField(max_length=32, default=new_checkin_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")),
                                   name="session_ends_after_start"),
        ]
        indexes = [models.Index(fields=["cohort", "date"])]

    def __str__(self):
        return f"{self.cohort} — {self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self):
        # The admin's form and session_create's full_clean: within the cohort's dates.
        from .validation import session_dates_check

        if self.cohort_id and self.date:
            session_dates_check(cohort=self.cohort, dates=[self.date])

    @property
    def half_day(self) -> HalfDay:
        return HalfDay.of(self.start_time)

    def get_half_day_label(self) -> str:
        return str(self.half_day.label)

    @property
    def duration_minutes(self) -> int:
        return minutes_between(self.start_time, self.end_time)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Attendance(models.Model):
    """A learner's mark and signature for one session. No row, or no status, means unmarked:
    never counted as absent."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="marks")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="attendance_marks")
    status = models.ForeignKey(AttendanceStatus, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    minutes_late = models.PositiveSmallIntegerField(default=0)
    comment = models.CharField(max_length=300, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    marked_at = models.DateTimeField(null=True, blank=True)
    signature_svg = models.TextField(blank=True)
    signature_method = models.CharField(max_length=10, choices=SignatureMethod.choices,
                                        blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # A change to a mark of a locked session must carry a fresh override stamp: the database
    # trigger refuses it otherwise (see migration 0002).
    override_at = models.DateTimeField(null=True, blank=True)

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        constraints = [
            models.UniqueConstraint(fields=["session", "learner"], name="one_mark_per_session"),
        ]
        indexes = [models.Index(fields=["learner", "session"])]

    def __str__(self):
        return f"{self.learner} · {self.session} · {self.status or '—'}"


class AttendanceChange(models.Model):
    """Audit trail of a sheet: marks, signatures, check-ins, the countersignature and the
    amendments of the session itself. Rows are only inserted (a database trigger refuses
    updates and deletes), and each one is chained to the previous entry of the same session by
    SHA-256 (lms.attendance.chain): editing the database outside the application shows."""

    # Null for the entries about the session itself (countersignature, amendment).
    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="changes")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices, default=ChangeKind.MARK)
    # A manager's change of a locked sheet, with its reason.
    amendment = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    changed_at = models.DateTimeField(default=clock.now)
    reason = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("attendance change")
        ordering = ["changed_at", "pk"]
        indexes = [models.Index(fields=["session", "id"], name="attendance_change_chain")]

    def __str__(self):
        return f"{self.changed_at:%d/%m/%Y %H:%M} {self.get_kind_display()}"


class AbsenceNotice(models.Model):
    """An absence declared ahead by the learner, shown on the roll call."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="absence_notices")
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE,
                               related_name="absence_notices")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)

    objects = AbsenceNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("absence notice")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")),
                                   name="absence_notice_dates_in_order"),
        ]

    def __str__(self):
        return f"{self.learner} {self.start_date}–{self.end_date}"


class AttendanceAlert(models.Model):
    """One occurrence of an attendance problem; `key` makes each occurrence notify once."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="attendance_alerts")
    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE,
                               related_name="attendance_alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    key = models.CharField(max_length=200)
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance alert")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "cohort", "kind", "key"],
                                    name="one_alert_per_occurrence"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.learner}"
