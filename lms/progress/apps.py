from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgressConfig(AppConfig):
    name = "lms.progress"
    label = "progress"
    verbose_name = _("Learner progress")

    def ready(self):
        from lms.accounts.selectors import register_followed_learners

        from .selectors import learners_trained_by

        register_followed_learners(learners_trained_by)
