"""A demo server for the browser tests and scripts/screenshots.py: a SQLite demo database built once
(`build_demo`), copied and served by `skillfund runserver` on a free loopback port (`start_server`)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 60
# Environment variables of the test run that must not reach the demo server (it has its own database).
_NOT_FOR_SERVER = (
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "SKILLFUND_TEST_DB_NAME",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
)


PEOPLE = "people.json"  # written by build_demo (tests/browser/demo_people.py), read by Server.people


class DemoServerError(RuntimeError):
    pass


def server_env(data_dir: Path) -> dict[str, str]:
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
    local_env = data_dir / "local.env"
    if local_env.exists():  # the folder's own keys, never any of the calling environment
        for line in local_env.read_text().splitlines():
            env.pop(line.split("=", 1)[0], None)
    return env


def _skillfund(*args: str, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            [sys.executable, "-m", "skillfund", *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode:
        raise DemoServerError(f"`skillfund {' '.join(args)}` failed; its output: {log}\n{log.read_text()[-3000:]}")


def build_demo(data_dir: Path, *, persons: int = 120) -> Path:
    """migrate + setup_demo into an empty folder with fresh random keys (local.env), as scripts/run.sh does."""
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = {
        "DJANGO_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "SKILLFUND_ID_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SKILLFUND_ID_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SKILLFUND_AUDIT_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    (data_dir / "local.env").write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
    env = server_env(data_dir)
    log = data_dir / "setup.log"
    _skillfund("migrate", "--noinput", "-v0", env=env, log=log)
    _skillfund("setup_demo", "--persons", str(persons), env=env, log=log)
    with log.open("ab") as out:  # the operators' persons with their ID numbers, for roster files (tests only)
        done = subprocess.run(
            [sys.executable, "-m", "tests.browser.demo_people", str(data_dir / PEOPLE)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        raise DemoServerError(f"listing the demo's people failed:\n{log.read_text()[-3000:]}")
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
    process: subprocess.Popen | None = field(default=None, repr=False)

    def url(self, path: str = "/") -> str:
        return self.base + path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def query(self, sql: str, *params) -> list[tuple]:
        """Read the server's own database (read-only), e.g. a captcha's answer; tests never write to it."""
        uri = f"file:{self.data_dir / 'skillfund.sqlite3'}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=30) as connection:
            return connection.execute(sql, params).fetchall()

    def people(self, username: str = "institution") -> list[dict]:
        """The persons on an operator account's roster when the demo was set up, with their ID numbers
        and names (a clerk's paper list: the pages show them masked). See demo_people.py."""
        return json.loads((self.data_dir / PEOPLE).read_text(encoding="utf-8"))[username]

    def captcha_answer(self, hashkey: str) -> str:
        """The characters of a captcha picture (django-simple-captcha keeps them in its store)."""
        rows = self.query("SELECT response FROM captcha_captchastore WHERE hashkey = ?", hashkey)
        assert rows, f"no captcha {hashkey}"
        return rows[0][0]


def start_server(pristine: Path, into: Path, *, at: datetime | None = None) -> Server:
    """Copy the pristine demo folder and serve it; the caller stops it (`stop_server`)."""
    data_dir = into / "data"
    shutil.copytree(pristine, data_dir)
    server = Server(base=f"http://127.0.0.1:{_free_port()}", data_dir=data_dir, log=into / "server.log")
    _serve(server, at)
    return server


def restart_server(server: Server, *, at: datetime | None = None) -> None:
    """Serve the same folder again on the same address, its clock at `at` (then ticking), e.g. after a
    class has ended or a notice has closed; sessions older than the idle timeout are then gone."""
    stop_server(server)
    _serve(server, at)


def _serve(server: Server, at: datetime | None) -> None:
    env = server_env(server.data_dir)
    command = [sys.executable, "-m", "skillfund", "runserver", "--noreload", server.base.removeprefix("http://")]
    if at is not None:  # the same command under a moved clock (tests/browser/clock.py, time-machine)
        env["SKILLFUND_BROWSER_NOW"] = at.isoformat()
        command[1:3] = ["-m", "tests.browser.clock"]
    with server.log.open("ab") as out:
        out.write(f"\n== serving{' at ' + at.isoformat() if at else ''} ==\n".encode())
        out.flush()
        server.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise DemoServerError(f"the demo server stopped at start:\n{server.output()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url("/login/"), timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    stop_server(server)
    raise DemoServerError(f"the demo server did not answer within {SERVER_START_SECONDS} s:\n{server.output()[-3000:]}")


def stop_server(server: Server) -> None:
    if server.process is None or server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
