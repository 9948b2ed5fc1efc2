"""Prometheus metrics at /metrics: request counters from every web worker, item counters from every
cluster process (summed over PROMETHEUS_MULTIPROC_DIR), and the queue and worker liveness read from
the database at scrape time, so any machine's scrape shows the whole queue and every worker."""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from optimizer.models import Item, WorkerBeat

REQUESTS = Counter("reducer_requests", "HTTP requests answered.", ["face", "endpoint", "status"])
REQUEST_SECONDS = Histogram(
    "reducer_request_seconds",
    "Seconds to answer an HTTP request.",
    ["face", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

WEBHOOK_DELIVERIES = Counter("reducer_webhook_deliveries", "Webhook delivery attempts by outcome.", ["outcome"])


def counts_webhook_outcomes(deliver: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap the delivery task, which returns its outcome (delivered, retry, failed...)."""

    @functools.wraps(deliver)
    def counted(event_id: str) -> str:
        outcome = deliver(event_id)
        WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
        return outcome

    return counted


class QueueCollector:
    """Queue depth and the age of the oldest queued item, from the database when scraped."""

    def collect(self):
        waiting = (Item.Status.QUEUED, Item.Status.RUNNING)
        counts = dict(Item.objects.filter(status__in=waiting).values_list("status").annotate(n=Count("pk")).order_by())
        depth = GaugeMetricFamily("reducer_queue_depth", "Items by status, waiting or running.", labels=["status"])
        for status in waiting:
            depth.add_metric([status], counts.get(status, 0))
        yield depth
        # A re-queued item (refresh, retry) waits since it was enqueued again, not since created.
        oldest = Item.objects.filter(status=Item.Status.QUEUED).aggregate(
            oldest=Min(Coalesce("enqueued_at", "created_at"))
        )["oldest"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily("reducer_queue_oldest_age_seconds", "Age of the oldest queued item.", value=age)


class WorkerCollector:
    """Worker liveness from the heartbeat rows the workers' keepers write (optimizer.heartbeat), so a
    scrape of any machine sees every cluster's workers. Rows are kept an hour after the last beat."""

    def collect(self):
        now = timezone.now()
        yield GaugeMetricFamily(
            "reducer_workers_alive",
            "Worker processes seen in the last minute and taking work (not draining).",
            value=WorkerBeat.taking_work(now).count(),
        )
        age = GaugeMetricFamily(
            "reducer_worker_heartbeat_age_seconds",
            "Seconds since each worker process's last heartbeat (host:pid), draining or not.",
            labels=["worker", "draining"],
        )
        for name, seen_at, draining in WorkerBeat.objects.values_list("name", "seen_at", "draining"):
            age.add_metric([name, str(draining).lower()], max((now - seen_at).total_seconds(), 0.0))
        yield age


def record_request(face: str, endpoint: str, status: int, seconds: float) -> None:
    REQUESTS.labels(face=face, endpoint=endpoint, status=str(status)).inc()
    REQUEST_SECONDS.labels(face=face, endpoint=endpoint).observe(seconds)


def _allowed(request: HttpRequest) -> bool:
    token = settings.REDUCER_METRICS_TOKEN
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(offered.encode(), token.encode())
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics in Prometheus' text format; 403 without the token (or, with none set, from
    anywhere but loopback); 404 with metrics off."""
    if not settings.REDUCER_METRICS:
        raise Http404("Metrics are off (REDUCER_METRICS).")
    if not _allowed(request):
        return HttpResponse("Metrics need the bearer token (REDUCER_METRICS_TOKEN).\n", status=403)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(QueueCollector())
    registry.register(WorkerCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
