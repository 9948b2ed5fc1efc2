"""Latency of the API faces, measured against a real service started by `manage.py serve`.

    .venv/bin/python -m reducer.bench                      # starts a throwaway service
    .venv/bin/python -m reducer.bench --url URL --key KEY  # measures a running one
    .venv/bin/python -m reducer.bench --load [--setup postgres]  # concurrent clients, see reducer.loadbench
    .venv/bin/python -m reducer.bench --overhead  # what metrics + JSON logs cost a poll, see reducer.overheadbench

It prints, in one run:
* sync round trips, p50/p99, for a 200 KB JPEG (lossy, original format) through each face in
  FACES: each sends the image once and returns when the optimized bytes are in hand;
* ShortPixel polling: re-POSTs of 10 already-done URLs (polls/s, p50/p99), and the time from the
  first POST to Code 2 for one 2 MP JPEG (the service fetches it from a local origin server).
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

from optimizer.engine import wordpress

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES = 200 * 1024


def sample_jpeg(target: int = TARGET_BYTES, size: tuple[int, int] | None = None) -> bytes:
    """A photo-like JPEG (gradient plus noise) at quality 90: ``size``, or grown to ``target`` bytes."""
    width, height = size or (400, 300)
    while True:
        rng = random.Random(target)
        image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
        noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        buffer = io.BytesIO()
        Image.blend(image, noise, 0.12).save(buffer, "JPEG", quality=90)
        if size or buffer.tell() >= target:
            return buffer.getvalue()
        width, height = width + 40, (width + 40) * 3 // 4


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


def shortpixel_round_trip(session: requests.Session, base_url: str, key: str, data: bytes) -> None:
    """Upload as the SDK does (refresh, so every run is new work), wait for Code 2, download."""
    response = session.post(
        f"{base_url}/v2/post-reducer.php",
        data={"key": key, "lossy": "1", "refresh": "1", "wait": "30", "file_paths": '{"file1": "bench.jpg"}'},
        files={"file1": ("bench.jpg", data, "application/octet-stream")},
        timeout=120,
    )
    (result,) = response.json()
    if result["Status"]["Code"] != "2":
        raise RuntimeError(f"ShortPixel face answered {result['Status']}")
    session.get(result["LossyURL"], timeout=60).raise_for_status()


Face = Callable[[requests.Session, str, str, bytes], None]
FACES: dict[str, Face] = {"v1": v1_round_trip, "shortpixel": shortpixel_round_trip}


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
def throwaway_service(credits: int, log_file: Path | None = None, **settings: str) -> Iterator[tuple[str, str, int]]:
    """`manage.py serve` on a free port with a fresh data folder and any extra REDUCER_* ``settings``,
    its output to ``log_file`` (else this terminal); yields (base URL, API key, its PID)."""
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
        REDUCER_FETCH_ALLOW_CIDRS="127.0.0.0/8",  # the benchmark's origin server is local
    )
    env.update(settings)
    manage = [sys.executable, str(ROOT / "manage.py")]
    output = open(log_file, "ab") if log_file else None  # noqa: SIM115 -- closed with the service
    to_log = {"stdout": output, "stderr": subprocess.STDOUT if output else None}
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, **to_log)
    created = subprocess.run(
        [*manage, "createaccount", "bench", "--monthly", str(credits)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    key = created.stdout.strip().splitlines()[-1].strip()
    server = subprocess.Popen([*manage, "serve"], cwd=ROOT, env=env, start_new_session=True, **to_log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(base_url):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the service did not start")
            time.sleep(0.25)
        yield base_url, key, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if output:
            output.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def _healthy(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


@contextmanager
def origin_server(files: dict[str, bytes]) -> Iterator[str]:
    """A local HTTP origin the service fetches sources from; yields its base URL."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path, b"")
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def reducer_call(session: requests.Session, base_url: str, body: dict) -> list[dict]:
    response = session.post(f"{base_url}/v2/reducer.php", json=body, timeout=120)
    response.raise_for_status()
    return response.json()


def report_shortpixel_polling(base_url: str, key: str, polls: int) -> None:
    photos = {f"/poll-{n}.jpg": sample_jpeg(40 * 1024 + n) for n in range(10)}
    photos["/two-megapixel.jpg"] = sample_jpeg(0, size=(1632, 1224))
    with origin_server(photos) as origin, requests.Session() as session:
        urls = [origin + path for path in photos if path.startswith("/poll-")]
        done = reducer_call(session, base_url, {"key": key, "urllist": urls, "wait": 30})
        if any(result["Status"]["Code"] != "2" for result in done):
            raise RuntimeError("the 10 URLs did not finish within 30 s")
        timings = []
        for _ in range(polls):
            started = time.perf_counter()
            reducer_call(session, base_url, {"key": key, "urllist": urls})
            timings.append(time.perf_counter() - started)
        print(
            f"  ShortPixel re-POST of 10 done URLs: {len(timings) / sum(timings):6.1f} polls/s   "
            f"p50 {percentile(timings, 0.5) * 1000:6.1f} ms   p99 {percentile(timings, 0.99) * 1000:6.1f} ms"
        )
        started = time.perf_counter()
        body = {"key": key, "urllist": [origin + "/two-megapixel.jpg"]}
        while reducer_call(session, base_url, body)[0]["Status"]["Code"] == "1":
            time.sleep(0.05)
        print(f"  ShortPixel first POST to Code 2, one 2 MP JPEG (default set): {time.perf_counter() - started:.2f} s")


