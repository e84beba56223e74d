"""Browser tests: Debian's chromium driven by Playwright against a real server on a demo database.

- `demo_data` (session): one demo data folder built once — `migrate` + `setup_demo` on a temporary SQLite
  file with its own keys (local.env), exactly as scripts/run.sh does.
- `server` (module): a fresh copy of that folder (database, audit checkpoints, media) served by
  `skillfund runserver --noreload` on a free loopback port; every test module starts from the pristine
  demo, so journeys never see each other's writes. `server.url(path)` gives the absolute address.
- `browser` (module): chromium headless from /usr/bin/chromium (never `playwright install`).
- `page` (desktop 1366x900, zh-hans, Asia/Shanghai) and `phone` (390x844, mobile, touch): each test gets a
  new context; a response ≥ 500, an uncaught page error or a console error fails the test at teardown
  (`allow_console(page, "text")` lets a test expect one, e.g. the 404 of another organization's record).
- helpers (helpers.py): `sign_in(page, username)`, `visit(page, path)`, `assert_no_serious_axe(page)`,
  `assert_cjk_rendered(page)`, `assert_no_horizontal_scroll(page)`.

Without chromium the tests skip, saying why; with CI=true they fail instead. See README.md here.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.helpers import finish_watch, watch

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SKILLFUND_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SERVER_START_SECONDS = 60
# Environment variables of the test run that must not reach the demo server (it has its own database).
_NOT_FOR_SERVER = (
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "SKILLFUND_TEST_DB_NAME",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
)


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


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_SERVER}
    env.update(
        SKILLFUND_ENV="dev",
        SKILLFUND_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'skillfund.sqlite3'}",
        SKILLFUND_REQUIRE_2FA="0",
        DJANGO_DEBUG="1",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="ERROR",
    )
    return env


def _skillfund(*args: str, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "skillfund", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode:
        pytest.fail(f"`skillfund {' '.join(args)}` failed; its output: {log}\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """The pristine demo folder: database + keys + audit checkpoints, built once per test session."""
    _chromium_available()
    data_dir = tmp_path_factory.mktemp("browser-demo")
    keys = {
        "DJANGO_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "SKILLFUND_ID_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SKILLFUND_ID_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SKILLFUND_AUDIT_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    (data_dir / "local.env").write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
    env = _server_env(data_dir)
    for key in keys:  # the folder's keys, not any from the calling environment
        env.pop(key, None)
    log = data_dir / "setup.log"
    _skillfund("migrate", "--noinput", "-v0", env=env, log=log)
    _skillfund("setup_demo", "--persons", os.environ.get("SKILLFUND_BROWSER_PERSONS", "120"), env=env, log=log)
    return data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    data_dir: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def url(self, path: str = "/") -> str:
        return self.base + path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(pristine: Path, into: Path) -> Server:
    """Copy the pristine demo folder and serve it; the caller stops it (`stop_server`)."""
    data_dir = into / "data"
    shutil.copytree(pristine, data_dir)
    env = _server_env(data_dir)
    for line in (data_dir / "local.env").read_text().splitlines():
        env.pop(line.split("=", 1)[0], None)
    port = _free_port()
    log = into / "server.log"
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "skillfund", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    server = Server(base=f"http://127.0.0.1:{port}", data_dir=data_dir, log=log, process=process)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the demo server stopped at start:\n{server.output()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url("/login/"), timeout=5) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    stop_server(server)
    pytest.fail(f"the demo server did not answer within {SERVER_START_SECONDS} s:\n{server.output()[-3000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def server(demo_data, tmp_path_factory) -> Iterator[Server]:
    """A server of this module's own copy of the demo."""
    running = start_server(demo_data, tmp_path_factory.mktemp("browser-server"))
    yield running
    stop_server(running)
    tracebacks = [chunk for chunk in running.output().split("\n\n") if "Traceback (most recent call last)" in chunk]
    assert not tracebacks, "the server logged errors:\n" + "\n\n".join(tracebacks)[-4000:]


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
