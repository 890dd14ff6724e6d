"""Browser journeys: screenshots of each step, axe-core checks of each page, keyboard focus.

Everything a journey records lands in REPORT, which the conftest prints at the end of the run
(CI does not run pytest with -s)."""

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM = "/usr/bin/chromium"
# No sandbox (root in containers), and nothing that talks to the outside world.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Every page reports the Content-Security-Policy violations it meets (an inline script or
# style, a resource from another origin) to the console with this prefix; CSPWatch collects
# them, and Chromium's own "Refused to …" console errors, and the test fails on any.
CSP_PREFIX = "[csp-violation]"
CSP_LISTENER_JS = """
document.addEventListener('securitypolicyviolation', (event) => {
    console.error('CSP_PREFIX ' + event.violatedDirective
                  + ' blocked ' + (event.blockedURI || 'inline') + ' at '
                  + event.documentURI + ':' + event.lineNumber
                  + (event.sample ? ' (' + event.sample + ')' : ''));
});
""".replace("CSP_PREFIX", CSP_PREFIX)
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class AxeResult:
    journey: str
    step: str
    url: str
    violations: list[dict]


@dataclass
class Report:
    screenshots: dict[str, list[Path]] = field(default_factory=dict)
    axe: list[AxeResult] = field(default_factory=list)
    durations: dict[str, float] = field(default_factory=dict)
    focus_stops: dict[str, int] = field(default_factory=dict)
    axe_version: str = ""


REPORT = Report()


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  - {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            target = " ".join(json.dumps(t) if not isinstance(t, str) else t
                              for t in node["target"])
            summary = " ".join(line.strip() for line in
                               (node.get("failureSummary") or "").splitlines()[1:])
            lines.append(f"    at {target}  {node['html'][:120]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


class CSPWatch:
    """The CSP violations seen by the pages of one browser context."""

    def __init__(self):
        self.violations: list[str] = []

    def attach(self, context) -> None:
        context.add_init_script(script=CSP_LISTENER_JS)
        context.on("page", self.watch)

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page, message) -> None:
        text = message.text
        if text.startswith(CSP_PREFIX) or (
                message.type == "error" and "Content Security Policy" in text):
            self.violations.append(f"{page.url}: {text}")

    def assert_none(self) -> None:
        assert not self.violations, "Content-Security-Policy violations:\n" + "\n".join(
            dict.fromkeys(self.violations))


PHONE_MAX_WIDTH = 480


def assert_fits(page, label: str = "") -> None:
    """At phone width, nothing scrolls sideways: the document is no wider than the screen."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    if not width or width > PHONE_MAX_WIDTH:
        return
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} ({label}) scrolls sideways at {width} px: scrollWidth is {scroll_width}")


class Journey:
    """One user's path through the site: `step` screenshots the page and runs axe on it."""

    def __init__(self, name: str, page, base_url: str):
        self.name = name
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.count = 0
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        REPORT.screenshots[name] = []
        self.started = time.monotonic()

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        assert_fits(self.page, path)
        return response

    def step(self, label: str, *, axe: bool = True) -> Path:
        """Screenshot the current page as <nn-label>.png, check it with axe and, at phone
        width, check that it does not scroll sideways."""
        self.page.wait_for_load_state("load")
        assert_fits(self.page, label)
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        self.page.screenshot(path=str(path), full_page=True)
        REPORT.screenshots[self.name].append(path)
        if axe:
            self.axe(label)
        return path

    def axe(self, label: str) -> list[dict]:
        page = self.page
        # axe comes with every page as an init script (conftest's new_page): a <script> tag
        # added here would be inline code, which the site's CSP rightly refuses.
        assert page.evaluate("() => typeof window.axe !== 'undefined'"), "axe-core not loaded"
        results = page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return {version: r.testEngine.version, violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                              failureSummary: n.failureSummary}))}))};
            }""",
            AXE_TAGS,
        )
        REPORT.axe_version = results["version"]
        path = page.url.removeprefix(self.base_url)
        REPORT.axe.append(AxeResult(self.name, label, path, results["violations"]))
        return results["violations"]

    def finish(self):
        REPORT.durations[self.name] = time.monotonic() - self.started

    def assert_accessible(self):
        failing = [r for r in REPORT.axe if r.journey == self.name and r.violations]
        assert not failing, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(
            f"{r.url} ({r.step}):\n{describe_violations(r.violations)}" for r in failing
        )


def log_in(journey: Journey, username: str, password: str, *, step: str = "login"):
    page = journey.page
    journey.goto("/comptes/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    journey.step(step)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/comptes/connexion/" not in page.url, "login failed"


FOCUS_STYLE_JS = """
(element) => {
    // A visible focus indicator: a computed outline on the element, or on what stands for it
    // (the label of a visually hidden radio, as in the roll call's segmented buttons).
    const outline = (el) => {
        const style = getComputedStyle(el);
        return {ok: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`};
    };
    const own = outline(element);
    if (own.ok) return own;
    for (const label of element.labels || []) {
        const theirs = outline(label);
        if (theirs.ok) return {...theirs, via: 'label'};
    }
    return own;
}
"""

DESCRIBE_FOCUSED_JS = """
() => {
    const el = document.activeElement;
    if (!el || el === document.body) return '';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.name ? '[name=' + el.name + ']' : '') + ' "' + text.slice(0, 40) + '"';
}
"""


def focused_matches(page, selector: str) -> bool:
    return page.evaluate("(sel) => !!document.activeElement && document.activeElement.matches(sel)",
                         selector)


def tab_to(page, selector: str, *, key: str = "Tab", limit: int = 60,
           journey: str = "") -> list[str]:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`, checking that
    every element focused on the way shows a visible focus indicator. Returns the walk."""
    walk = []
    for _ in range(limit):
        page.keyboard.press(key)
        description = page.evaluate(DESCRIBE_FOCUSED_JS)
        if not description:
            continue
        style = page.evaluate_handle("() => document.activeElement").evaluate(FOCUS_STYLE_JS)
        assert style["ok"], f"no visible focus on {description}: {style}"
        walk.append(description)
        if journey:
            REPORT.focus_stops[journey] = REPORT.focus_stops.get(journey, 0) + 1
        if focused_matches(page, selector):
            return walk
    raise AssertionError(f"{selector} not reached with {key}; focus went through: {walk}")


def signature_points(box, *, loops: int = 3) -> list[tuple[float, float]]:
    """A handwriting-like zigzag across the middle of a canvas' bounding box."""
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    points = []
    steps = 12 * loops
    for index in range(steps + 1):
        x = left + width * (0.1 + 0.8 * index / steps)
        y = top + height * (0.3 if index % 4 < 2 else 0.7) + (index % 3) * 2
        points.append((round(x, 1), round(y, 1)))
    return points


def draw_with_mouse(page, canvas) -> None:
    canvas.scroll_into_view_if_needed()
    points = signature_points(canvas.bounding_box())
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()


def draw_with_finger(page, canvas) -> None:
    """A real touch drag (touchstart/move/end through the DevTools protocol): the pad must not
    scroll the page while a finger signs."""
    canvas.scroll_into_view_if_needed()
    points = signature_points(canvas.bounding_box())
    cdp = page.context.new_cdp_session(page)

    def touch(kind, point=None):
        touch_points = [{"x": point[0], "y": point[1], "id": 1}] if point else []
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})

    touch("touchStart", points[0])
    for point in points[1:]:
        touch("touchMove", point)
    touch("touchEnd")
    cdp.detach()
