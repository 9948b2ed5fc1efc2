"""Webhooks from a real cluster: a v1 job posts its JSON once it is done, signed, retried after
a 500 by the cluster's scheduler, and a task delivered twice still makes one delivery."""

import pytest
from django.test import override_settings

from optimizer.models import WebhookEvent
from reducer.v1.webhooks import outbox
from tests.conftest import wait_for
from tests.v1.conftest import bearer, compress
from tests.webhooks.conftest import secret_of

pytestmark = pytest.mark.backends


def _job(client, key, **options) -> str:
    with override_settings(REDUCER_SYNC_MAX_BYTES=1000):
        accepted = compress(client, key, **options)
    assert accepted.status_code == 202, accepted.content
    return accepted.json()["id"]


def test_a_done_job_is_delivered_once_even_when_its_task_runs_again(client, make_account, receiver, cluster):
    account, key = make_account()
    job_id = _job(client, key, webhook_url=receiver.answer("/done", 200))
    (delivery,) = wait_for(lambda: receiver.to("/done"), timeout=60, interval=0.1)
    assert delivery.verifies_with(secret_of(account))
    sent = delivery.json()
    polled = client.get(f"/api/v1/jobs/{job_id}", **bearer(key)).json()
    assert sent["id"] == job_id and sent["status"] == "complete"
    for field in ("original_size", "compressed_size", "savings_percent", "format", "dimensions", "quality"):
        assert sent[field] == polled[field]
    event = WebhookEvent.objects.get(item_id=job_id)
    assert (event.type, event.message_id) == ("job.completed", delivery.id)

    for _ in range(2):  # the broker hands the task out again
        outbox.enqueue(event.pk)
    wait_for(lambda: not cluster_has_work(), timeout=30, interval=0.2)
    assert [d.id for d in receiver.to("/done")] == [delivery.id]
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("delivered", 1)


def test_a_500_is_retried_by_the_cluster_with_the_same_id(client, make_account, receiver, cluster):
    account, key = make_account()
    _job(client, key, callback_url=receiver.answer("/retry", 500, 200))
    both = wait_for(lambda: len(receiver.to("/retry")) >= 2 and receiver.to("/retry"), timeout=75, interval=0.2)
    first, second = both
    assert first.id == second.id
    assert first.verifies_with(secret_of(account)) and second.verifies_with(secret_of(account))
    event = WebhookEvent.objects.get(pk=outbox_id(first.id))
    wait_for(lambda: WebhookEvent.objects.filter(pk=event.pk, status="delivered").exists(), timeout=10)
    event.refresh_from_db()
    assert (event.attempts, event.last_status_code) == (2, 200)


def outbox_id(message_id: str) -> str:
    return message_id.removeprefix("msg_")


def cluster_has_work() -> bool:
    from django_q.brokers import get_broker

    return get_broker().queue_size() > 0
