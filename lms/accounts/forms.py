import unicodedata

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .enums import AccessChannel

PASSWORD_TIP = _("Tip: a few words that you remember easily make a good password.")


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").casefold()


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """“Forgotten password” by email address or username: many learners do not remember
    which address their account has, or have only a username. The link always goes to the
    address on the account; the page answers the same whether an account matched or not."""

    # Still named "email": PasswordResetForm.save() reads it under that name.
    email = forms.CharField(
        label=_("Your email address or your username"), max_length=254,
        help_text=_("If your account has an email address, we send you a link there to choose "
                    "a new password."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"}),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def get_users(self, email):
        """Active accounts with an email address whose address or username is `email`.

        Unlike Django's default, accounts without a usable password are included: staff
        create learners' accounts without one, and this is how those with an address get it."""
        wanted = _folded(email)
        if not wanted:
            return []
        people = (get_user_model()._default_manager
                  .filter(Q(email__iexact=email) | Q(username__iexact=email), is_active=True)
                  .exclude(email=""))
        # The database's case-insensitive match is not Unicode's: compare again.
        return [person for person in people
                if wanted in (_folded(person.email), _folded(person.username))]


class OwnPasswordMixin:
    """The person chooses their own password: recorded (User.password_set_by_owner_at)."""

    def save(self, commit=True):
        self.user.password_set_by_owner_at = timezone.now()
        return super().save(commit)


class ChoosePasswordForm(OwnPasswordMixin, auth_forms.SetPasswordForm):
    """The new password, typed twice; the validators' rules and a tip as its help."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first = self.fields["new_password1"]
        first.help_text = format_html("{}<p>{}</p>", first.help_text, PASSWORD_TIP)


class ChangePasswordForm(OwnPasswordMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first = self.fields["new_password1"]
        first.help_text = format_html("{}<p>{}</p>", first.help_text, PASSWORD_TIP)


class AccessForm(forms.Form):
    """Which way staff give the link: the button pressed (a wrong one is the form's error, as
    there is no field to show it beside)."""

    action = forms.CharField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") not in AccessChannel.values:
            raise forms.ValidationError(_("Choose how to give the access."), code="action")
        return data
