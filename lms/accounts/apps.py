from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "lms.accounts"
    label = "accounts"
    verbose_name = _("People and organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .signals import access_links_notice

        user_logged_in.connect(access_links_notice, dispatch_uid="accounts.access_links_notice")
