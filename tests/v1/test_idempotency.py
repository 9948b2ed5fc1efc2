"""An Idempotency-Key on POST /api/v1/compress: a retry with the same key and request gets the first
request's job (the same answer), never a second item or charge, even when both arrive at once; the
same key with another request is a 422."""

import io
import threading

import pytest
import requests

from accounts.models import Plan
from optimizer.models import IdempotentSubmit, Item
from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, body, compress


def _idempotent(key: str, idempotency_key: str) -> dict:
    return {**bearer(key), "HTTP_IDEMPOTENCY_KEY": idempotency_key}


def test_a_retry_with_the_same_key_gets_the_first_job_and_is_charged_once(client, key, cluster):
    data = photo_bytes()
    first = client.post("/api/v1/compress", {"file": _upload(data)}, **_idempotent(key, "retry-1"))
    assert first.status_code == 200, first.content
    again = client.post("/api/v1/compress", {"file": _upload(data)}, **_idempotent(key, "retry-1"))
    assert again.status_code == 200 and again["X-Job-Id"] == first["X-Job-Id"]
    assert body(again) == body(first)
    item = Item.objects.get(pk=first["X-Job-Id"])
    assert Item.objects.filter(account=item.account).count() == 1
    plan = Plan.objects.get(account=item.account)
    assert (plan.monthly_used, plan.reserved) == (1, 0)


def test_the_same_key_with_another_request_is_refused(client, key, cluster):
    assert client.post("/api/v1/compress", {"file": _upload(photo_bytes())}, **_idempotent(key, "k")).status_code == 200
    other = client.post("/api/v1/compress", {"file": _upload(photo_bytes(322, 240))}, **_idempotent(key, "k"))
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    changed = client.post(
        "/api/v1/compress", {"file": _upload(photo_bytes()), "mode": "lossless"}, **_idempotent(key, "k")
    )
    assert changed.status_code == 422


def test_without_the_header_each_request_is_its_own_item(client, key, cluster):
    compress(client, key)
    compress(client, key)
    assert Item.objects.count() == 2


@pytest.mark.backends
def test_concurrent_retries_with_one_key_make_one_item(web, cluster, make_account):
    account, key = make_account(monthly_quota=20)
    data = photo_bytes()
    start = threading.Barrier(6)
    jobs: list[str] = []

    def client() -> None:
        start.wait()
        answer = requests.post(
            f"{web.url}/api/v1/compress",
            files={"file": ("photo.jpg", data)},
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "burst"},
            timeout=60,
        )
        jobs.append(answer.headers.get("X-Job-Id") or answer.json().get("id"))

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(jobs)) == 1 and None not in jobs
    assert Item.objects.filter(account=account).count() == 1
    assert IdempotentSubmit.objects.filter(account=account).count() == 1
    assert Plan.objects.get(account=account).monthly_used == 1


def _upload(data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = "photo.jpg"
    return handle
