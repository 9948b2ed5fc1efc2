"""The item state machine: queued -> running -> done | failed (-> expired).

Every transition is one conditional UPDATE that names the state it leaves, the generation and
(for a running item) the attempt that holds it. A duplicate, stale or late run therefore
changes nothing. Credits move in the same transaction as the transition that earns them.

A URL item goes round twice: its fetch step (queued -> running -> queued with its bytes stored,
``fetched``) and then its optimizing step like any upload. Each step is claimed only in its own
phase (``SOURCE_READY``) and counts its own attempts.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import credits

from . import results, storage
from .models import Item, Variant
from .options import spec_from_json
from .queue import enqueue
from .signals import item_finished

POISON_CODE = "poison_input"
# Not "timeout": that code is the fetcher's, for a download that ran out of time.
TIMEOUT_CODE = "processing_timeout"
FETCH_LEASE_MARGIN = 30  # seconds past the download deadline for storing the bytes
FETCH_CANDIDATES = 10  # oldest waiting URLs a fetcher tries to claim in one look


def lease_duration() -> timedelta:
    # Short, whatever the task timeout: the worker's keeper renews it (optimizer.heartbeat) while
    # the worker lives, so a lease that ran out means a dead worker.
    return timedelta(seconds=settings.REDUCER_LEASE_SECONDS)


def fetch_lease_duration() -> timedelta:
    # A download ends at its deadline; then only the write of its bytes is left.
    return timedelta(seconds=settings.REDUCER_FETCH_DEADLINE + FETCH_LEASE_MARGIN)


# Items whose source bytes are stored for their generation: uploads, and URLs the fetch step got.
SOURCE_READY = Q(source_url="") | Q(fetched_generation=F("generation"))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    """The right to run one attempt of one item generation."""

    item: Item
    generation: int
    attempt: int
    fetching: bool = False  # an attempt of the fetch step

    def _held(self):
        held = Item.objects.filter(
            pk=self.item.pk, generation=self.generation, attempts=self.attempt, status=Item.Status.RUNNING
        )
        # Each step counts its own attempts: the phase tells a fetch attempt from an optimizing one.
        return held.exclude(SOURCE_READY) if self.fetching else held.filter(SOURCE_READY)


def _claimable(now) -> Q:
    return Q(status=Item.Status.QUEUED) | Q(status=Item.Status.RUNNING, lease_expires_at__lt=now)


def claim(item_id, generation: int, *, fetching: bool = False) -> Claim | None:
    """Start an attempt of the optimizing step (or with ``fetching``, of a URL's fetch step),
    counting it first; None when there is nothing (left) to run in that step.

    Attempts are counted here, at the start, because a worker killed mid-item (OOM, segfault,
    the task timeout) never reports back: the next delivery sees the spent attempt.
    """
    now = timezone.now()
    started = Item.objects.filter(
        _claimable(now),
        ~SOURCE_READY if fetching else SOURCE_READY,
        pk=item_id,
        generation=generation,
        attempts__lt=settings.REDUCER_MAX_ATTEMPTS,
    ).update(
        status=Item.Status.RUNNING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + (fetch_lease_duration() if fetching else lease_duration()),
        worker=worker_name(),
        started_at=now,
    )
    if not started:
        fail_if_exhausted(item_id, generation)
        return None
    item = Item.objects.get(pk=item_id)
    return Claim(item=item, generation=generation, attempt=item.attempts, fetching=fetching)


def claim_next_fetch() -> Claim | None:
    """Claim the fetch step of the URL item that has waited longest for its download (or whose
    download's lease ran out); None when there is none this process could take."""
    waiting = Item.objects.filter(_claimable(timezone.now()), attempts__lt=settings.REDUCER_MAX_ATTEMPTS)
    oldest = waiting.exclude(SOURCE_READY).order_by("enqueued_at").values_list("pk", "generation")[:FETCH_CANDIDATES]
    for item_id, generation in oldest:  # another process may take one first: then the next
        claimed = claim(item_id, generation, fetching=True)
        if claimed is not None:
            return claimed
    return None


def fetched(claim: Claim, source_name: str, source_fields: dict[str, object]) -> bool:
    """End a fetch attempt: the bytes are stored under ``source_name`` (``source_fields``: the Item
    fields their header filled, see estimates.source_fields), and the item is queued again for its
    optimizing step, with that step's attempts still to count. The caller enqueues it."""
    return bool(
        claim._held().update(
            **source_fields,
            status=Item.Status.QUEUED,
            fetched_generation=claim.generation,
            source_name=source_name,
            attempts=0,
            lease_expires_at=None,
            worker="",
            enqueued_at=timezone.now(),
        )
    )


def fail_if_exhausted(item_id, generation: int) -> bool:
    """Fail an item whose every attempt died: it is a poison input, not work to retry forever."""
    now = timezone.now()
    attempts = settings.REDUCER_MAX_ATTEMPTS
    exhausted = Item.objects.filter(_claimable(now), pk=item_id, generation=generation, attempts__gte=attempts)
    return _finish_failed(
        exhausted,
        item_id,
        generation,
        POISON_CODE,
        f"Processing stopped its worker {attempts} times; this input is not retried.",
    )


def _held_by(worker: str):
    return Item.objects.filter(status=Item.Status.RUNNING, worker=worker)


def renew(worker: str) -> int:
    """Extend the leases of the optimizing steps ``worker`` runs, short of their deadline; returns
    how many. A fetch step keeps the fixed lease its download deadline bounds."""
    now = timezone.now()
    deadline = now - timedelta(seconds=settings.REDUCER_TASK_TIMEOUT)
    running = _held_by(worker).filter(SOURCE_READY, started_at__gt=deadline)
    return running.update(lease_expires_at=now + lease_duration())


def time_out(worker: str) -> int:
    """Fail the optimizing steps ``worker`` has run for longer than the task timeout, as ``timeout``:
    the input is too slow to optimize, which is not the same as one that kills its worker."""
    deadline = timezone.now() - timedelta(seconds=settings.REDUCER_TASK_TIMEOUT)
    late = _held_by(worker).filter(SOURCE_READY, started_at__lte=deadline)
    failed = 0
    for item_id, generation, attempt in late.values_list("pk", "generation", "attempts"):
        held = Item.objects.filter(pk=item_id, generation=generation, attempts=attempt, status=Item.Status.RUNNING)
        message = f"Processing took longer than {settings.REDUCER_TASK_TIMEOUT} s and was stopped."
        failed += _finish_failed(held, item_id, generation, TIMEOUT_CODE, message)
    return failed


def release(worker: str) -> int:
    """Give back the items ``worker`` runs (a draining cluster past its grace): queued again at once,
    with the attempt not counted against the input, and enqueued for any cluster to take."""
    released = 0
    for item_id, generation, attempt in _held_by(worker).values_list("pk", "generation", "attempts"):
        with transaction.atomic():
            moved = Item.objects.filter(
                pk=item_id, generation=generation, attempts=attempt, status=Item.Status.RUNNING, worker=worker
            ).update(
                status=Item.Status.QUEUED,
                attempts=F("attempts") - 1,
                lease_expires_at=None,
                worker="",
                enqueued_at=timezone.now(),
            )
            if moved:
                transaction.on_commit(partial(enqueue, item_id, generation))
                released += 1
    return released


def complete(claim: Claim, variants: list[Variant], original_size: int, source_sha256: str) -> bool:
    """Mark the attempt's item done and record its variants; charge its credit when the item is
    charged work and the result saves enough to earn it (``results.chargeable``), else give it back:
    all or nothing."""
    item = claim.item
    with transaction.atomic():
        if not _finish_done(claim, original_size, source_sha256):
            return False
        # Files of earlier generations (before a refresh) are replaced by this one's.
        stale = Variant.objects.filter(item=item).exclude(generation=claim.generation)
        stale_files = [name for name in stale.values_list("storage_name", flat=True) if name]
        Variant.objects.filter(item=item).delete()
        Variant.objects.bulk_create(variants)
        if item.charged and results.chargeable(spec_from_json(item.options), variants, original_size):
            credits.settle(item.account_id, item.pk, claim.generation)
        else:
            credits.release(item.account_id, item.pk, claim.generation)
        item_finished.send(Item, item_id=item.pk, generation=claim.generation, status=Item.Status.DONE)
        transaction.on_commit(partial(storage.delete_all, stale_files))
    return True


def complete_unchanged(claim: Claim, source_sha256: str) -> bool:
    """A refresh whose source has the bytes the kept results were made from: those results answer
    it, and nothing is charged. False (nothing done) when the bytes changed or no results are kept."""
    item = claim.item
    if item.source_sha256 != source_sha256 or item.s3_key:  # a write-back always writes its bucket again
        return False
    with transaction.atomic():
        kept = Variant.objects.filter(item=item, generation__lt=claim.generation)
        if not kept.exists() or not _finish_done(claim, item.original_size, source_sha256):
            return False
        kept.update(generation=claim.generation)
        credits.release(item.account_id, item.pk, claim.generation)
        item_finished.send(Item, item_id=item.pk, generation=claim.generation, status=Item.Status.DONE)
    return True


def _finish_done(claim: Claim, original_size: int | None, source_sha256: str) -> bool:
    return bool(
        claim._held().update(
            status=Item.Status.DONE,
            finished_at=timezone.now(),
            lease_expires_at=None,
            original_size=original_size,
            source_sha256=source_sha256,
            error_code="",
            error_message="",
        )
    )


def fail(claim: Claim, code: str, message: str) -> bool:
    """Mark the attempt's item failed with a stable code; its credit goes back."""
    return _finish_failed(claim._held(), claim.item.pk, claim.generation, code, message)


def _finish_failed(queryset, item_id, generation: int, code: str, message: str) -> bool:
    with transaction.atomic():
        failed = queryset.update(
            status=Item.Status.FAILED,
            finished_at=timezone.now(),
            lease_expires_at=None,
            error_code=code,
            error_message=message[:2000],
        )
        if failed:
            account_id = Item.objects.values_list("account_id", flat=True).get(pk=item_id)
            credits.release(account_id, item_id, generation)
            item_finished.send(Item, item_id=item_id, generation=generation, status=Item.Status.FAILED)
    return bool(failed)


def restart(item: Item) -> int | None:
    """Begin a new generation of a finished item (refresh, or a re-submission after expiry).

    Returns the new generation, or None when the item is still queued or running (or another
    request restarted it first). The caller reserves the new generation's credit.
    """
    finished = [Item.Status.DONE, Item.Status.FAILED, Item.Status.EXPIRED]
    restarted = Item.objects.filter(pk=item.pk, generation=item.generation, status__in=finished).update(
        status=Item.Status.QUEUED,
        generation=F("generation") + 1,
        attempts=0,
        lease_expires_at=None,
        worker="",
        error_code="",
        error_message="",
        started_at=None,
        finished_at=None,
        enqueued_at=timezone.now(),
    )
    return item.generation + 1 if restarted else None
