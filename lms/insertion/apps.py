from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsertionConfig(AppConfig):
    name = "lms.insertion"
    label = "insertion"
    verbose_name = _("Insertion programme")
