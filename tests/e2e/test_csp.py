"""The browser tests' CSP watch catches what the policy refuses (so that its silence on the
journeys means something), and the site's pages run under the strict policy."""

import pytest

from tests.e2e.helpers import AXE_JS, PHONE, CSPWatch


@pytest.mark.django_db(transaction=True)
def test_the_watch_reports_inline_code_and_the_login_page_has_none(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    watch = CSPWatch()
    context.add_init_script(path=str(AXE_JS))
    watch.attach(context)
    page = context.new_page()
    try:
        response = page.goto(live_server.url + "/comptes/connexion/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert page.evaluate("() => typeof window.axe !== 'undefined'")
        watch.assert_none()
        # What a template must never do: an inline script and a style attribute.
        page.evaluate("""() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true;';
            document.body.appendChild(script);
            document.body.insertAdjacentHTML('beforeend', '<p style="color: red">x</p>');
        }""")
        page.wait_for_timeout(300)
        assert not page.evaluate("() => window.inlineRan === true")
        assert any("script-src" in v for v in watch.violations), watch.violations
        assert any("style-src" in v for v in watch.violations), watch.violations
    finally:
        context.close()
