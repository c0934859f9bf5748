"""Browser tests: headless Debian Chromium driven by Playwright, against a real WSGI server
thread serving the test database. The server's threads have their own connections, so the
data they see is committed by `tests.helpers.committed` and removed after each test."""

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_MISSING = "Debian's chromium is not installed (apt-get install chromium)"
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made there are
# ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after the skip reasons
def pytest_terminal_summary(terminalreporter):
    """Outside CI a missing Chromium skips the browser tests (CI fails instead): say so on
    one line at the end of the run (after the skip reasons), with the install command."""
    yield
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if CHROMIUM_MISSING in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} browser tests skipped: Chromium is missing. To run them, install "
            "it (Debian/Ubuntu: apt-get install chromium).",
            yellow=True,
            bold=True,
        )


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def live_port(django_db_setup, django_db_blocker) -> Iterator[int]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(get_wsgi_application()))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def url(live_port):
    def make(venue=None, path: str = "/") -> str:
        host = settings.PARTERRE_BASE_DOMAIN if venue is None else f"{venue.slug}.localhost"
        return f"http://{host}:{live_port}{path}"

    return make


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run must install Debian's chromium package")
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_port):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_port):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
