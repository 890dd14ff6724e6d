"""Production that holds: placeholder keys refused at start-up, the container health check
answered whatever ALLOWED_HOSTS says, a strict Content-Security-Policy on the site, and one
client address for every lock-out and rate limit."""

import pytest
from django.test import RequestFactory, override_settings

from lms.core.client_ip import client_ip
from tests.core.test_settings import run_manage

GOOD_KEY = "x7!kP2" * 10


def production_env(key):
    return {"DJANGO_SETTINGS_MODULE": "lms.settings.production", "SECRET_KEY": key,
            "ALLOWED_HOSTS": "parcours.example.org", "DEBUG": "false"}


def example_key() -> str:
    from tests.core.test_settings import ROOT

    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            return line.split("=", 1)[1]
    raise AssertionError(".env.example has no SECRET_KEY line")


@pytest.mark.parametrize("key", [
    example_key(),
    "Change-Me-" + "q8#Zr1" * 9,
    "a" * 60,
    "django-insecure-" + "q8#Zr1" * 8,
])
def test_production_refuses_placeholder_keys(key):
    result = run_manage("check", env_extra=production_env(key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_starts_with_a_random_key():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING",
                        env_extra=production_env(GOOD_KEY))
    assert result.returncode == 0, result.stdout + result.stderr


# The container health check -------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["parcours.example.org"], CELERY_BROKER_URL="memory://")
def test_health_answers_the_container_check_with_a_real_allowed_hosts(client):
    # What docker-compose's check sends: Host 127.0.0.1:8000, plain HTTP.
    response = client.get("/healthz/", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # Any other page from that host is still refused.
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/healthz/", HTTP_HOST="parcours.example.org").status_code == 200


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["parcours.example.org"], SECURE_SSL_REDIRECT=True,
                   CELERY_BROKER_URL="memory://")
def test_health_is_not_redirected_to_https(client):
    assert client.get("/healthz/", HTTP_HOST="127.0.0.1:8000").status_code == 200


# Content-Security-Policy ---------------------------------------------------------------------


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_the_site_has_a_strict_policy(client):
    policy = directives(client.get("/comptes/connexion/"))
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert "unsafe" not in client.get("/comptes/connexion/")["Content-Security-Policy"]
    assert policy["object-src"] == "object-src 'none'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


@pytest.mark.django_db
def test_the_admin_gets_the_inline_code_it_needs(client, manager):
    manager.is_superuser = True
    manager.save()
    client.force_login(manager)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert policy["frame-ancestors"] == "frame-ancestors 'self'"


def test_no_template_has_inline_script_or_style():
    """E-mails excepted (mail readers need inline styles; they are not served as pages)."""
    import re

    from tests.core.test_settings import ROOT

    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        relative = template.relative_to(ROOT / "templates").as_posix()
        if "email" in relative:
            continue
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{relative}: {tag}")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            offenders.append(f"{relative}: style")
    assert offenders == []


# The client's address ----------------------------------------------------------------------


@pytest.mark.parametrize(("proxies", "meta", "expected"), [
    (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "192.0.2.1"),
    (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"},
     "203.0.113.5"),
    (2, {"REMOTE_ADDR": "10.0.0.2",
         "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5, 10.0.0.9"}, "203.0.113.5"),
    # Fewer entries than proxies: the header did not come through them; the peer counts.
    (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, "10.0.0.2"),
    (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.2"),
    (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
    (0, {"REMOTE_ADDR": ""}, "0.0.0.0"),
    (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "[2001:db8::1]"}, "2001:db8::1"),
])
def test_client_ip(settings, proxies, meta, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    request = RequestFactory().get("/", **meta)
    if "REMOTE_ADDR" in meta:
        request.META["REMOTE_ADDR"] = meta["REMOTE_ADDR"]
    assert client_ip(request) == expected


def test_a_padded_header_does_not_push_out_the_proxys_entry(settings):
    # The client pads X-Forwarded-For so that a cut at the header's start would land just after
    # an address of its choosing: the entry our proxy appended, at the end, still counts.
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    padding = ", ".join(["6.6.6.6"] * 800)
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=f"{padding}, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"


def test_another_header_for_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get("/", HTTP_X_REAL_IP="203.0.113.7",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "203.0.113.7"


def test_every_limit_uses_the_same_address(settings):
    from axes.helpers import get_client_ip_address
    from django_ratelimit.core import _get_ip

    from lms.core.throttling import ScopedClientAddressThrottle

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert get_client_ip_address(request) == "203.0.113.5"
    assert _get_ip(request) == "203.0.113.5"
    assert ScopedClientAddressThrottle().get_ident(request) == "203.0.113.5"


def test_pdf_responses_carry_no_html_policy(rf):
    from django.http import HttpResponse

    from lms.core.middleware import ContentSecurityPolicyMiddleware

    middleware = ContentSecurityPolicyMiddleware(lambda request: None)
    pdf = middleware.process_response(rf.get("/"), HttpResponse(b"%PDF-1.7",
                                                                 content_type="application/pdf"))
    assert "Content-Security-Policy" not in pdf
    page = middleware.process_response(rf.get("/"), HttpResponse(b"<p>x</p>"))
    assert "script-src 'self'" in page["Content-Security-Policy"]
