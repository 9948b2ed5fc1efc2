"""Scheduled upkeep: re-enqueue lost work, fail exhausted items, delete results past retention.

django-q2 is at-least-once at best: the Redis broker drops a task whose worker dies, and a web
process can die between its commit and its enqueue. The item table is the truth; the sweeper
reconciles the queue with it, at either step of a URL item: a re-sent task finds the step the
item is at (its download, which nudges a fetcher, or its optimizing).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule

from . import lifecycle, storage
from .models import IdempotentSubmit, Item, Variant, WorkerBeat
from .queue import enqueue

log = logging.getLogger(__name__)

FINISHED = (Item.Status.DONE, Item.Status.FAILED)
SCHEDULES = {
    "reducer: sweep lost items": ("optimizer.tasks.sweep", "REDUCER_SWEEP_MINUTES"),
    "reducer: delete expired results": ("optimizer.tasks.clean_expired", "REDUCER_CLEANUP_MINUTES"),
    "reducer: resend lost webhooks": ("reducer.v1.webhooks.outbox.sweep", "REDUCER_SWEEP_MINUTES"),
}


def ensure_schedules(**_signal_kwargs) -> None:
    """Create or update the periodic tasks (run after every migrate)."""
    for name, (func, minutes_setting) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": getattr(settings, minutes_setting),
                "repeats": -1,
            },
        )


def _requeue(item_id, generation: int, enqueued_at) -> bool:
    # Conditional on the enqueue time we saw, so two sweepers never both re-enqueue one item.
    moved = Item.objects.filter(pk=item_id, generation=generation, enqueued_at=enqueued_at).update(
        enqueued_at=timezone.now()
    )
    if moved:
        enqueue(item_id, generation)
    return bool(moved)


def recover_orphans() -> dict:
    """Re-enqueue (or fail as poison inputs) the running items whose worker died: their lease ran out.
    Cheap enough for every worker's keeper to run each heartbeat (optimizer.heartbeat)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REDUCER_REQUEUE_AFTER)
    counts = {"requeued_running": 0, "poisoned": 0}
    # Once per lease that ran out (not re-enqueued since), then at most once per REQUEUE_AFTER.
    not_resent = Q(enqueued_at__lt=F("lease_expires_at")) | Q(enqueued_at__lt=stale)
    orphaned = Item.objects.filter(not_resent, status=Item.Status.RUNNING, lease_expires_at__lt=now)
    for item_id, generation, enqueued_at in orphaned.values_list("pk", "generation", "enqueued_at"):
        if lifecycle.fail_if_exhausted(item_id, generation):
            counts["poisoned"] += 1
        elif _requeue(item_id, generation, enqueued_at):
            counts["requeued_running"] += 1
    return counts


def sweep() -> dict:
    """One pass over lost work. Returns counts, for the task log."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REDUCER_REQUEUE_AFTER)
    counts = {**recover_orphans(), "requeued_queued": 0}
    # A queued item waits its turn while the queue is busy; only with the queue drained is an
    # old queued item certainly lost (never enqueued, or dropped by the broker).
    if get_broker().queue_size() == 0:
        lost = Item.objects.filter(status=Item.Status.QUEUED, enqueued_at__lt=stale)
        for item_id, generation, enqueued_at in lost.values_list("pk", "generation", "enqueued_at"):
            counts["requeued_queued"] += _requeue(item_id, generation, enqueued_at)
    if any(counts.values()):
        log.warning("sweep: %s", counts)
    # Rows of worker processes gone for an hour say nothing more to /healthz.
    WorkerBeat.objects.filter(seen_at__lt=now - timedelta(hours=1)).delete()
    # Idempotency-Keys past their time answer nothing more: a request with one is new again.
    IdempotentSubmit.objects.filter(
        created_at__lt=now - timedelta(seconds=settings.REDUCER_IDEMPOTENCY_SECONDS)
    ).delete()
    return counts


def clean_expired() -> int:
    """Delete the files of items finished longer than the retention ago; mark them expired."""
    cutoff = timezone.now() - timedelta(seconds=settings.REDUCER_RESULT_RETENTION)
    finished = Item.objects.filter(status__in=FINISHED, finished_at__lt=cutoff)
    return sum(expire(item) for item in finished.only("pk", "generation", "status", "source_name"))


def expire(item: Item) -> bool:
    """Drop a finished item's results (and its upload, unless another item uses it)."""
    with transaction.atomic():
        gone = Item.objects.filter(pk=item.pk, generation=item.generation, status__in=FINISHED).update(
            status=Item.Status.EXPIRED
        )
        if not gone:  # still running, refreshed meanwhile, or expired already
            return False
        variants = Variant.objects.filter(item_id=item.pk)
        files = [name for name in variants.values_list("storage_name", flat=True) if name]
        variants.delete()
        if item.source_name and not _source_still_used(item):
            files.append(item.source_name)
        transaction.on_commit(lambda: storage.delete_all(files))
    return True


def _source_still_used(item: Item) -> bool:
    live = [Item.Status.QUEUED, Item.Status.RUNNING, Item.Status.DONE, Item.Status.FAILED]
    return Item.objects.filter(source_name=item.source_name, status__in=live).exclude(pk=item.pk).exists()
