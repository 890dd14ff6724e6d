"""Browser journeys: Debian's Chromium driven by Playwright (sync API) against live_server.

No browser is downloaded: scripts/install-browser-deps.sh installs /usr/bin/chromium and
axe-core (npm ci). These tests never skip: a missing browser is a failure."""

import os
from importlib import import_module

import pytest
from django.core.cache import cache
from django.db import connection, connections

from lms.accounts.models import Organisation
from tests.documents_setup import forget_locked_sessions, ready_to_sign
from tests.e2e.helpers import (
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPORT,
    CSPWatch,
    describe_violations,
)


@pytest.fixture
def browser(transactional_db, live_server):
    """Chromium for one test, started after the database and closed before its flush."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run scripts/install-browser-deps.sh"
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run scripts/install-browser-deps.sh"
    # Playwright's sync API keeps an event loop running in this thread, so Django sees an async
    # context: its guard must be off for the test's (synchronous) ORM calls, and those calls get
    # their own connections, closed here before the loop stops. Hence one browser per test: a
    # loop left running would also hide the serialized database from the next test's setup.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
                connections.close_all()


@pytest.fixture
def new_page(browser):
    """A fresh browser context (own cookies) per user, sized like their device."""
    contexts = []
    csp = CSPWatch()

    def make(viewport, *, touch=True):
        context = browser.new_context(
            viewport=viewport, device_scale_factor=2 if touch else 1, is_mobile=touch,
            has_touch=touch, locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        # Init scripts run outside the page's Content-Security-Policy (an injected <script>
        # tag would be refused by it): axe-core for the accessibility checks, and the
        # listener that reports CSP violations.
        context.add_init_script(path=str(AXE_JS))
        csp.attach(context)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    # Every page the test visited ran under the site's policy without a violation.
    csp.assert_none()


@pytest.fixture(autouse=True)
def _attendance_flushable(transactional_db):
    """On SQLite the flush after a transactional test runs DELETE, which the attendance
    integrity triggers refuse (insert-only audit trail, locked sheets): empty those two tables
    with the triggers off, then put the triggers back. PostgreSQL truncates: no triggers fire."""
    yield
    if connection.vendor != "sqlite":
        return
    # The triggers as the latest migration leaves them (locked sessions can't be deleted
    # either): locked sessions go too, before the flush.
    triggers = import_module("lms.attendance.migrations._integrity")
    with connection.cursor() as cursor:
        for statement in triggers.SQLITE_REVERSE:
            cursor.execute(statement)
        cursor.execute("DELETE FROM attendance_attendancechange")
        cursor.execute("DELETE FROM attendance_attendance")
        cursor.execute("DELETE FROM attendance_session WHERE locked_at IS NOT NULL")
        for statement in triggers.SQLITE:
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits count in the cache, shared with the live server thread: earlier tests of the
    # run must not have used up the journey's allowance (e.g. /verify/, 30 a minute).
    cache.clear()


@pytest.fixture
def organisation(db):
    organisation = Organisation.load()
    organisation.name = "C-Num"
    organisation.legal_name = "Association C-Num"
    organisation.address = "12 rue des Tanneurs"
    organisation.postcode, organisation.city = "79000", "Niort"
    organisation.siret, organisation.nda = "73282932000074", "75790123479"
    organisation.signatory_name, organisation.signatory_title = "Nathalie Giraud", "Directrice"
    # With a signature and a stamp: attestations and certificates need them.
    yield ready_to_sign(organisation)
    # A locked session's marks can't be deleted (the lock triggers): on PostgreSQL the
    # flush truncates; on SQLite _attendance_flushable removes them with the triggers off.
    if connection.vendor != "sqlite":
        forget_locked_sessions()


def pytest_terminal_summary(terminalreporter):
    """Screenshots and accessibility results of the journeys, in the run's output."""
    if not REPORT.screenshots and not REPORT.axe:
        return
    write = terminalreporter.write_line
    terminalreporter.section("browser journeys: screenshots")
    if "seed_demo" in REPORT.durations:
        write(f"seed_demo, once for the demo journeys: {REPORT.durations['seed_demo']:.1f} s")
    for journey, paths in REPORT.screenshots.items():
        duration = REPORT.durations.get(journey)
        took = f" ({duration:.1f} s)" if duration is not None else ""
        stops = REPORT.focus_stops.get(journey)
        focus = f", visible focus checked on {stops} keyboard stops" if stops else ""
        write(f"{journey}{took}{focus}:")
        for path in paths:
            write(f"  {path.relative_to(path.parents[3])}")
    terminalreporter.section(f"browser journeys: axe-core {REPORT.axe_version} "
                             "(wcag2a, wcag2aa, wcag21a, wcag21aa)")
    for result in REPORT.axe:
        count = len(result.violations)
        write(f"{'ok  ' if not count else 'FAIL'} {count} violations  {result.journey} / "
              f"{result.step}  {result.url}")
        if count:
            write(describe_violations(result.violations))

