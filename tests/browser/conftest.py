"""Browser tests: Debian's chromium driven by Playwright against a real server on a demo database.

- `demo_data` (session): one demo data folder built once — `migrate` + `setup_demo` on a temporary SQLite
  file with its own keys (local.env), exactly as scripts/run.sh does.
- `server` (module): a fresh copy of that folder (database, audit checkpoints, media) served by
  `skillfund runserver --noreload` on a free loopback port; every test module starts from the pristine
  demo, so journeys never see each other's writes. `server.url(path)` gives the absolute address.
- `browser` (module): chromium headless from /usr/bin/chromium (never `playwright install`).
- `page` (desktop 1366x900, zh-hans, Asia/Shanghai) and `phone` (390x844, mobile, touch): each test gets a
  new context; a response ≥ 500, an uncaught page error or a console error fails the test at teardown
  (`allow_console(page, "text")` lets a test expect one). A page's own 4xx is the test's to check (`visit`).
- helpers (helpers.py): `sign_in(page, username)`, `visit(page, path)`, `assert_no_serious_axe(page)`,
  `assert_cjk_rendered(page)`, `assert_no_horizontal_scroll(page)`.

Without chromium the tests skip, saying why; with CI=true they fail instead. See README.md here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.demo_server import DemoServerError, Server, build_demo, start_server, stop_server
from tests.browser.helpers import finish_watch, watch

CHROMIUM = os.environ.get("SKILLFUND_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Every test in this folder is a browser test (`-m "not browser"` leaves them all out).
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def _no_chromium(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests need chromium in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium_available() -> None:
    if not Path(CHROMIUM).exists():
        _no_chromium(f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk; .ci/run does it)")
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the dev group is always installed by bootstrap
        _no_chromium(f"playwright not installed ({exc}); run scripts/bootstrap.sh")


# ---------------------------------------------------------------- demo data and the server ----------


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """The pristine demo folder: database + keys + audit checkpoints, built once per test session."""
    _chromium_available()
    try:
        return build_demo(
            tmp_path_factory.mktemp("browser-demo"), persons=int(os.environ.get("SKILLFUND_BROWSER_PERSONS", "300"))
        )
    except DemoServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def server(demo_data, tmp_path_factory) -> Iterator[Server]:
    """A server of this module's own copy of the demo."""
    try:
        running = start_server(demo_data, tmp_path_factory.mktemp("browser-server"))
    except DemoServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield running
    stop_server(running)
    errors = server_errors(running.output())
    assert not errors, "the server logged errors:\n" + "\n\n".join(errors)[-6000:]


def server_errors(log: str) -> list[str]:
    """Each 500 the server answered (Django logs "Internal Server Error" with its traceback; a 403 or 404
    is logged too, as a warning, and is not an error here), or a traceback outside a request."""
    found, lines = [], log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Internal Server Error") or (
            line.startswith("Traceback (most recent call last)")
            and not (n and lines[n - 1].startswith(("Internal Server Error", "Forbidden", "Not Found", "Bad Request")))
        ):
            end = next((m for m in range(n + 1, len(lines)) if lines[m].startswith("[")), len(lines))
            found.append("\n".join(lines[n : min(end, n + 60)]))
    return found


# ---------------------------------------------------------------- chromium ----------------------------


@pytest.fixture(scope="module")
def browser(server):
    # Module scope: Playwright's sync API keeps an event loop running in this thread, which makes
    # Django refuse ORM calls (SynchronousOnlyOperation) in later non-browser tests of the session.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


def _new_page(browser, server: Server, **options):
    context = browser.new_context(base_url=server.base, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page, watch(page)


def _finish(context, page, watched) -> None:
    context.close()
    finish_watch(page, watched)


@pytest.fixture
def page(browser, server):
    """A desktop page (1366x900, Chinese, Beijing time)."""
    context, created, watched = _new_page(browser, server, viewport=DESKTOP)
    yield created
    _finish(context, created, watched)


@pytest.fixture
def phone(browser, server):
    """A phone-sized page (390x844, mobile, touch), as a worker would hold it."""
    context, created, watched = _new_page(
        browser, server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield created
    _finish(context, created, watched)
