"""Scale-out on shared backends: two "machines" (a web server and a cluster each, with data folders
of their own) on one PostgreSQL, one Redis and one S3-compatible bucket. Work submitted through
one machine's web server is downloaded, every result of it, through the other's: ShortPixel result
URLs and a v1 job's signed link alike, streamed from the bucket."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.conftest import ROOT, ServiceProcess, photo_bytes
from tests.s3.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server
from tests.service.web_helpers import OwnWebServer
from tests.shortpixel.client import codes, photos, poll

pytestmark = pytest.mark.backends
PREFIX = "reducer"


@dataclass
class Machine:
    data_dir: Path
    bucket: str
    web: OwnWebServer
    cluster: ServiceProcess

    def stop(self) -> None:
        self.web.stop()
        self.cluster.stop()


@pytest.fixture(scope="module")
def bucket_server() -> Iterator[S3Server]:
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def machines(django_db_setup, django_db_blocker, bucket_server, tmp_path_factory) -> Iterator[tuple[Machine, Machine]]:
    if connection.vendor != "postgresql" or not settings.REDUCER_REDIS_URL:
        pytest.skip("two machines need PostgreSQL and Redis: this runs in bin/test's scale-out pass")
    bucket = bucket_server.new_bucket()
    shared = {
        "REDUCER_STORAGE_BUCKET": bucket,
        "REDUCER_STORAGE_PREFIX": PREFIX,
        "REDUCER_STORAGE_ENDPOINT_URL": bucket_server.url,
        "REDUCER_STORAGE_REGION": "us-east-1",
        "REDUCER_STORAGE_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "REDUCER_STORAGE_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        # Every machine signs and seals with the same key, as an operator configures them.
        "REDUCER_SECRET_KEY": settings.SECRET_KEY,
    }
    started: list[Machine] = []
    try:
        for name in ("a", "b"):
            data_dir = tmp_path_factory.mktemp(f"machine-{name}")
            env = {**shared, "REDUCER_DATA_DIR": str(data_dir)}
            cluster = ServiceProcess(f"machine-{name}-cluster", [str(ROOT / "manage.py"), "qcluster"], **env)
            started.append(Machine(data_dir, bucket, OwnWebServer(f"machine-{name}-web", **env), cluster))
        yield started[0], started[1]
    finally:
        for machine in started:
            machine.stop()


def test_results_made_on_one_machine_are_served_by_the_other(machines, bucket_server, make_account, origin):
    first, second = machines
    _, key = make_account(monthly_quota=50)
    urls = photos(origin, count=6)
    results = poll(first.web, key, urls, timeout=120, lossy=1, convertto="+webp")
    assert codes(results) == ["2"] * len(urls), results

    downloaded = 0
    for result in results:
        for url_field, size_field in (("LossyURL", "LossySize"), ("WebPLossyURL", "WebPLossySize")):
            url = result[url_field]
            if not url.startswith(first.web.url + "/results/"):
                continue  # no better file than the original: nothing stored for it
            served = requests.get(second.web.url + url.removeprefix(first.web.url), timeout=30)
            assert served.status_code == 200, (url, served.status_code)
            assert served.history == []  # a plain GET answered directly, no redirect
            assert len(served.content) == int(result[size_field]) == int(served.headers["Content-Length"])
            downloaded += 1
    assert downloaded >= len(urls)

    keys = bucket_server.keys(first.bucket)
    assert any(stored.startswith(f"{PREFIX}/results/") for stored in keys), keys
    for machine in machines:  # nothing landed on either machine's own disk
        assert not list((machine.data_dir / "media").rglob("*.*")), machine.data_dir


def test_a_v1_job_answered_by_one_machine_is_downloaded_from_the_other(machines, make_account):
    first, second = machines
    _, key = make_account()
    headers = {"Authorization": f"Bearer {key}"}
    files = {"file": ("photo.jpg", photo_bytes(), "image/jpeg")}
    answer = requests.post(f"{first.web.url}/api/v1/compress", files=files, headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    assert len(answer.content) == int(answer.headers["X-Compressed-Size"]) == int(answer.headers["Content-Length"])

    job = answer.headers["X-Job-Id"]
    linked = requests.get(f"{second.web.url}/api/v1/jobs/{job}/download", headers=headers, timeout=30)
    assert linked.status_code == 200 and [hop.status_code for hop in linked.history] == [302]
    assert linked.content == answer.content and linked.headers["Content-Length"] == str(len(answer.content))
