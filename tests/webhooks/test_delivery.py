"""One delivery attempt, driven in-process against a real receiver: what is sent, and what
each kind of answer does to the event."""

import base64
import hashlib
import hmac
import threading
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from accounts.models import WebhookEndpoint
from optimizer.models import WebhookEvent
from reducer.v1 import results
from reducer.v1.webhooks import outbox
from reducer.v1.webhooks.delivery import deliver
from tests import network_guard
from tests.webhooks.conftest import event_of, failed_v1_job, secret_of

LOOPBACK = override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.0/8",))


@LOOPBACK
def test_a_finished_job_is_posted_once_signed_with_the_job_json(make_account, receiver):
    account, _ = make_account()
    item = failed_v1_job(account, receiver.answer("/signed", 200))
    event = event_of(item)
    assert (event.type, event.status, event.attempts) == ("job.failed", "pending", 0)

    assert deliver(str(event.pk)) == "delivered"
    (delivery,) = receiver.to("/signed")
    assert delivery.id == event.message_id and delivery.id.startswith("msg_")
    assert abs(int(delivery.headers["webhook-timestamp"]) - time.time()) < 30
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.json() == results.describe(item)
    assert delivery.json()["status"] == "failed" and delivery.json()["error"]["code"] == "unsupported_format"
    # The signature is exactly Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body">.
    secret = secret_of(account)
    assert secret.startswith("whsec_") and delivery.verifies_with(secret)
    signed = f"{delivery.id}.{delivery.headers['webhook-timestamp']}.".encode() + delivery.body
    expected = hmac.new(base64.b64decode(secret.removeprefix("whsec_")), signed, hashlib.sha256).digest()
    assert delivery.headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
    assert not delivery.verifies_with("whsec_" + base64.b64encode(b"another secret, 32 bytes long...").decode())

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_status_code) == ("delivered", 1, 200)
    assert deliver(str(event.pk)) == "not due"  # a second delivery of the task sends nothing
    assert len(receiver.to("/signed")) == 1


def test_a_job_without_endpoint_records_no_event(make_account):
    account, _ = make_account()
    assert not WebhookEvent.objects.filter(item=failed_v1_job(account)).exists()


def test_the_account_default_endpoint_is_used_unless_the_job_names_one(make_account, receiver):
    account, _ = make_account()
    WebhookEndpoint.objects.create(account=account, url=receiver.url("/default"), is_default=True)
    assert event_of(failed_v1_job(account)).endpoint.url == receiver.url("/default")
    assert event_of(failed_v1_job(account, receiver.url("/own"))).endpoint.url == receiver.url("/own")


@LOOPBACK
def test_an_error_answer_schedules_a_retry_with_backoff(make_account, receiver):
    account, _ = make_account()
    event = event_of(failed_v1_job(account, receiver.answer("/flaky", 500, 200)))
    before = timezone.now()
    assert deliver(str(event.pk)) == "retry"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_status_code) == ("pending", 1, 500)
    # base 1 s (test setting), +-20 % jitter
    assert before + timedelta(seconds=0.8) <= event.next_attempt_at <= timezone.now() + timedelta(seconds=1.2)
    planned = Schedule.objects.get(func=outbox.TASK, args__contains=str(event.pk))
    assert planned.schedule_type == Schedule.ONCE and planned.next_run == event.next_attempt_at
    assert deliver(str(event.pk)) == "not due"  # not before its time
    time.sleep((event.next_attempt_at - timezone.now()).total_seconds() + 0.05)
    assert deliver(str(event.pk)) == "delivered"
    first, second = receiver.to("/flaky")
    assert first.id == second.id == event.message_id


@LOOPBACK
@override_settings(REDUCER_WEBHOOK_RETRY_WINDOW=0)
def test_retries_stop_at_the_end_of_the_window(make_account, receiver):
    account, _ = make_account()
    event = event_of(failed_v1_job(account, receiver.answer("/down", 503)))
    deliver(str(event.pk))
    event.refresh_from_db()
    assert (event.status, event.last_status_code) == ("failed", 503)
    assert event.last_error.startswith("Gave up after 1 attempts")


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 4, 6), (2, 12, 18), (4, 108, 162), (12, 6 * 3600, 6 * 3600)])
@override_settings(REDUCER_WEBHOOK_RETRY_BASE=5)
def test_backoff_grows_three_times_per_attempt_with_jitter_and_a_cap(attempt, low, high):
    waits = {outbox.backoff(attempt).total_seconds() for _ in range(50)}
    assert all(low <= wait <= high for wait in waits)
    assert len(waits) > 1 or low == high  # jittered


@LOOPBACK
def test_410_gone_disables_the_endpoint(make_account, receiver):
    account, _ = make_account()
    url = receiver.answer("/gone", 410)
    event = event_of(failed_v1_job(account, url))
    assert deliver(str(event.pk)) == "endpoint disabled"
    event.refresh_from_db()
    endpoint = WebhookEndpoint.objects.get(account=account, url=url)
    assert event.status == "disabled" and endpoint.disabled_at is not None
    later = failed_v1_job(account, url)
    assert not WebhookEvent.objects.filter(item=later).exists()
    assert len(receiver.to("/gone")) == 1


@LOOPBACK
def test_a_redirect_is_a_failure_and_is_not_followed(make_account, receiver):
    account, _ = make_account()
    event = event_of(failed_v1_job(account, receiver.answer("/redirecting", 302)))
    assert deliver(str(event.pk)) == "retry"
    event.refresh_from_db()
    assert (event.status, event.last_status_code) == ("pending", 302)
    assert receiver.to("/moved") == []


def test_an_endpoint_the_guard_refuses_fails_without_connecting(make_account, receiver):
    account, _ = make_account()
    event = event_of(failed_v1_job(account, receiver.url("/internal")))  # loopback is not allowed here
    assert deliver(str(event.pk)) == "failed"
    event.refresh_from_db()
    assert event.status == "failed" and "not a publicly reachable address" in event.last_error
    assert network_guard.connect_attempts == [] and receiver.to("/internal") == []


@LOOPBACK
def test_an_expired_result_is_given_up(make_account, receiver):
    account, _ = make_account()
    item = failed_v1_job(account, receiver.url("/late"))
    item.__class__.objects.filter(pk=item.pk).update(status="expired")
    event = event_of(item)
    assert deliver(str(event.pk)) == "failed"
    assert receiver.to("/late") == []


@pytest.mark.backends
@LOOPBACK
def test_concurrent_deliveries_of_one_event_post_once(make_account, receiver):
    account, _ = make_account()
    event = event_of(failed_v1_job(account, receiver.answer("/race", 200)))
    outcomes = []
    start = threading.Barrier(4)

    def attempt() -> None:
        from django.db import connection

        start.wait()
        try:
            outcomes.append(deliver(str(event.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["delivered", "not due", "not due", "not due"]
    assert len(receiver.to("/race")) == 1
