"""`make run` serves what it says: SITE_URL, and every link built from it (QR codes,
verification links, access cards, calendar feeds, e-mails), follows the host and port
`make run` passes (SERVE_HOST / SERVE_PORT); an explicit SITE_URL wins."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from wagtail.models import Site

from certificates.rendering import verification_url
from lms.convocations.services import absolute_url
from lms.settings import serving

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", "8000", "http://127.0.0.1:8000"),
    ("localhost", 8765, "http://localhost:8765"),
    ("parcours.local", "80", "http://parcours.local"),
    ("::1", "8001", "http://[::1]:8001"),
    ("[::1]", "8001", "http://[::1]:8001"),
])
def test_served_site_url(host, port, expected):
    assert serving.served_site_url(host, port) == expected


def test_a_wildcard_host_links_to_the_machines_network_address(monkeypatch):
    monkeypatch.setattr(serving, "lan_address", lambda: "192.168.1.20")
    assert serving.served_site_url("0.0.0.0", "8000") == "http://192.168.1.20:8000"
    assert serving.served_site_url("::", "8000") == "http://192.168.1.20:8000"


def _settings_of(env: dict) -> dict:
    """SITE_URL and friends as lms.settings.local computes them in a fresh process."""
    clean = {key: value for key, value in os.environ.items()
             if key not in {"SITE_URL", "SERVE_HOST", "SERVE_PORT", "ALLOWED_HOSTS"}}
    code = ("import json, django; from django.conf import settings; "
            "print(json.dumps({'site': settings.SITE_URL, "
            "'admin': settings.WAGTAILADMIN_BASE_URL, 'hosts': settings.ALLOWED_HOSTS}))")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**clean, "DJANGO_SETTINGS_MODULE": "lms.settings.local", **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_settings_follow_the_served_host_and_port():
    found = _settings_of({"SERVE_HOST": "127.0.0.1", "SERVE_PORT": "8123"})
    assert found["site"] == found["admin"] == "http://127.0.0.1:8123"
    found = _settings_of({"SERVE_HOST": "192.168.1.20", "SERVE_PORT": "9000"})
    assert found["site"] == "http://192.168.1.20:9000" and "192.168.1.20" in found["hosts"]
    assert _settings_of({})["site"] == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins():
    found = _settings_of({"SITE_URL": "https://parcours.exemple.org/", "SERVE_PORT": "9000"})
    assert found["site"] == "https://parcours.exemple.org"


def test_make_run_passes_its_host_and_port():
    out = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=9001"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for command in ("manage.py seed_demo", "manage.py site_sync",
                    "manage.py runserver 0.0.0.0:9001"):
        line = next(line for line in out.splitlines() if command in line)
        assert line.startswith("SERVE_HOST=0.0.0.0 SERVE_PORT=9001 "), line


def test_links_are_built_from_site_url(settings):
    settings.SITE_URL = "http://192.168.1.20:9001"
    assert verification_url("ABCDEFGHJKMN").startswith("http://192.168.1.20:9001/verify/")
    assert absolute_url("/calendrier/x.ics") == "http://192.168.1.20:9001/calendrier/x.ics"


@pytest.mark.django_db
def test_site_sync_points_the_default_site_at_site_url(settings, home):
    site = Site.objects.get(is_default_site=True)
    settings.SITE_URL = "http://192.168.1.20:9001"
    call_command("site_sync")
    site.refresh_from_db()
    assert (site.hostname, site.port) == ("192.168.1.20", 9001)
    assert site.root_url == "http://192.168.1.20:9001"
