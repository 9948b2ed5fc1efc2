"""The outbox: which finished items get an event, and every change of an event's state.

An event row is written by the receiver of ``item_finished``, inside the transaction that
finishes the item, and its delivery task is queued when that transaction commits. Every later
change is a conditional UPDATE, so a task delivered twice sends once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

from accounts.models import WebhookEndpoint
from optimizer.models import Item, Job, WebhookEvent
from optimizer.signals import item_finished

TASK = "reducer.v1.webhooks.delivery.deliver"
EVENT_TYPES = {Item.Status.DONE: "job.completed", Item.Status.FAILED: "job.failed"}
LONGEST_WAIT = timedelta(hours=6)


def endpoint_for(job: Job) -> WebhookEndpoint | None:
    """The job's own webhook_url, else the account default; None when there is none or it is disabled."""
    if job.face != Job.Face.V1:
        return None
    if job.webhook_url:
        endpoint, _ = WebhookEndpoint.objects.get_or_create(account_id=job.account_id, url=job.webhook_url)
    else:
        endpoint = WebhookEndpoint.objects.filter(account_id=job.account_id, is_default=True).first()
    return endpoint if endpoint is not None and endpoint.disabled_at is None else None


@receiver(item_finished, dispatch_uid="v1-webhook-outbox")
def record(sender, item_id, generation: int, status: str, **_kwargs) -> None:
    item = Item.objects.select_related("job").get(pk=item_id)
    endpoint = endpoint_for(item.job)
    if endpoint is None:
        return
    event, created = WebhookEvent.objects.get_or_create(
        item_id=item_id,
        generation=generation,
        defaults={
            "account_id": item.account_id,
            "endpoint": endpoint,
            "type": EVENT_TYPES[status],
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue(event.pk))


def enqueue(event_id) -> None:
    async_task(TASK, str(event_id))


def claim(event_id) -> WebhookEvent | None:
    """Start an attempt of a due event; None when it is not due, finished or held by another."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.REDUCER_WEBHOOK_TIMEOUT + 5)
    # One conditional UPDATE: of two concurrent claims the second no longer matches the lease test.
    claimed = WebhookEvent.objects.filter(
        Q(lease_expires_at=None) | Q(lease_expires_at__lt=now),
        pk=event_id,
        status=WebhookEvent.Status.PENDING,
        next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, lease_expires_at=lease)
    return WebhookEvent.objects.select_related("endpoint").get(pk=event_id) if claimed else None


def _held(event: WebhookEvent):
    return WebhookEvent.objects.filter(pk=event.pk, attempts=event.attempts, status=WebhookEvent.Status.PENDING)


def delivered(event: WebhookEvent, status_code: int) -> None:
    _held(event).update(
        status=WebhookEvent.Status.DELIVERED,
        delivered_at=timezone.now(),
        lease_expires_at=None,
        last_status_code=status_code,
        last_error="",
    )


def failed(event: WebhookEvent, error: str, status_code: int | None = None) -> None:
    """Give the event up: retrying cannot help (or the retry window has passed)."""
    _held(event).update(
        status=WebhookEvent.Status.FAILED, lease_expires_at=None, last_status_code=status_code, last_error=error[:300]
    )


def gone(event: WebhookEvent) -> None:
    """The endpoint answered 410 Gone: disable it and everything still waiting for it."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=event.endpoint_id).update(
            disabled_at=timezone.now(), disabled_reason="answered 410 Gone"
        )
        WebhookEvent.objects.filter(endpoint_id=event.endpoint_id, status=WebhookEvent.Status.PENDING).update(
            status=WebhookEvent.Status.DISABLED,
            lease_expires_at=None,
            last_status_code=410,
            last_error="The endpoint answered 410 Gone and was disabled.",
        )


def retry_later(event: WebhookEvent, error: str, status_code: int | None = None) -> datetime | None:
    """Schedule the next attempt with exponential backoff and jitter; fail the event once the
    retry window has passed. Returns when the next attempt is due."""
    wait = backoff(event.attempts)
    next_at = timezone.now() + wait
    if next_at > event.created_at + timedelta(seconds=settings.REDUCER_WEBHOOK_RETRY_WINDOW):
        failed(event, f"Gave up after {event.attempts} attempts: {error}", status_code)
        return None
    with transaction.atomic():
        moved = _held(event).update(
            next_attempt_at=next_at, lease_expires_at=None, last_status_code=status_code, last_error=error[:300]
        )
        if moved:
            # The cluster's scheduler starts it (it looks every 30 s); the sweep is the safety net.
            transaction.on_commit(lambda: schedule(TASK, str(event.pk), schedule_type=Schedule.ONCE, next_run=next_at))
    return next_at if moved else None


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: base * 3^(n-1), at most 6 hours, ±20 % jitter."""
    base = settings.REDUCER_WEBHOOK_RETRY_BASE * 3 ** (attempts - 1)
    wait = timedelta(seconds=base * random.uniform(0.8, 1.2))
    return min(wait, LONGEST_WAIT)


def sweep() -> int:
    """Queue again the events whose attempt was lost (a dropped task, a dead worker)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REDUCER_REQUEUE_AFTER)
    lost = WebhookEvent.objects.filter(
        Q(lease_expires_at=None) | Q(lease_expires_at__lt=now),
        status=WebhookEvent.Status.PENDING,
        next_attempt_at__lt=stale,
    )
    event_ids = list(lost.values_list("pk", flat=True))
    for event_id in event_ids:
        enqueue(event_id)
    return len(event_ids)
