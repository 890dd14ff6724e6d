from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConvocationsConfig(AppConfig):
    name = "lms.convocations"
    label = "convocations"
    verbose_name = _("Convocations and calendars")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
