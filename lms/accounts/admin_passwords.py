"""The admins' password forms record, as the site's own do, when the person chose their own
password (User.password_set_by_owner_at): from then on only a manager gives them a new way in
(lms.accounts.services). Without it, a manager who changed their password in the Wagtail admin,
or reset it from the admin's login page, would still be an account anyone may hand a link to.

The owner's flows stamp: the Wagtail account page, the Wagtail and Django admins' own password
change, the Wagtail admin's reset link. Someone setting another person's password (a manager in
the users admin) does not: that password is not the person's choice.

lms/urls.py routes the admins' URLs for these pages here, ahead of the admins' own; the users
admins (Wagtail's hook in wagtail_hooks.py, Django's UserAdmin) call stamp_if_own."""

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm as DjangoAdminPasswordChangeForm
from django.contrib.auth import views as auth_views
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.forms.auth import PasswordChangeForm as WagtailPasswordChangeForm
from wagtail.admin.views import account as wagtail_account

from .forms import ChoosePasswordForm, OwnPasswordMixin


class WagtailOwnPasswordChangeForm(OwnPasswordMixin, WagtailPasswordChangeForm):
    pass


class DjangoAdminOwnPasswordChangeForm(OwnPasswordMixin, DjangoAdminPasswordChangeForm):
    pass


class OwnChangePasswordPanel(wagtail_account.ChangePasswordPanel):
    form_class = WagtailOwnPasswordChangeForm


class AccountView(wagtail_account.AccountView):
    """Wagtail's account page, its password panel recording the owner's choice."""

    def get_panels(self):
        return [OwnChangePasswordPanel(self.request, panel.user, panel.profile)
                if type(panel) is wagtail_account.ChangePasswordPanel else panel
                for panel in super().get_panels()]


class WagtailPasswordResetConfirmView(wagtail_account.PasswordResetConfirmView):
    """The admin's "forgotten password" link: whoever holds it is the address's owner."""

    form_class = ChoosePasswordForm


def django_admin_password_change(request, extra_context=None):
    """The Django admin's own "change my password" (AdminSite.password_change), with a form
    that records it."""
    site = admin.site
    defaults = {
        "form_class": DjangoAdminOwnPasswordChangeForm,
        "success_url": reverse("admin:password_change_done", current_app=site.name),
        "extra_context": {**site.each_context(request), **(extra_context or {})},
    }
    if site.password_change_template is not None:
        defaults["template_name"] = site.password_change_template
    request.current_app = site.name
    return auth_views.PasswordChangeView.as_view(**defaults)(request)


# As the admin's own URLs are: admin access required, never cached.
wagtail_account_view = never_cache(require_admin_access(AccountView.as_view()))
wagtail_reset_confirm_view = WagtailPasswordResetConfirmView.as_view()
django_admin_password_change_view = admin.site.admin_view(django_admin_password_change)


def stamp_if_own(*, request, user, password_changed: bool) -> None:
    """After a password was set on `user` in an admin's user form: recorded as the owner's
    choice only if the person did it on their own account."""
    if password_changed and request.user.is_authenticated and request.user.pk == user.pk:
        type(user).objects.filter(pk=user.pk).update(password_set_by_owner_at=timezone.now())
