"""Two web processes share one counter: a key's limit holds whichever process answers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings

from accounts.models import Plan
from tests.conftest import ROOT, service_environment, wait_for


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serving(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="session")
def two_web_processes(django_db_setup, django_db_blocker):
    log_dir = Path(settings.DATA_DIR) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    servers = []
    with open(log_dir / f"v1-web-{os.getpid()}.log", "ab") as log:
        for _ in range(2):
            port = _free_port()
            command = [sys.executable, "-m", "uvicorn", "reducer.asgi:application", "--port", str(port)]
            process = subprocess.Popen(
                [*command, "--host", "127.0.0.1", "--log-level", "warning"],
                cwd=ROOT,
                env=service_environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            servers.append((process, f"http://127.0.0.1:{port}"))
        try:
            for _, url in servers:
                wait_for(lambda url=url: _serving(url), timeout=30, interval=0.1, message="uvicorn did not start")
            yield [url for _, url in servers]
        finally:
            for process, _ in servers:
                process.terminate()
                process.wait(timeout=15)


def _alternate(urls, key, count):
    return [requests.get(f"{urls[i % 2]}/api/v1/info", headers={"X-API-Key": key}, timeout=10) for i in range(count)]


@pytest.mark.backends
def test_the_limit_holds_across_two_web_processes(two_web_processes, make_account):
    account, key = make_account()
    Plan.objects.filter(account=account).update(rate_limit_per_minute=5)
    responses = _alternate(two_web_processes, key, 7)
    if len({r.headers["X-RateLimit-Reset"] for r in responses}) > 1:  # a minute boundary fell inside
        responses = _alternate(two_web_processes, key, 7)
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 2
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["4", "3", "2", "1", "0", "0", "0"]
    assert all(r.headers["Retry-After"] for r in responses[5:])
    assert responses[-1].json()["error"]["code"] == "rate_limit_exceeded"
