"""Downloads: 422 before completion, a signed link that expires after REDUCER_DOWNLOAD_TTL, and 410
once the result is past retention and deleted."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from optimizer import maintenance
from optimizer.models import Item
from reducer.v1 import links
from tests.v1.conftest import bearer, compress, error


def test_a_job_not_complete_yet_is_not_ready(client, key, monkeypatch, transactional_db):
    monkeypatch.setattr("optimizer.services.enqueue", lambda *args: None)  # nobody works on it
    with override_settings(REDUCER_SYNC_MAX_BYTES=1000):
        job_id = compress(client, key).json()["id"]
    error(client.get(f"/api/v1/jobs/{job_id}/download", **bearer(key)), 422, "not_ready")
    assert client.get(f"/api/v1/jobs/{job_id}", **bearer(key)).json()["status"] == "queued"


@pytest.fixture
def finished_job(client, key, cluster) -> str:
    response = compress(client, key)
    assert response.status_code == 200
    return response["X-Job-Id"]


def _file_path(client, key, job_id) -> str:
    location = client.get(f"/api/v1/jobs/{job_id}/download", **bearer(key))["Location"]
    return "/api/v1/files/" + location.split("/api/v1/files/")[1]


def test_a_signed_link_expires_after_its_ttl(client, key, finished_job, monkeypatch):
    now = float(int(time.time()))
    monkeypatch.setattr(links, "clock", lambda: now)
    path = _file_path(client, key, finished_job)
    expires_at = client.get(f"/api/v1/jobs/{finished_job}", **bearer(key)).json()["expires_at"]
    assert expires_at == datetime.fromtimestamp(now + 3600, UTC).isoformat().replace("+00:00", "Z")
    monkeypatch.setattr(links, "clock", lambda: now + 3599)
    assert client.get(path).status_code == 200
    monkeypatch.setattr(links, "clock", lambda: now + 3601)
    error(client.get(path), 410, "link_expired")
    error(client.get(path[:-3] + "abc"), 404, "not_found")


def test_a_result_past_retention_is_gone(client, key, finished_job):
    path = _file_path(client, key, finished_job)
    Item.objects.filter(pk=finished_job).update(finished_at=timezone.now() - timedelta(days=2))
    assert maintenance.clean_expired() == 1
    error(client.get(path), 410, "expired")
    error(client.get(f"/api/v1/jobs/{finished_job}/download", **bearer(key)), 410, "expired")
    error(client.get(f"/api/v1/jobs/{finished_job}", **bearer(key)), 410, "expired")
