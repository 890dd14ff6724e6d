from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditPackConfig(AppConfig):
    name = "lms.auditpack"
    label = "auditpack"
    verbose_name = _("Audit packs")

    def ready(self):
        from . import receivers, tasks  # noqa: F401 (signal receivers; tasks registered)
