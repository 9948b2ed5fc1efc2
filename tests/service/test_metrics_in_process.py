"""/metrics tells whether workers are alive, from the heartbeat rows every worker's keeper writes:
how many took work in the last minute, and each worker's last heartbeat age. With REDUCER_METRICS
off, nothing is counted and /metrics is not found."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from optimizer.models import WorkerBeat
from tests.service.test_observability import sample


def test_metrics_count_live_workers_and_age_every_heartbeat(client, transactional_db):
    now = timezone.now()
    WorkerBeat.objects.create(name="web-a:101", seen_at=now - timedelta(seconds=5))
    WorkerBeat.objects.create(name="web-a:102", seen_at=now - timedelta(seconds=3), draining=True)
    WorkerBeat.objects.create(name="web-b:201", seen_at=now - timedelta(minutes=5))

    text = client.get("/metrics").content.decode()  # from loopback: no token needed
    assert sample(text, "reducer_workers_alive") == 1  # the draining one takes no work, the other is silent
    ages = {
        name: sample(text, "reducer_worker_heartbeat_age_seconds", worker=name, draining=draining)
        for name, draining in (("web-a:101", "false"), ("web-a:102", "true"), ("web-b:201", "false"))
    }
    assert 5 <= ages["web-a:101"] < 30 and 3 <= ages["web-a:102"] < 30
    assert 300 <= ages["web-b:201"] < 330

    WorkerBeat.objects.filter(name="web-a:101").delete()
    assert sample(client.get("/metrics").content.decode(), "reducer_workers_alive") == 0


def _healthz_counted(client) -> float:
    scrape = client.get("/metrics").content.decode()
    return sample(scrape, "reducer_requests_total", face="other", endpoint="healthz", status="200") or 0.0


def test_with_metrics_off_requests_are_not_counted_and_metrics_is_not_found(client, transactional_db):
    before = _healthz_counted(client)
    assert client.get("/healthz").status_code == 200
    assert _healthz_counted(client) == before + 1

    with override_settings(REDUCER_METRICS=False):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 404
    assert _healthz_counted(client) == before + 1
