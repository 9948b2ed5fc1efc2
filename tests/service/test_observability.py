"""Metrics and JSON logs from real processes: a web server and a cluster with REDUCER_LOG_FORMAT=json
and a metrics token, one real v1 job through them, then a scrape and the log lines it left."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, ServiceProcess, photo_bytes, wait_for
from tests.service.web_helpers import OwnWebServer

TOKEN = "metrics-token-for-tests"
ENV = {"REDUCER_LOG_FORMAT": "json", "REDUCER_METRICS_TOKEN": TOKEN}


@pytest.fixture(scope="module")
def observed(django_db_setup, django_db_blocker) -> Iterator[tuple[OwnWebServer, ServiceProcess]]:
    cluster = ServiceProcess("cluster-json-logs", [str(ROOT / "manage.py"), "qcluster"], **ENV)
    web = None
    try:
        web = OwnWebServer("web-json-logs", **ENV)
        yield web, cluster
    finally:
        if web is not None:
            web.stop()
        cluster.stop()


def _events(log_path: Path, **wanted) -> list[dict]:
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # output of tools that do not log through Python's logging
        if isinstance(record, dict) and all(record.get(name) == value for name, value in wanted.items()):
            found.append(record)
    return found


def _submit(web: OwnWebServer, key: str, request_id: str, **options: str) -> requests.Response:
    files = {"file": ("photo.jpg", photo_bytes(), "image/jpeg")}
    headers = {"X-API-Key": key, "X-Request-ID": request_id}
    return requests.post(f"{web.url}/api/v1/compress", files=files, data=options, headers=headers, timeout=60)


def test_a_request_and_its_item_are_logged_as_json_with_their_ids(observed, make_account):
    web, cluster = observed
    account, key = make_account()
    request_id = f"client-{uuid.uuid4().hex}"
    answer = _submit(web, key, request_id)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Request-ID"] == request_id
    item_id = answer.headers["X-Job-Id"]

    (event,) = wait_for(lambda: _events(web.log_path, event="request", request_id=request_id), timeout=10)
    assert event["level"] == "INFO" and event["logger"] == "reducer.requests"
    assert (event["method"], event["path"], event["status"]) == ("POST", "/api/v1/compress", 200)
    assert (event["face"], event["account_id"]) == ("v1", account.pk)
    assert event["duration_seconds"] > 0

    (item,) = wait_for(lambda: _events(cluster.log_path, event="item_finished", item_id=item_id), timeout=30)
    assert (item["outcome"], item["face"], item["account_id"]) == ("done", "v1", account.pk)
    assert item["job_id"] and item["duration_seconds"] >= 0 and item["cpu_seconds"] > 0
    assert item["bytes_in"] > item["bytes_out"] > 0

    made = requests.get(f"{web.url}/healthz", timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # none sent: one is made
    for log in (web.log_path, cluster.log_path):
        assert key not in log.read_text(errors="replace")


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the first sample of ``name`` with ``labels`` in a scrape, None when there is none."""
    for line in text.splitlines():
        if line.startswith((name + "{", name + " ")) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_count_a_real_job_and_need_the_token(observed, make_account):
    web, _ = observed
    _, key = make_account()
    assert _submit(web, key, "metrics-job").status_code == 200
    scrape = lambda: requests.get(  # noqa: E731
        f"{web.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )

    def finished() -> str | None:
        text = scrape().text
        return text if sample(text, "reducer_items_finished_total", face="v1", outcome="done") else None

    text = wait_for(finished, timeout=30, message="no finished item was counted")
    assert sample(text, "reducer_requests_total", face="v1", endpoint="api/v1/compress", status="200") >= 1
    assert sample(text, "reducer_request_seconds_count", face="v1", endpoint="api/v1/compress") >= 1
    assert sample(text, "reducer_items_submitted_total", face="v1") >= 1
    assert sample(text, "reducer_item_seconds_count", face="v1", outcome="done") >= 1
    assert sample(text, "reducer_engine_cpu_seconds_total", face="v1") > 0
    assert sample(text, "reducer_variant_cpu_seconds_total", mode="lossy", format="jpeg") > 0
    assert sample(text, "reducer_bytes_saved_total", face="v1") > 0
    assert "reducer_queue_depth{" in text and "reducer_queue_oldest_age_seconds " in text
    # The cluster's workers, by their heartbeat rows (a test's flush removes them until the next beat).
    wait_for(lambda: sample(scrape().text, "reducer_workers_alive"), timeout=30, message="no worker seen alive")
    # Held by the web server at submit, charged by the cluster at the outcome: one scrape sees both.
    assert sample(text, "reducer_credits_total", kind="reserve") >= 1
    assert sample(text, "reducer_credits_total", kind="settle") >= 1

    def glossy_webp_cpu() -> float:
        return sample(scrape().text, "reducer_variant_cpu_seconds_total", mode="glossy", format="webp") or 0.0

    before = glossy_webp_cpu()  # each kind of variant is counted apart
    assert _submit(web, key, "metrics-webp", output="webp", mode="glossy").status_code == 200
    wait_for(lambda: glossy_webp_cpu() > before, timeout=30, message="no glossy WebP CPU was counted")

    assert requests.get(f"{web.url}/metrics", timeout=10).status_code == 403
    wrong = requests.get(f"{web.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 403
