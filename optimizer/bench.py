"""Job-model throughput and latency on the configured database and broker.

    .venv/bin/python -m optimizer.bench --items 200
    REDUCER_DATABASE_URL=postgresql://... REDUCER_REDIS_URL=redis://... .venv/bin/python -m optimizer.bench

Migrates the configured database, opens a scratch account and starts a real `manage.py qcluster`.
Then, with tiny distinct uploads (so the figures are the queue and bookkeeping, not image work):
latency, one item at a time, submit -> start and submit -> done; throughput, a burst of items
submitted at once, items/s from the first submit to the last item done. With --kill, the worker
running the burst's first item to start is SIGKILLed: the burst's time then shows crash recovery.
Use a scratch database: the account and its items stay behind.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def tiny_jpeg(seed: int) -> bytes:
    from PIL import Image

    noise = random.Random(seed).randbytes(16 * 16 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (16, 16), noise).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[round(fraction * (len(ordered) - 1))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200, help="items in the throughput burst")
    parser.add_argument("--latency-items", type=int, default=30, help="items timed one at a time")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the worker of a running burst item")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reducer.settings")
    django.setup()

    from django.conf import settings
    from django.core.management import call_command

    from accounts.onboarding import open_account
    from optimizer import services
    from optimizer.engine import Mode, Spec, Target
    from optimizer.models import Item

    call_command("migrate", interactive=False, verbosity=0)
    account, _ = open_account(f"bench-{uuid.uuid4().hex[:8]}", monthly_quota=args.items + args.latency_items)
    spec = Spec(targets=(Target(Mode.LOSSY),))
    cluster = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    pending = [Item.Status.QUEUED, Item.Status.RUNNING]

    def submit(seed: int) -> Item:
        request = services.WorkRequest(services.UploadSource(tiny_jpeg(seed)), spec)
        return services.submit(account, "internal", [request])[0].item

    try:
        time.sleep(3)  # let the workers start: their start-up is not the queue's latency
        starts, dones = [], []
        for seed in range(args.latency_items):
            item = submit(seed)
            while Item.objects.filter(pk=item.pk, status__in=pending).exists():
                time.sleep(0.005)
            item.refresh_from_db()
            starts.append((item.started_at - item.created_at).total_seconds())
            dones.append((item.finished_at - item.created_at).total_seconds())
        begun = time.time()
        burst = [submit(args.latency_items + seed).pk for seed in range(args.items)]
        killed = kill_a_worker(Item.objects.filter(pk__in=burst)) if args.kill else None
        while Item.objects.filter(pk__in=burst, status__in=pending).exists():
            time.sleep(0.05)
        finished = Item.objects.filter(pk__in=burst)
        last = max(finished.values_list("finished_at", flat=True)).timestamp()
        failed = finished.exclude(status=Item.Status.DONE).count()
    finally:
        cluster.send_signal(signal.SIGTERM)
        cluster.wait(timeout=30)
    broker = "Redis" if settings.REDUCER_REDIS_URL else "ORM"
    print(f"{connection_name()} + {broker} broker, {settings.REDUCER_QUEUE_WORKERS} workers")
    print(
        f"  latency, {len(dones)} items one at a time: submit -> start median {percentile(starts, 0.5) * 1000:.0f} ms"
        f" (p90 {percentile(starts, 0.9) * 1000:.0f}), submit -> done median {percentile(dones, 0.5) * 1000:.0f} ms"
        f" (p90 {percentile(dones, 0.9) * 1000:.0f})"
    )
    print(f"  throughput, {args.items} items at once: {args.items / (last - begun):.1f} items/s, {failed} failed")
    if killed is not None:
        attempts = Item.objects.get(pk=killed).attempts
        print(
            f"  one worker SIGKILLed mid-item: the {args.items} items took {last - begun:.1f} s;"
            f" the killed item ended after {attempts} attempts"
        )


def kill_a_worker(burst) -> str:
    """SIGKILL the worker process running the first burst item seen running; its item's id."""
    from optimizer.models import Item

    while True:
        running = burst.filter(status=Item.Status.RUNNING).values_list("pk", "worker").first()
        if running is not None:
            item_id, worker = running
            os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)
            return item_id
        time.sleep(0.001)


def connection_name() -> str:
    from django.db import connection

    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)


if __name__ == "__main__":
    main()