def service_cpu_seconds(root_pid: int | None) -> float:
    """User + system CPU seconds of the live processes under ``root_pid`` (web server and cluster);
    nan for a service this run did not start."""
    if root_pid is None:
        return float("nan")
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone while we looked
            continue
        # after the command: state, ppid, ..., utime and stime are the 12th and 13th fields
        stats[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, grew = {root_pid}, True
    while grew:
        children = {pid for pid, (parent, _) in stats.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return sum(stats[pid][1] for pid in tree if pid in stats) / os.sysconf("SC_CLK_TCK")


def default_uploads() -> list[Path]:
    """The public corpus's JPEG photos of 2-4 MP when it is beside the project, else none."""
    corpus = ROOT.parent / "shared" / "corpus" / "public"
    found = []
    for path in sorted(corpus.glob("*.jpg")) if corpus.is_dir() else []:
        with Image.open(path) as image:
            if 2_000_000 <= image.width * image.height <= 4_200_000:
                found.append(path)
    return found


def report_wordpress(base_url: str, key: str, uploads: list[Path], mode: int, service_pid: int | None) -> None:
    """Each upload as the WordPress plugin sends a media item: its sizes in one reducer.php call with a
    paramlist and a returndatalist (WebP and AVIF on), then re-POSTs until every size is done."""
    images = {path.name: path.read_bytes() for path in uploads}
    images = images or {"sample-2400x1600.jpg": sample_jpeg(0, size=(2400, 1600))}
    files = {f"/{name}/{size}": data for name, image in images.items() for size, data in wordpress.sizes(image).items()}
    print(f"WordPress uploads, lossy={mode}, +webp|+avif, all sizes in one call, re-POSTed every second:")
    with origin_server(files) as origin, requests.Session() as session:
        for name in images:
            sizes = [path for path in files if path.startswith(f"/{name}/")]
            urls = [origin + path for path in sizes]
            body = {
                "key": key, "lossy": mode, "refresh": True, "plugin_version": "bench", "urllist": urls,
                "paramlist": [{"url": url, "convertto": "+webp|+avif"} for url in urls],
                "returndatalist": {"sizes": {path.rsplit("/", 1)[1]: path for path in sizes}},
            }  # fmt: skip
            cpu, started, polls = service_cpu_seconds(service_pid), time.perf_counter(), 0
            answer = reducer_call(session, base_url, body)
            body["refresh"] = False
            while any(answer[str(i)]["Status"]["Code"] == "1" for i in range(len(urls))):
                if time.perf_counter() - started > 300:
                    raise RuntimeError(f"{name}: not done after 300 s")
                time.sleep(1)
                answer, polls = reducer_call(session, base_url, body), polls + 1
            elapsed = time.perf_counter() - started
            codes = [answer[str(i)]["Status"]["Code"] for i in range(len(urls))]
            width, height = Image.open(io.BytesIO(images[name])).size
            print(
                f"  {name} ({width}x{height}, {len(urls)} files): all done in {elapsed:5.1f} s "
                f"after {polls} re-POSTs; service CPU {service_cpu_seconds(service_pid) - cpu:5.1f} s; "
                f"codes {''.join(sorted(set(codes)))}"
            )


def report(base_url: str, key: str, faces: list[str], runs: int) -> None:
    data = sample_jpeg()
    print(f"{len(data) // 1024} KB JPEG, lossy, original format, {runs} sequential round trips per face")
    for name in faces:
        timings = measure(FACES[name], base_url, key, data, runs)
        p50, p99 = percentile(timings, 0.5) * 1000, percentile(timings, 0.99) * 1000
        print(f"{name:>12}: p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   mean {statistics.mean(timings) * 1000:7.1f} ms")
    if "shortpixel" in faces:
        report_shortpixel_polling(base_url, key, polls=runs * 4)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running service (default: start a throwaway one)")
    parser.add_argument("--key", help="API key for --url")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--face", action="append", choices=sorted(FACES), help="default: every face")
    parser.add_argument(
        "--wordpress",
        nargs="*",
        type=Path,
        metavar="IMAGE",
        help="instead: time WordPress uploads (default images: the corpus's 2-4 MP JPEG photos, else a sample)",
    )
    parser.add_argument("--mode", type=int, default=1, choices=(0, 1, 2), help="--wordpress: ShortPixel lossy value")
    parser.add_argument("--load", action="store_true", help="instead: concurrent clients (python -m reducer.loadbench)")
    parser.add_argument(
        "--overhead", action="store_true", help="instead: metrics + logs on vs off (reducer.overheadbench)"
    )
    args, rest = parser.parse_known_args(argv)
    if args.load:
        from reducer import loadbench

        loadbench.main([*rest, *(["--url", args.url, "--key", args.key] if args.url else [])])
        return
    if args.overhead:
        from reducer import overheadbench

        overheadbench.main(rest)
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    faces = args.face or list(FACES)
    if args.url and not args.key:
        parser.error("--url needs --key")

    def run(base_url: str, key: str, service_pid: int | None) -> None:
        if args.wordpress is not None:
            report_wordpress(base_url, key, args.wordpress or default_uploads(), args.mode, service_pid)
        else:
            report(base_url, key, faces, args.runs)

    if args.url:
        run(args.url.rstrip("/"), args.key, None)
        return
    with throwaway_service(credits=(args.runs + 2) * len(faces) + 200) as (base_url, key, service_pid):
        run(base_url, key, service_pid)


if __name__ == "__main__":
    main()
