"""How many seconds until an item is done, as the faces promise it (v1's ``estimated_seconds``).

An item's own work is the engine's expected CPU-seconds for the targets it will make (``engine.cost``:
a cost per megapixel for each kind of variant, fitted by measurement; a conversion the memory budget
leaves out costs nothing) over the share of a core each worker process gets. It is worked out from
the source's header when its bytes are first in hand and kept on the item: an estimate reads no
source. An item without it (a URL not fetched yet) is costed from its byte size as a JPEG photo.
The work of the items queued ahead, with what the running items have left, is spread over the live
worker processes. A running item reports what is left of its own estimate, never less than a second.
"""

from __future__ import annotations

import math
import os
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .engine import Format, Spec, cost
from .models import Item, WorkerBeat
from .options import spec_from_json
from .pipeline import engine_limits

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


def source_fields(data: bytes, spec: Spec) -> dict[str, object]:
    """The Item fields that keep what a source whose bytes are ``data`` is expected to cost: set where
    the bytes are first in hand, so that no estimate has to read them again. Empty when the header is
    unreadable (the engine will say why)."""
    seconds = cost.estimate(data, spec, engine_limits())
    return {} if seconds is None else {"expected_cpu_seconds": seconds}


def engine_seconds(item: Item) -> float:
    """The engine's expected CPU-seconds for the item: as kept, or guessed from its byte size (0 before
    a URL is fetched)."""
    if item.expected_cpu_seconds is not None:
        return item.expected_cpu_seconds
    spec = spec_from_json(item.options)
    return cost.cpu_seconds(cost.shape_from_size(UNREAD_FORMAT, item.original_size or 0), spec.targets, spec.resize)


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
    own = engine_seconds(item) / share
    if item.status == Item.Status.RUNNING:
        return max(1.0, own - _elapsed(item, now))
    return _work_ahead(item, now) / share / workers + own


def seconds_left(item: Item) -> int:
    """``expected_seconds`` in whole seconds, at least 1: what v1 answers as ``estimated_seconds``."""
    return max(1, math.ceil(expected_seconds(item)))
