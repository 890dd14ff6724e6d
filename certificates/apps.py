from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Documents")

    def ready(self):
        from . import receivers, tasks  # noqa: F401 (tasks: registered, sent by name)
