"""At login, the person is told of the access links made for their account since their last
visit (who made it, when): a link they did not ask for is how they would notice that someone
tried to get into their account."""

from django.contrib import messages
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .selectors import access_history_since


def access_links_notice(sender, request, user, **kwargs):
    # Connected before django.contrib.auth's update_last_login (lms.accounts comes first in
    # INSTALLED_APPS), so user.last_login is still the previous visit's.
    if request is None or not hasattr(request, "_messages"):
        return
    given = access_history_since(user, since=user.last_login)
    if not given:
        return
    latest = given[0]
    when = formats.date_format(timezone.localtime(latest.at), "SHORT_DATETIME_FORMAT")
    if latest.by is not None:
        text = _("An access link was made for your account by %(name)s on %(when)s. If you "
                 "did not ask for it, tell a manager of the centre.") % {
                     "name": latest.by, "when": when}
    else:
        text = _("An access link was made for your account on %(when)s. If you did not ask "
                 "for it, tell a manager of the centre.") % {"when": when}
    messages.info(request, text)
