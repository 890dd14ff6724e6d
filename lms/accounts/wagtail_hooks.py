from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from .enums import AccessChannel
from .selectors import ACCESS_LINK_ACTION, LOCKOUT_LIFTED_ACTION


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

    actions.register_action(LOCKOUT_LIFTED_ACTION, _("Login unblocked"),
                            _("Login unblocked by a manager after failed attempts"))


class ManagersMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(request.user.sees_everything)


@hooks.register("register_settings_menu_item")
def register_lockouts_menu_item():
    """The managers' page that unlocks accounts and addresses locked out after failed logins
    (a page of the site: Wagtail's admin has no view of django-axes' records)."""
    return ManagersMenuItem(_("Blocked logins"), reverse("accounts:lockouts"), icon_name="lock",
                            order=900)


@hooks.register("after_edit_user")
def own_password_from_the_users_admin(request, user):
    """A password typed in the users admin is the person's own only on their own account."""
    from .admin_passwords import stamp_if_own

    stamp_if_own(request=request, user=user,
                 password_changed=bool(request.POST.get("password1")))
