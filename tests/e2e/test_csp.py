"""The browser tests' CSP watch catches what the policy refuses (so that its silence on the
journeys means something); the site's pages run under the strict policy, the admin's under
theirs (inline code allowed, still no third party: no Gravatar, no update check)."""


from tests.e2e.helpers import AXE_JS, PHONE, CSPWatch


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


def test_the_admin_pages_run_under_their_policy(browser, live_server, home, lesson):
    from tests.accounts.factories import PASSWORD, ManagerFactory

    manager = ManagerFactory(is_superuser=True, is_staff=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    watch = CSPWatch()
    watch.attach(context)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", manager.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("form button[type=submit]")
        for path in ["/admin/", f"/admin/pages/{home.pk}/", f"/admin/pages/{lesson.pk}/edit/",
                     "/admin/snippets/", "/admin/settings/accounts/organisation/",
                     "/comptes/connexions-bloquees/"]:
            response = page.goto(live_server.url + path)
            assert response.ok, f"{path}: {response.status}"
            page.wait_for_load_state("networkidle")
        watch.assert_none()
    finally:
        context.close()
