"""Shared fixtures: the test database (SQLite, or PostgreSQL on the scale-out pass), accounts,
real images, and a real django-q2 cluster started once per test session."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from PIL import Image

pytest_plugins = ["tests.network_guard"]

ROOT = Path(__file__).resolve().parent.parent
FETCH_DEADLINE = 4  # seconds: the service processes' download deadline during tests
MAX_BYTES = 3_000_000  # the service processes' size limit during tests
SCALE_OUT_HINT = (
    "the scale-out pass needs PostgreSQL and Redis: start them (Debian: apt-get install postgresql redis-server) "
    "and set REDUCER_TEST_DATABASE_URL / REDUCER_TEST_REDIS_URL if they are not at "
    "postgresql://postgres@127.0.0.1:5432/test and redis://127.0.0.1:6379/15"
)


def wait_for(condition: Callable[[], object], timeout: float, interval: float = 0.05, message: str = "") -> object:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message or f"condition not met within {timeout} s")
        time.sleep(interval)


def _reachable_or_skip() -> None:
    if connection.vendor == "postgresql":
        try:
            connection.ensure_connection()
        except Exception as error:
            pytest.skip(f"PostgreSQL unreachable ({error.__class__.__name__}): {SCALE_OUT_HINT}")
    if settings.REDUCER_REDIS_URL:
        import redis

        try:
            redis.from_url(settings.REDUCER_REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as error:
            pytest.skip(f"Redis unreachable ({error}): {SCALE_OUT_HINT}")


@pytest.fixture(scope="session", autouse=True)
def _backends_reachable(django_db_blocker) -> None:
    with django_db_blocker.unblock():
        _reachable_or_skip()


def database_url() -> str:
    """The URL of the test database, for processes started by the tests."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def service_environment(**overrides: str) -> dict[str, str]:
    """The environment for a service process sharing this test run's database and files."""
    env = dict(os.environ)
    env.update(
        REDUCER_DATABASE_URL=database_url(),
        REDUCER_DATA_DIR=str(settings.DATA_DIR),
        # the test origin server is on loopback; tests of refusals use other addresses
        REDUCER_FETCH_ALLOW_CIDRS="127.0.0.0/8",
        REDUCER_FETCH_DEADLINE=str(FETCH_DEADLINE),
        REDUCER_MAX_BYTES=str(MAX_BYTES),
    )
    env.update(overrides)
    return env


def processes(field: str, value: int) -> set[int]:
    """PIDs whose ``ppid``, ``pgid`` or ``sid`` (from /proc/PID/stat) equals ``value``."""
    position = {"ppid": 1, "pgid": 2, "sid": 3}[field]
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[position]) == value:
            found.add(int(stat.parent.name))
    return found


class ServiceProcess:
    """A service process started by the tests, under the test network guard, logging to a file
    in the test data folder; stopped as an operator would (TERM, then whatever is left)."""

    def __init__(self, name: str, command: list[str], **env: str) -> None:
        log_dir = Path(settings.DATA_DIR) / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}-{os.getpid()}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.guarded", *command],
            cwd=ROOT,
            env=service_environment(**env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
            self._log.close()


class Cluster(ServiceProcess):
    """A real ``manage.py qcluster``."""

    def __init__(self, **env: str) -> None:
        super().__init__("cluster", [str(ROOT / "manage.py"), "qcluster"], **env)

    def worker_pids(self) -> set[int]:
        """PIDs of the cluster's child processes (sentinel, monitor, pusher, workers)."""
        return processes("pgid", self.process.pid) - {self.process.pid}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer(ServiceProcess):
    """A real uvicorn serving reducer on 127.0.0.1."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = ["uvicorn", "reducer.asgi:application", "--host", "127.0.0.1", "--port", str(self.port)]
        # Tests change keys, accounts and domain rules and expect the next request to see it.
        fresh = {"REDUCER_KEY_CACHE_SECONDS": "0"}
        super().__init__("web", [*command, "--log-level", "warning"], REDUCER_PUBLIC_URL=self.url, **fresh)
        wait_for(self._healthy, timeout=30, interval=0.1, message="the web server did not start")

    def _healthy(self) -> bool:
        import requests

        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker) -> Iterator[Cluster]:
    # Per module, so that modules which drive the job model in-process never race a cluster.
    running = Cluster()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def web(django_db_setup, django_db_blocker) -> Iterator[WebServer]:
    server = WebServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_account(transactional_db) -> Callable:
    from accounts.onboarding import open_account

    made = iter(range(1, 10_000))

    def make(monthly_quota: int = 100, onetime_credits: int = 0, name: str = ""):
        return open_account(
            name or f"account-{next(made)}", monthly_quota=monthly_quota, onetime_credits=onetime_credits
        )

    return make


def photo_bytes(width: int = 320, height: int = 240, format: str = "JPEG", quality: int = 95) -> bytes:
    """A real encoded, photo-like image: soft colour gradients and shapes with a little grain."""
    import random

    from PIL import ImageDraw, ImageFilter

    rng = random.Random(width * 7919 + height)
    red = Image.linear_gradient("L").resize((width, height))
    green = red.rotate(90, expand=False).resize((width, height))
    blue = Image.radial_gradient("L").resize((width, height))
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(max(width, height) // 10, max(width, height) // 4)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(2))
    grain = Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))
    image = Image.blend(image, grain, 0.05)
    buffer = io.BytesIO()
    image.save(buffer, format=format, quality=quality)
    return buffer.getvalue()


class Origin:
    """A real HTTP origin on 127.0.0.1 serving whatever a test puts in ``files``; paths can sit
    behind basic auth (``passwords``) or redirect (``redirects``). ``requests`` logs each GET's
    path and Authorization header."""

    def __init__(self) -> None:
        import base64
        import http.server
        import threading

        files = self.files = {}
        delays = self.delays = {}
        passwords = self.passwords = {}
        redirects = self.redirects = {}
        log = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(delays.get(self.path, 0))
                given = self.headers.get("Authorization")
                log.append((self.path, given))
                body = files.get(self.path)
                status = 200 if body is not None else 404
                if self.path in passwords and given != "Basic " + base64.b64encode(passwords[self.path]).decode():
                    status, body = 401, b"who are you?"
                self.send_response(302 if self.path in redirects else status)
                if self.path in redirects:
                    self.send_header("Location", redirects[self.path])
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server.server_port}{path}"

    def serve(self, path: str, body: bytes, delay: float = 0, password: tuple[str, str] | None = None) -> str:
        self.files[path] = body
        self.delays[path] = delay
        if password:
            self.passwords[path] = ":".join(password).encode()
        return self.url(path)

    def redirect(self, path: str, to: str) -> str:
        self.redirects[path] = to
        return self.url(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()
