import datetime
import unicodedata

import segno
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from lms.core.throttling import ScopedClientAddressThrottle

from . import selectors, services
from .enums import AccessChannel
from .forms import AccessForm, ChangePasswordForm, ChoosePasswordForm, PasswordResetRequestForm
from .lockout import lockout_minutes
from .models import Organisation


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})

    def validate(self, attrs):
        # Django's request, not DRF's wrapper: django-axes marks it when the account or the
        # address is locked out, and its middleware answers with lockout.lockout_response.
        request = self.context["request"]._request
        user = authenticate(request=request, username=attrs["username"],
                            password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with the username and password given."),
                code="authorization")
        attrs["user"] = user
        return attrs


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (`Authorization: Token …`).

    Failures count towards the lock-out of the account and of the address like the login
    forms' (lms.accounts.lockout); the throttle counts requests per client address."""

    serializer_class = TokenRequestSerializer
    throttle_classes = [ScopedClientAddressThrottle]
    throttle_scope = "auth"
    # ObtainAuthToken names DRF's plain parsers: ours bound the JSON body (lms.core.parsers).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# Passwords: forgotten, chosen from a link, changed -----------------------------------------

# "Forgotten password" answers every address the same: at most this many requests from one
# network address (a whole digital centre may share one: room for a workshop)…
RESET_RATE_PER_IP = "20/h"
# …and at most this many emails to one account, whoever asks: further requests are answered
# as usual but send nothing, so that the form cannot flood a mailbox.
RESET_RATE_PER_ACCOUNT = "3/h"


def _submitted_identifier(group, request) -> str:
    return unicodedata.normalize("NFKC", request.POST.get("email", "")).strip().casefold()


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    @method_decorator(ratelimit(group="accounts.password_reset.ip", key="ip",
                                rate=RESET_RATE_PER_IP, method="POST", block=False))
    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "registration/password_reset_limited.html", status=429)
        return super().dispatch(request, *args, **kwargs)

    @property
    def extra_email_context(self):
        link_lifetime = datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        return {"site_url": settings.SITE_URL,
                "site_name": Organisation.load().name or "Parcours",
                "login_url": settings.SITE_URL + reverse("accounts:login"),
                "expires_at": timezone.now() + link_lifetime,
                "lifetime": services.link_lifetime()}

    def form_valid(self, form):
        if is_ratelimited(self.request, group="accounts.password_reset.account",
                          key=_submitted_identifier, rate=RESET_RATE_PER_ACCOUNT,
                          method="POST", increment=True):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "lifetime": services.link_lifetime()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The one-time link, from an email or a handout's QR code: the person chooses their
    password and is signed in."""

    form_class = ChoosePasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = True
    # Several backends (django-axes' guard first): name the one that logs people in.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        # Whoever holds the account's link may choose its password, so the failed attempts
        # that locked the account out (lms.accounts.lockout) no longer matter.
        axes_reset(username=self.user.get_username())
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


# Giving a learner access ---------------------------------------------------------------------


def _back_url(request) -> str:
    """Where the staff member came from (the follow-up matrix, a trainee's page), if local."""
    url = request.POST.get("retour") or request.GET.get("retour") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def _access_page(request, learner, *, form, status=200):
    return render(request, "accounts/access/give.html", {
        "learner": learner, "form": form, "history": selectors.access_history(learner),
        "back_url": _back_url(request), "lifetime": services.link_lifetime(),
        "reserved_to_managers": services.access_reserved_to_managers(learner=learner,
                                                                     by=request.user),
    }, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def learner_access(request, learner_id):
    """“Donner l'accès”: a one-time link for the learner to choose their password, printed as
    a handout with a QR code, or emailed. Staff who do not follow the learner get a 404."""
    learner = get_object_or_404(selectors.learners_in_care_of(request.user), pk=learner_id)
    if request.method != "POST":
        return _access_page(request, learner, form=AccessForm())
    form = AccessForm(request.POST)
    if not form.is_valid():
        return _access_page(request, learner, form=form, status=400)
    try:
        if form.cleaned_data["action"] == AccessChannel.EMAIL:
            services.access_link_email(learner=learner, by=request.user)
        else:
            link = services.access_link_give(learner=learner, by=request.user)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        if error.code == "email_failed":
            messages.error(request, error.messages[0])
            return redirect(request.get_full_path())
        form.add_error(None, error)
        return _access_page(request, learner, form=form, status=400)
    if form.cleaned_data["action"] == AccessChannel.EMAIL:
        messages.success(request, _("A link to choose a password was sent to %(email)s.") % {
            "email": learner.email})
        return redirect(request.get_full_path())
    response = render(request, "accounts/access/handout.html", {
        "learner": learner, "link": link, "back_url": _back_url(request),
        "qr": segno.make(link.url, error="m").svg_data_uri(scale=1, border=4),
        "lifetime": services.link_lifetime(),
        "organisation": Organisation.load(),
        "login_url": settings.SITE_URL + reverse("accounts:login"),
    })
    # The page holds a way into the account: never kept by the browser or a proxy.
    add_never_cache_headers(response)
    return response


# Login lock-outs: a manager unlocks ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lockouts(request):
    """“Connexions bloquées”: the accounts and addresses locked out after failed logins
    (lms.accounts.lockout), each with a button to unlock it now. Managers only (404 else)."""
    if not request.user.sees_everything:
        raise Http404
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        address = request.POST.get("ip_address", "")[:45]
        if username or address:
            services.lockout_lift(username=username, ip_address=address, by=request.user)
            messages.success(request, _("Unblocked: %(what)s.") % {"what": username or address})
        return redirect("accounts:lockouts")
    return render(request, "accounts/lockouts.html", {
        "accounts": selectors.locked_accounts(), "addresses": selectors.locked_addresses(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        "minutes": lockout_minutes(),
    })
