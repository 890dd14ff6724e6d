from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """A person's rights over their data: export, erasure and retention. The top layer: it
    calls the export and erasure functions each app exposes, and no app imports it."""

    name = "lms.privacy"
    label = "privacy"
    verbose_name = _("Personal data")
