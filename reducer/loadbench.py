"""Throughput of the hot reads under concurrent clients: polls/s, latency and server CPU per request.

    .venv/bin/python -m reducer.bench --load                    # SQLite + ORM broker, own service
    .venv/bin/python -m reducer.bench --load --setup postgres   # PostgreSQL + Redis, own service
    .venv/bin/python -m reducer.bench --load --url URL --key KEY

For 1, 10 and 50 clients (--clients), each row runs --seconds and prints requests/s, p50/p99/max,
errors, the service's CPU per request (its whole process tree: web workers and cluster) and the
load clients' own CPU per request, for:
* sp-poll:  a re-POST of 10 done URLs to /v2/reducer.php (the ShortPixel face's poll);
* v1-job:   GET /api/v1/jobs/{id} of a done job;
* download: GET of a ~200 KB result file.

The clients share the machine with the service, so they are kept cheap: one thread per client,
each on its own keep-alive connection, sending prepared request bytes and reading by
Content-Length. The PostgreSQL setup creates a scratch database on 127.0.0.1:5432 (user postgres)
and drops it afterwards; Redis uses a scratch database number on 127.0.0.1:6379. --url measures a
running service; its ShortPixel rows need it to fetch from 127.0.0.1 (REDUCER_FETCH_ALLOW_CIDRS).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from reducer.bench import origin_server, percentile, reducer_call, sample_jpeg, service_cpu_seconds, throwaway_service

DOWNLOAD_SOURCE_BYTES = 420 * 1024  # a JPEG whose lossy result is about 200 KB


class Connection:
    """One keep-alive HTTP/1.1 connection that sends prepared requests and reads whole responses."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _read_until(self, marker: bytes) -> int:
        while (at := self.buffer.find(marker)) < 0:
            self._fill()
        return at

    def _fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def _take(self, count: int) -> bytes:
        while len(self.buffer) < count:
            self._fill()
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken

    def request(self, raw: bytes) -> tuple[int, bytes]:
        """(status, body) of one prepared request."""
        if self.sock is None:
            self.sock = self._connect()
        self.sock.sendall(raw)
        end = self._read_until(b"\r\n\r\n")
        head = self._take(end + 4).decode("latin-1").lower()
        status = int(head[9:12])
        headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
        if "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:  # chunked
            parts = []
            while True:
                size = int(self._take(self._read_until(b"\r\n") + 2).split(b";")[0], 16)
                parts.append(self._take(size + 2)[:-2])
                if not size:
                    break
            body = b"".join(parts)
        if headers.get("connection") == "close":
            self.close()
        return status, body


