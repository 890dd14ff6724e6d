from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsertionConfig(AppConfig):
    name = "lms.insertion"
    label = "insertion"
    verbose_name = _("Insertion programme")

    def ready(self):
        from lms.accounts.selectors import register_followed_learners
        from lms.attendance.alerts import register_alert_followers

        from .selectors import insertion_staff_by_learner, trainees_followed_by

        register_followed_learners(trainees_followed_by)
        register_alert_followers(insertion_staff_by_learner)
