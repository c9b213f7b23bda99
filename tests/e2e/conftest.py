"""End-to-end fixtures: the app on a loopback port, and Debian's Chromium driven by Playwright.

The server is the real app (CSRF on, file outbox) with a fresh SQLite file per test; it always
uses SQLite, whatever TEST_DATABASE_URL says. Without Chromium the tests skip, except on CI
(``CI=true``), where a missing browser is an error: there they must run.
"""

import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import Factory, Outbox
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from mri_match import PROJECT_ROOT, create_app
from mri_match.extensions import db

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 10_000


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_path() -> str | None:
    """Debian's Chromium (Playwright's own download does not work here), or $CHROMIUM_PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    candidates = [configured] if configured else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


# --- the app on a free loopback port ---------------------------------------------------------


class LiveServer:
    """A running app: its base ``url``, the ``app`` (for seeding) and its file ``outbox``."""

    def __init__(self, app, server):
        self.app = app
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_port}"
        self.outbox = Outbox(app.config["MAIL_OUTBOX_DIR"])
        self.factory = Factory()

    @contextmanager
    def seeding(self):
        """An app context for arranging data directly in the database."""
        with self.app.app_context():
            yield self.factory
            db.session.remove()


def _add_test_routes(app) -> None:
    """A route that fails unexpectedly, to see the 500 page as a person would."""

    def boom():
        raise RuntimeError("an unexpected failure for the end-to-end tests")

    app.add_url_rule("/_e2e/boom", "e2e_boom", boom)


@pytest.fixture
def live_server(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,  # let the 500 page render, as in production
            "SECRET_KEY": "e2e-secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e2e.sqlite'}",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "file",
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
            "SESSION_COOKIE_SECURE": False,  # plain http on the loopback interface
            "SEND_FILE_MAX_AGE_DEFAULT": 3600,  # the browser caches CSS and JS between pages
        }
    )
    _add_test_routes(app)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"  # links in emails
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        where = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
        message = f"Chromium not found at {where}: apt-get install -y chromium"
        if on_ci():
            pytest.fail(f"{message} (CI=true: end-to-end tests must run, not skip)")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


# Error pages answer 4xx/5xx on purpose; Chromium logs each as a failed resource load.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of")


@pytest.fixture
def page(context):
    """A tab that fails the test on any script error or unexpected console error."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))

    def on_console(message):
        if message.type == "error" and not EXPECTED_CONSOLE.search(message.text):
            errors.append(f"console error: {message.text}")

    page.on("console", on_console)
    yield page
    assert not errors, "The browser reported errors:\n" + "\n".join(errors)


@pytest.fixture
def screenshot(page, request):
    """Save the page as test-artifacts/<test name>.png (call at the end of a journey)."""

    def _take(name: str | None = None) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name or request.node.name)
        path = ARTIFACTS / f"{stem}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


# --- accessibility -----------------------------------------------------------------------------

_axe = Axe()


def assert_accessible(page: Page, what: str | None = None) -> None:
    """axe-core on the page as it is now: no WCAG 2.1 A or AA violation."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    where = what or page.url
    assert results.violations_count == 0, f"{where}\n{results.generate_report()}"


# axe leaves text on a transparent fill inside tables "incomplete" rather than failing it, so
# status badges (white text) are measured here: each needs a fill with 4.5:1 contrast.
_FAINT_BADGES = """() => {
  const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  return [...document.querySelectorAll('.badge')].flatMap((badge) => {
    const style = getComputedStyle(badge);
    const fill = rgba(style.backgroundColor);
    if (fill.length === 4 && fill[3] < 1) return [badge.outerHTML + ' has no solid fill'];
    const [light, dark] = [luminance(rgba(style.color)), luminance(fill)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    return ratio < 4.5 ? [badge.outerHTML + ' contrast ' + ratio.toFixed(2)] : [];
  });
}"""


def assert_readable_and_reflowing(page: Page, what: str | None = None) -> None:
    """What axe does not decide: readable badges, and no sideways scrolling of the page."""
    where = what or page.url
    faint = page.evaluate(_FAINT_BADGES)
    assert not faint, f"{where}: faint status badges:\n" + "\n".join(faint)
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{where}: the page scrolls sideways ({width}px in {viewport}px)"


@pytest.fixture
def a11y(page):
    """Check the current page with axe, and remember which pages were checked."""
    checked: list[str] = []

    def _check(what: str | None = None) -> None:
        page.wait_for_load_state("load")
        assert_accessible(page, what)
        assert_readable_and_reflowing(page, what)
        checked.append(page.url)

    _check.checked = checked
    return _check
