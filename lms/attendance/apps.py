from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "lms.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        from lms.progress.completion import (
            register_attendance,
            register_hours,
            register_upcoming_sessions,
        )

        from . import roster, selectors, validation  # noqa: F401  (they connect their guards)

        register_attendance(selectors.enrollment_figures)
        register_hours(selectors.enrollment_hours)
        register_upcoming_sessions(selectors.upcoming_sessions_of)
