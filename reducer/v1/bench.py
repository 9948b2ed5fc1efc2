"""Round-trip latency of the API faces: p50/p99 for a 200 KB JPEG (lossy, original format).

    .venv/bin/python -m reducer.v1.bench                      # starts a throwaway service
    .venv/bin/python -m reducer.v1.bench --url URL --key KEY  # measures a running one

One function per face in FACES: each sends the image once and returns when the result is in hand.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
TARGET_BYTES = 200 * 1024


def sample_jpeg(target: int = TARGET_BYTES) -> bytes:
    """A photo-like JPEG (gradient plus noise) at quality 90, scaled to about ``target`` bytes."""
    width = 400
    while True:
        height = width * 3 // 4
        rng = random.Random(1)
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        buffer = io.BytesIO()
        Image.blend(image, noise, 0.12).save(buffer, "JPEG", quality=90)
        if buffer.tell() >= target:
            return buffer.getvalue()
        width += 40


def v1_round_trip(session: requests.Session, base_url: str, key: str, data: bytes) -> None:
    response = session.post(
        f"{base_url}/api/v1/compress",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": ("bench.jpg", data, "image/jpeg")},
        data={"mode": "lossy"},
        timeout=120,
    )
    if response.status_code != 200:
        raise RuntimeError(f"v1 answered {response.status_code}: {response.text[:200]}")


Face = Callable[[requests.Session, str, str, bytes], None]
FACES: dict[str, Face] = {"v1": v1_round_trip}


def measure(face: Face, base_url: str, key: str, data: bytes, runs: int, warmup: int = 2) -> list[float]:
    """Seconds per round trip, one request at a time."""
    timings = []
    with requests.Session() as session:
        for run in range(warmup + runs):
            started = time.perf_counter()
            face(session, base_url, key, data)
            if run >= warmup:
                timings.append(time.perf_counter() - started)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def throwaway_service(credits: int) -> Iterator[tuple[str, str]]:
    """`manage.py serve` on a free port with a fresh data folder; yields (base URL, API key)."""
    data_dir = Path(tempfile.mkdtemp(prefix="reducer-bench-"))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDUCER_DATABASE_URL", "REDUCER_REDIS_URL"}}
    env.update(
        REDUCER_DATA_DIR=str(data_dir),
        REDUCER_PORT=str(port),
        REDUCER_DEMO_ACCOUNT="false",
        REDUCER_QUEUE_NAME=f"bench-{port}",
        REDUCER_LOG_LEVEL="WARNING",
        REDUCER_RATE_LIMIT_PER_MINUTE="100000",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    created = subprocess.run(
        [*manage, "createaccount", "bench", "--monthly", str(credits)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = created.stdout.strip().splitlines()[-1].strip()
    server = subprocess.Popen([*manage, "serve"], cwd=ROOT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base_url):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the service did not start")
            time.sleep(0.25)
        yield base_url, key
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def _healthy(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def report(base_url: str, key: str, faces: list[str], runs: int) -> None:
    data = sample_jpeg()
    print(f"{len(data) // 1024} KB JPEG, lossy, original format, {runs} sequential round trips per face")
    for name in faces:
        timings = measure(FACES[name], base_url, key, data, runs)
        p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
        print(f"{name:>12}: p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   mean {statistics.mean(timings) * 1000:7.1f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running service (default: start a throwaway one)")
    parser.add_argument("--key", help="API key for --url")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--face", action="append", choices=sorted(FACES), help="default: every face")
    args = parser.parse_args(argv)
    faces = args.face or list(FACES)
    if args.url:
        if not args.key:
            parser.error("--url needs --key")
        report(args.url.rstrip("/"), args.key, faces, args.runs)
        return
    with throwaway_service(credits=(args.runs + 2) * len(faces) + 10) as (base_url, key):
        report(base_url, key, faces, args.runs)


if __name__ == "__main__":
    main()
