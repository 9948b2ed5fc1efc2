"""/healthz: is every part this service needs working right now?"""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django_q.brokers import get_broker
from PIL import features

from optimizer.engine.codecs.png import palette_builder
from optimizer.models import Item, WorkerBeat

log = logging.getLogger(__name__)

CODECS = ("jpg", "zlib", "webp", "avif")  # Pillow feature names: JPEG, PNG (zlib), WebP, AVIF


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _broker() -> str:
    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("broker did not answer")
    return type(broker).__name__


def _storage() -> str:
    # A read, not a write: a probe file on every call would make each load balancer check a write.
    default_storage.exists("healthz-probe")
    return type(default_storage).__name__


def work() -> dict:
    """Whether anything will take queued work: worker processes seen in the last minute (their
    keepers write a row each heartbeat, optimizer.heartbeat; draining ones not counted), queue
    depth and the oldest queued item's age. Reads only."""
    now = timezone.now()
    alive = WorkerBeat.taking_work(now).count()
    queued = Item.objects.filter(status=Item.Status.QUEUED)
    depth = queued.count()
    oldest = queued.aggregate(oldest=Min("enqueued_at"))["oldest"] if depth else None
    age = max(round((now - oldest).total_seconds()), 0) if oldest else 0
    return {"workers_alive": alive, "queue_depth": depth, "oldest_queued_seconds": age}


def _workers() -> dict:
    state = work()
    detail = (
        f"{state['workers_alive']} worker(s) seen in the last minute; {state['queue_depth']} item(s) queued, "
        f"the oldest for {state['oldest_queued_seconds']} s"
    )
    if state["queue_depth"] and not state["workers_alive"]:
        raise RuntimeError(f"no worker alive and work is waiting: {detail}")
    return {"detail": detail, **state}


def _codecs() -> str:
    missing = [name for name in CODECS if not features.check(name)]
    if missing:
        raise RuntimeError(f"missing codecs: {', '.join(missing)}")
    return f"{', '.join(CODECS)}; palettes: {palette_builder()}"


CHECKS = {
    "database": _database,
    "broker": _broker,
    "storage": _storage,
    "codecs": _codecs,
    "workers": _workers,
}


def healthz(request: HttpRequest) -> JsonResponse:
    report: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            found = check()  # a detail, or a detail with figures
            report[name] = {"ok": True, **(found if isinstance(found, dict) else {"detail": found})}
        except Exception as error:  # each failure is reported, never raised
            log.warning("health check %s failed: %s", name, error)
            report[name] = {"ok": False, "detail": str(error) or type(error).__name__}
    healthy = all(part["ok"] for part in report.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": report}, status=200 if healthy else 503)
