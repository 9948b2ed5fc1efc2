"""Item-level metrics and log events, emitted where the work happens (web for submits, cluster
for outcomes). Prometheus counters are multiprocess-safe: each process writes its own files under
PROMETHEUS_MULTIPROC_DIR (set in reducer/settings.py) and /metrics sums them."""

from __future__ import annotations

import logging
import threading
import time

from django.db import transaction
from django.db.models.signals import post_save
from prometheus_client import Counter, Histogram

from accounts.models import CreditEntry
from optimizer.engine import Result

from .models import Item
from .signals import item_finished

log = logging.getLogger("optimizer.items")

ITEMS_SUBMITTED = Counter("reducer_items_submitted", "Items accepted for work.", ["face"])
ITEMS_FINISHED = Counter("reducer_items_finished", "Items that reached an outcome.", ["face", "outcome", "error_code"])
ITEM_SECONDS = Histogram(
    "reducer_item_seconds",
    "Seconds from an item's start on a worker to its outcome.",
    ["face", "outcome"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
ENGINE_CPU_SECONDS = Counter("reducer_engine_cpu_seconds", "CPU seconds the worker spent on items.", ["face"])
VARIANT_CPU_SECONDS = Counter(
    "reducer_variant_cpu_seconds",
    "CPU seconds the engine spent making variants, by kind: mode and the format made.",
    ["mode", "format"],
)
BYTES_IN = Counter("reducer_bytes_in", "Source bytes of finished items.", ["face"])
BYTES_OUT = Counter("reducer_bytes_out", "Bytes of the served result of done items.", ["face"])
BYTES_SAVED = Counter("reducer_bytes_saved", "Source bytes minus served result bytes of done items.", ["face"])
CREDITS = Counter("reducer_credits", "Credits held (reserve), charged (settle) and given back (release).", ["kind"])
FETCHES = Counter("reducer_fetches", "Downloads of URL sources by outcome: ok or the error code.", ["outcome"])

_ITEM_CREDITS = {CreditEntry.Kind.RESERVE, CreditEntry.Kind.SETTLE, CreditEntry.Kind.RELEASE}
_started = threading.local()


def start_item() -> None:
    """Mark the CPU clock where a worker starts an item; the outcome's event reports the difference."""
    _started.cpu = time.process_time()


def encoded(result: Result) -> None:
    """Count the engine's CPU per variant kind: lossy, glossy or lossless, and the format made (for a
    target in the source's own format, the format that is)."""
    for variant in result.variants:
        VARIANT_CPU_SECONDS.labels(mode=variant.target.mode.value, format=variant.format.value).inc(variant.cpu_seconds)


def submitted(face: str) -> None:
    ITEMS_SUBMITTED.labels(face=face).inc()


def fetched(outcome: str) -> None:
    FETCHES.labels(outcome=outcome).inc()


def _on_credit_entry(sender, instance: CreditEntry, created: bool, **kwargs) -> None:
    # Every credit movement writes one ledger row: counting rows that commit counts movements.
    if created and instance.kind in _ITEM_CREDITS:
        transaction.on_commit(lambda: CREDITS.labels(kind=instance.kind).inc(instance.amount))


def _on_finished(sender, item_id, generation: int, status: str, **kwargs) -> None:
    started_cpu = getattr(_started, "cpu", None)
    cpu_seconds = time.process_time() - started_cpu if started_cpu is not None else None
    _started.cpu = None
    # After commit: a rolled-back outcome is no outcome, and the metrics must not count it.
    transaction.on_commit(lambda: _report(item_id, generation, cpu_seconds))


def _report(item_id, generation: int, cpu_seconds: float | None) -> None:
    item = Item.objects.select_related("job").filter(pk=item_id, generation=generation).first()
    if item is None:
        return
    face, outcome = item.job.face, item.status
    ITEMS_FINISHED.labels(face=face, outcome=outcome, error_code=item.error_code).inc()
    duration = None
    if item.started_at and item.finished_at:
        duration = (item.finished_at - item.started_at).total_seconds()
        ITEM_SECONDS.labels(face=face, outcome=outcome).observe(duration)
    if cpu_seconds is not None:
        ENGINE_CPU_SECONDS.labels(face=face).inc(cpu_seconds)
    served = item.variants.filter(generation=generation).exclude(storage_name="").order_by("size").first()
    if item.original_size:
        BYTES_IN.labels(face=face).inc(item.original_size)
        if served is not None and outcome == Item.Status.DONE:
            BYTES_OUT.labels(face=face).inc(served.size)
            BYTES_SAVED.labels(face=face).inc(max(item.original_size - served.size, 0))
    log.info(
        "item %s %s%s",
        item.pk,
        outcome,
        f" ({item.error_code})" if item.error_code else "",
        extra={
            "event": "item_finished",
            "item_id": str(item.pk),
            "job_id": str(item.job_id),
            "account_id": item.account_id,
            "face": face,
            "outcome": outcome,
            "error_code": item.error_code or None,
            "duration_seconds": duration,
            "cpu_seconds": round(cpu_seconds, 4) if cpu_seconds is not None else None,
            "bytes_in": item.original_size,
            "bytes_out": served.size if served is not None else None,
        },
    )


# Connected on import: the pipeline (cluster) and services (web) import this module.
item_finished.connect(_on_finished, dispatch_uid="optimizer.observe")
post_save.connect(_on_credit_entry, sender=CreditEntry, dispatch_uid="optimizer.observe.credits")