def prepared(method: str, base_url: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    host = urlsplit(base_url).netloc
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Scenario:
    name: str
    raw: bytes
    expect: bytes = b""  # a fragment every good answer holds


@dataclass
class Row:
    clients: int
    seconds: float
    timings: list[float] = field(default_factory=list)
    errors: int = 0
    service_cpu: float = 0.0
    client_cpu: float = 0.0

    def line(self, name: str) -> str:
        done = len(self.timings)
        ms = [percentile(self.timings, q) * 1000 for q in (0.5, 0.99)] if done else [float("nan")] * 2
        worst = max(self.timings, default=float("nan")) * 1000
        per = 1000 / max(done, 1)
        return (
            f"  {name:<9}{self.clients:>4} clients: {done / self.seconds:7.1f}/s   p50 {ms[0]:6.1f}   p99 {ms[1]:6.1f}"
            f"   max {worst:7.1f} ms   errors {self.errors:<4} server CPU {self.service_cpu * per:5.2f} ms/req"
            f"   clients' CPU {self.client_cpu * per:4.2f} ms/req"
        )


def run(base_url: str, scenario: Scenario, clients: int, seconds: float, service_pid: int | None) -> Row:
    """``clients`` threads, each sending the scenario's request back to back on its own connection."""
    parts = urlsplit(base_url)
    row = Row(clients, seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client() -> None:
        connection, timings, errors = Connection(parts.hostname, parts.port or 80), [], 0
        start.wait()
        while (now := time.perf_counter()) < stop_at[0]:
            try:
                status, body = connection.request(scenario.raw)
                good = status == 200 and scenario.expect in body
            except OSError:
                connection.close()
                good = False
            if good:
                timings.append(time.perf_counter() - now)
            else:
                errors += 1
        connection.close()
        with lock:
            row.timings.extend(timings)
            row.errors += errors

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    service_cpu, client_cpu = service_cpu_seconds(service_pid), time.process_time()
    stop_at[0] = time.perf_counter() + seconds
    start.wait()
    for thread in threads:
        thread.join()
    row.service_cpu = service_cpu_seconds(service_pid) - service_cpu
    row.client_cpu = time.process_time() - client_cpu
    return row


def scenarios(base_url: str, key: str, origin: str) -> list[Scenario]:
    """Make the done work the scenarios read: 10 polled URLs, a v1 job, a ~200 KB result file."""
    urls = [f"{origin}/poll-{n}.jpg" for n in range(10)]
    with requests.Session() as session:
        done = reducer_call(session, base_url, {"key": key, "urllist": urls, "wait": 30})
        if any(result["Status"]["Code"] != "2" for result in done):
            raise RuntimeError(f"the 10 URLs did not finish: {[result['Status'] for result in done]}")
        big = reducer_call(session, base_url, {"key": key, "urllist": [f"{origin}/download.jpg"], "wait": 30})[0]
        if big["Status"]["Code"] != "2":
            raise RuntimeError(f"the download source did not finish: {big['Status']}")
        bearer = {"Authorization": f"Bearer {key}"}
        compressed = session.post(
            f"{base_url}/api/v1/compress",
            headers=bearer,
            files={"file": ("bench.jpg", sample_jpeg(40 * 1024), "image/jpeg")},
            data={"mode": "lossy"},
            timeout=120,
        )
        compressed.raise_for_status()
        job = compressed.headers["X-Job-Id"]
    poll = json.dumps({"key": key, "urllist": urls}).encode()
    download = urlsplit(big["LossyURL"]).path
    print(f"  (download: {download.rsplit('/', 1)[-1]}, {int(big['LossySize']) // 1024} KB)")
    return [
        Scenario(
            "sp-poll",
            prepared("POST", base_url, "/v2/reducer.php", poll, {"Content-Type": "application/json"}),
            b'"Code": "2"',
        ),
        Scenario("v1-job", prepared("GET", base_url, f"/api/v1/jobs/{job}", headers=bearer), b'"status":"complete"'),
        Scenario("download", prepared("GET", base_url, download)),
    ]


def report(base_url: str, key: str, clients: list[int], seconds: float, service_pid: int | None) -> None:
    files = {f"/poll-{n}.jpg": sample_jpeg(40 * 1024 + n) for n in range(10)}
    files["/download.jpg"] = sample_jpeg(DOWNLOAD_SOURCE_BYTES)
    with origin_server(files) as origin:
        for scenario in scenarios(base_url, key, origin):
            run(base_url, scenario, 2, 1.0, service_pid)  # warm up: connections, caches, JIT-free imports
            for count in clients:
                print(run(base_url, scenario, count, seconds, service_pid).line(scenario.name), flush=True)


@contextmanager
def postgres_and_redis(redis_db: int) -> Iterator[dict[str, str]]:
    """A scratch PostgreSQL database (dropped after) and a Redis database number: the service's settings."""
    import psycopg

    name = f"reducer_bench_{os.getpid()}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {
            "REDUCER_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
            "REDUCER_REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        }
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reducer.bench --load", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running service (default: start a throwaway one)")
    parser.add_argument("--key", help="API key for --url")
    parser.add_argument("--setup", choices=("sqlite", "postgres"), default="sqlite", help="the throwaway service's")
    parser.add_argument("--redis-db", type=int, default=14, help="--setup postgres: the scratch Redis database")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=5.0, help="per row")
    args = parser.parse_args(argv)
    if args.url and not args.key:
        parser.error("--url needs --key")
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; {args.seconds:g} s per row")
    if args.url:
        report(args.url.rstrip("/"), args.key, args.clients, args.seconds, None)
        return
    with ExitStack() as stack:
        settings = stack.enter_context(postgres_and_redis(args.redis_db)) if args.setup == "postgres" else {}
        base_url, key, pid = stack.enter_context(throwaway_service(credits=200, **settings))
        print(f"throwaway service, {args.setup}: {base_url}")
        report(base_url, key, args.clients, args.seconds, pid)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
