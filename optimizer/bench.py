"""Job-model throughput and latency on the configured database and broker.

    .venv/bin/python -m optimizer.bench --items 200
    REDUCER_DATABASE_URL=postgresql://... REDUCER_REDIS_URL=redis://... .venv/bin/python -m optimizer.bench

Migrates the configured database, opens a scratch account, starts a real `manage.py qcluster`,
submits tiny distinct uploads one after another and prints the task latency (submit -> done, the
queue and bookkeeping, not image work) and items/s from the first submit to the last item done.
Use a scratch database: the account and its items stay behind.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def tiny_jpeg(seed: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (seed % 256, (seed // 256) % 256, 90)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
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
    account, _ = open_account(f"bench-{uuid.uuid4().hex[:8]}", monthly_quota=args.items)
    spec = Spec(targets=(Target(Mode.LOSSY),))
    cluster = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # let the workers start: their start-up is not the queue's latency
        started = time.time()
        for n in range(args.items):
            request = services.WorkRequest(services.UploadSource(tiny_jpeg(n)), spec)
            services.submit(account, "internal", [request])
        items = Item.objects.filter(account=account)
        while items.filter(status__in=[Item.Status.QUEUED, Item.Status.RUNNING]).exists():
            time.sleep(0.2)
        finished = list(items.values_list("created_at", "started_at", "finished_at", "status"))
    finally:
        cluster.send_signal(signal.SIGTERM)
        cluster.wait(timeout=30)
    done = [row for row in finished if row[3] == Item.Status.DONE]
    latencies = sorted((end - created).total_seconds() for created, _, end, _ in done)
    waits = sorted((begun - created).total_seconds() for created, begun, _, _ in done)
    span = max(end for *_, end, _ in done).timestamp() - started
    broker = "Redis" if settings.REDUCER_REDIS_URL else "ORM"
    print(f"{connection_name()} + {broker} broker, {settings.REDUCER_QUEUE_WORKERS} workers, {args.items} items:")
    print(f"  done {len(done)}, failed {len(finished) - len(done)}")
    print(f"  submit -> start: median {statistics.median(waits) * 1000:.0f} ms")
    print(
        f"  submit -> done:  median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p90 {latencies[int(0.9 * (len(latencies) - 1))] * 1000:.0f} ms"
    )
    print(f"  throughput: {len(done) / span:.1f} items/s")


def connection_name() -> str:
    from django.db import connection

    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)


if __name__ == "__main__":
    main()
