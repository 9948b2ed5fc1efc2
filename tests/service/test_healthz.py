"""/healthz reports the database, the broker, storage, codecs and whether workers are alive to take
queued work; it writes nothing."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from optimizer.models import Item, WorkerBeat
from reducer import health
from tests.conftest import photo_bytes
from tests.optimizer.helpers import submit_upload


def test_healthz_reports_every_part_ok(client, transactional_db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage", "codecs", "workers"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["codecs"]["detail"].endswith("photos and alpha: libimagequant")


def test_healthz_is_503_and_names_the_part_that_fails(client, transactional_db):
    def broken() -> str:
        raise RuntimeError("broker did not answer")

    with mock.patch.dict(health.CHECKS, {"broker": broken}):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"] == {"ok": False, "detail": "broker did not answer"}
    assert body["checks"]["database"]["ok"]


def test_healthz_is_503_when_work_waits_and_no_worker_was_seen_in_the_last_minute(client, make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    Item.objects.filter(pk=item.pk).update(enqueued_at=timezone.now() - timedelta(seconds=90))
    WorkerBeat.objects.create(name="gone:1", seen_at=timezone.now() - timedelta(minutes=2))
    response = client.get("/healthz")
    assert response.status_code == 503
    workers = response.json()["checks"]["workers"]
    assert not workers["ok"] and "no worker alive" in workers["detail"] and "90 s" in workers["detail"]

    WorkerBeat.objects.create(name="here:2", seen_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    workers = response.json()["checks"]["workers"]
    assert (workers["workers_alive"], workers["queue_depth"]) == (1, 1)
    assert 89 <= workers["oldest_queued_seconds"] <= 120


def test_healthz_writes_nothing_to_storage(client, transactional_db):
    with mock.patch.object(health.default_storage, "save", side_effect=AssertionError("healthz wrote a file")):
        assert client.get("/healthz").status_code == 200
