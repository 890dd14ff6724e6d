from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

from .enums import AccessChannel
from .selectors import ACCESS_LINK_ACTION


@hooks.register("register_log_actions")
def register_access_actions(actions):
    """Links given to learners to choose their password, in the admin's site history."""

    @actions.register_action(ACCESS_LINK_ACTION)
    class AccessLinkGiven(LogFormatter):
        label = _("Access given")

        def format_message(self, log_entry):
            if (log_entry.data or {}).get("channel") == AccessChannel.EMAIL:
                return _("Link to choose a password sent by email")
            return _("Link to choose a password given (handout or QR code)")
