"""How many seconds until an item is done, as the faces promise it (v1's ``estimated_seconds``).

An item's own work is the engine's expected CPU-seconds for its targets (``engine.cost``: a cost per
megapixel for each kind of variant, fitted by measurement) over the share of a core each worker
process gets. Its pixel count comes from the stored source's header; items queued ahead of it are
costed from their byte size alone (reading every header would cost more than it tells), and their
work, with what the running items have left, is spread over the live worker processes. A running
item reports what is left of its own estimate, never less than a second.
"""

from __future__ import annotations

import math
import os
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from . import storage
from .engine import Format, cost
from .models import Item, WorkerBeat
from .options import spec_from_json

# Items queued ahead that are costed one by one; any more count at the mean of those.
COSTED_AHEAD = 200
# A source whose bytes were not read is costed as a JPEG photo, the common upload.
UNREAD_FORMAT = Format.JPEG


def live_workers(now: datetime) -> int:
    """Worker processes taking work by their heartbeats; the configured count when none has beaten yet
    (a cluster starting: the estimate assumes the workers it will have)."""
    return WorkerBeat.taking_work(now).count() or settings.REDUCER_QUEUE_WORKERS


def core_share(workers: int) -> float:
    """The share of a core each busy worker process gets: a worker runs one single-threaded job."""
    return min(1.0, (os.cpu_count() or 1) / workers)


def _source_head(item: Item) -> bytes:
    """The first piece of the stored source, enough for its header; empty when none is stored yet
    (a URL not fetched)."""
    if not item.source_name:
        return b""
    return storage.head(item.source_name)


def engine_seconds(item: Item, head: bytes = b"") -> float:
    """The engine's expected CPU-seconds for the item; ``head`` is the start of its source, when read."""
    size = item.original_size or 0
    fmt = cost.source_format(head) if head else UNREAD_FORMAT
    megapixels = (cost.megapixels(head) if head else None) or cost.megapixels_from_size(fmt, size)
    return cost.cpu_seconds(fmt, spec_from_json(item.options).targets, megapixels)


def _elapsed(item: Item, now: datetime) -> float:
    return (now - item.started_at).total_seconds() if item.started_at else 0.0


def _work_ahead(item: Item, now: datetime) -> float:
    """CPU-seconds the workers have to do before they take ``item``: what the running items have left
    and the queued items created before it."""
    running = Item.objects.filter(status=Item.Status.RUNNING).exclude(pk=item.pk)
    left = sum(max(0.0, engine_seconds(other) - _elapsed(other, now)) for other in running)
    if item.status != Item.Status.QUEUED:
        return left
    queued = Item.objects.filter(status=Item.Status.QUEUED, created_at__lt=item.created_at).exclude(pk=item.pk)
    costed = [engine_seconds(other) for other in queued.order_by("created_at")[:COSTED_AHEAD]]
    if not costed:
        return left
    uncosted = queued.count() - len(costed)
    return left + sum(costed) + uncosted * sum(costed) / len(costed)


def expected_seconds(item: Item) -> float:
    """Seconds until ``item`` is expected to be done: its wait behind the work ahead and its own run,
    or for a running item what is left of its run (at least a second); 0 for a finished one."""
    if item.status not in (Item.Status.QUEUED, Item.Status.RUNNING):
        return 0.0
    now = timezone.now()
    workers = live_workers(now)
    share = core_share(workers)
    own = engine_seconds(item, _source_head(item)) / share
    if item.status == Item.Status.RUNNING:
        return max(1.0, own - _elapsed(item, now))
    return _work_ahead(item, now) / share / workers + own


def seconds_left(item: Item) -> int:
    """``expected_seconds`` in whole seconds, at least 1: what v1 answers as ``estimated_seconds``."""
    return max(1, math.ceil(expected_seconds(item)))
