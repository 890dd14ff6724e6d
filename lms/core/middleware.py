from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """French first: the site speaks French unless the visitor chose another language with the
    switcher (its cookie). The browser's Accept-Language is deliberately not followed, so that
    a borrowed or public computer set to English still shows the tiers-lieu's French site."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class HealthCheckMiddleware:
    """Answers /healthz/ before anything else, in particular before the host is validated.

    The container's health check calls http://127.0.0.1:8000/healthz/ from inside the
    container: its Host header is 127.0.0.1, which a production ALLOWED_HOSTS rightly does not
    list, so Django would refuse it (DisallowedHost, 400) and the container would never become
    healthy. The answer holds only the services' states, and nothing after this middleware
    (sessions, users, redirects) is needed for it."""

    PATH = "/healthz/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == self.PATH:
            from .health import healthz

            return healthz(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's strict policy (settings.CONTENT_SECURITY_POLICY:
    no inline script or style) everywhere except under the prefixes of
    settings.CSP_RELAXED_PREFIXES — the Wagtail admin, the Django admin and the API's
    documentation — which ship inline scripts and styles of their own and get
    settings.CSP_RELAXED_POLICY instead. Those pages are for signed-in staff only and do not
    display learners' free text unescaped."""

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/pdf"):
            # The browser's PDF viewer renders the document inside a page built from this
            # response: a policy meant for HTML (object-src 'none'…) can stop it showing.
            response._csp_exempt = True
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and request.path_info.startswith(
                tuple(getattr(settings, "CSP_RELAXED_PREFIXES", ()))):
            parts.config = settings.CSP_RELAXED_POLICY["DIRECTIVES"]
        return parts
