"""`manage.py serve` (what bin/serve runs): migrates a fresh data folder, creates the demo account,
serves HTTP and runs the cluster together, and stops both on SIGTERM."""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.conftest import ROOT, free_port, processes, wait_for


@pytest.fixture
def fresh_service(tmp_path_factory):
    data_dir = Path(settings.DATA_DIR) / f"serve-{os.getpid()}"
    shutil.rmtree(data_dir, ignore_errors=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDUCER_DATABASE_URL", "REDUCER_REDIS_URL"}}
    env.update(
        REDUCER_DATA_DIR=str(data_dir),
        REDUCER_PORT=str(port),
        REDUCER_DEMO_ACCOUNT="true",
        REDUCER_WEB_WORKERS="1",
        REDUCER_QUEUE_WORKERS="1",
        REDUCER_QUEUE_NAME=f"serve-{port}",
    )
    log = open(tmp_path_factory.mktemp("serve") / "serve.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process, port, log
    if process.poll() is None:  # the test failed before stopping it: stop it the normal way
        children = processes("ppid", process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        finally:
            for pid in {process.pid, *children}:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
    log.close()
    shutil.rmtree(data_dir, ignore_errors=True)


def _output(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def test_serve_runs_web_and_cluster_and_stops_both_on_sigterm(fresh_service):
    process, port, log = fresh_service

    def healthy():
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(healthy, timeout=60, interval=0.25, message="service never became healthy:\n" + _output(log))
    assert "Created the demo account" in _output(log)
    children = processes("ppid", process.pid)  # the web server (uvicorn) and qcluster main processes
    commands = {Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children}
    assert any(b"reducer.webserver" in command for command in commands)
    assert any(b"qcluster" in command for command in commands)
    # each child leads a session of its own, holding its workers
    wait_for(
        lambda: len(set().union(*(processes("sid", pid) for pid in children))) > len(children),
        timeout=30,
        message="the web server and cluster never started their workers",
    )
    static = requests.get(f"http://127.0.0.1:{port}/static/admin/css/base.css", timeout=5)
    assert static.status_code == 200 and "text/css" in static.headers["Content-Type"]

    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, _output(log)
    assert time.monotonic() - started < 20
    assert not any(processes("sid", pid) for pid in children), "web or cluster processes outlived the service"
    assert "reducer stopped" in _output(log)
