"""What metrics and JSON request logs cost a request: a done item's poll, on the same service set up twice.

    .venv/bin/python -m reducer.bench --overhead [--rounds 6] [--seconds 2]

Two throwaway services (SQLite + ORM broker) run side by side: one as an operator runs it in production (REDUCER_METRICS
on, REDUCER_LOG_FORMAT=json at INFO, so one request event per answer, written to a file as a
journal would take it), one with metrics off and logs at WARNING (no request event). One client
polls a done v1 job (GET /api/v1/jobs/{id}) and re-POSTs 10 done ShortPixel URLs back to back, in
--rounds short turns that alternate between the two services, so that both see the same load from
the rest of the machine. It prints, for each: p50/p99, the service's CPU per request (its whole
process tree), and the difference.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from reducer.bench import origin_server, percentile, sample_jpeg, throwaway_service
from reducer.loadbench import DOWNLOAD_SOURCE_BYTES, Scenario, run, scenarios

POLLS = ("v1-job", "sp-poll")  # the done-item polls among the load benchmark's scenarios
OBSERVED = {"REDUCER_METRICS": "true", "REDUCER_LOG_FORMAT": "json", "REDUCER_LOG_LEVEL": "INFO"}
UNOBSERVED = {"REDUCER_METRICS": "false", "REDUCER_LOG_LEVEL": "WARNING"}


@dataclass
class Service:
    name: str
    base_url: str
    pid: int
    log_file: Path
    polls: list[Scenario] = field(default_factory=list)


@dataclass
class Tally:
    timings: list[float] = field(default_factory=list)
    service_cpu: float = 0.0
    log_bytes: int = 0

    def per_request(self, total: float) -> float:
        return total / max(len(self.timings), 1)


def measure(services: list[Service], rounds: int, seconds: float) -> dict[tuple[str, str], Tally]:
    """Each service's polls, one client, in ``rounds`` alternating turns of ``seconds`` each."""
    tallies = {(service.name, poll.name): Tally() for service in services for poll in service.polls}
    for service in services:  # warm up: connections, caches, first imports
        for poll in service.polls:
            run(service.base_url, poll, 1, 1.0, service.pid)
    for _ in range(rounds):
        for service in services:
            for poll in service.polls:
                logged = service.log_file.stat().st_size
                row = run(service.base_url, poll, 1, seconds, service.pid)
                tally = tallies[(service.name, poll.name)]
                tally.timings.extend(row.timings)
                tally.service_cpu += row.service_cpu
                tally.log_bytes += service.log_file.stat().st_size - logged
                if row.errors:
                    raise RuntimeError(f"{service.name} {poll.name}: {row.errors} bad answers")
    return tallies


def report(tallies: dict[tuple[str, str], Tally], names: tuple[str, str]) -> None:
    on, off = names
    for poll in POLLS:
        figures = {}
        for name in names:
            tally = tallies[(name, poll)]
            p50, p99 = (percentile(tally.timings, q) * 1000 for q in (0.5, 0.99))
            cpu = tally.per_request(tally.service_cpu) * 1000
            figures[name] = (p50, p99, cpu)
            print(
                f"  {poll:<8}{name:<4} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   server CPU {cpu:5.2f} ms/req   "
                f"{len(tally.timings):5d} requests   log {tally.per_request(tally.log_bytes):5.0f} bytes/req"
            )
        (p50_on, p99_on, cpu_on), (p50_off, p99_off, cpu_off) = figures[on], figures[off]
        print(
            f"  {poll:<8}cost p50 {p50_on - p50_off:+6.2f} ms ({(p50_on / p50_off - 1) * 100:+.0f} %)   "
            f"p99 {p99_on - p99_off:+6.2f} ms   server CPU {cpu_on - cpu_off:+5.2f} ms/req "
            f"({(cpu_on / cpu_off - 1) * 100:+.0f} %)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reducer.bench --overhead", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="alternating turns per service and poll")
    parser.add_argument("--seconds", type=float, default=2.0, help="per turn")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; 1 client, {args.rounds} turns of "
          f"{args.seconds:g} s per service and poll, alternating")  # fmt: skip
    files = {f"/poll-{n}.jpg": sample_jpeg(40 * 1024 + n) for n in range(10)}
    files["/download.jpg"] = sample_jpeg(DOWNLOAD_SOURCE_BYTES)
    logs = Path(tempfile.mkdtemp(prefix="reducer-overhead-"))
    services = []
    with ExitStack() as stack:
        origin = stack.enter_context(origin_server(files))
        for name, settings in (("on", OBSERVED), ("off", UNOBSERVED)):
            log_file = logs / f"{name}.log"
            base_url, key, pid = stack.enter_context(throwaway_service(credits=200, log_file=log_file, **settings))
            service = Service(name, base_url, pid, log_file)
            service.polls = [poll for poll in scenarios(base_url, key, origin) if poll.name in POLLS]
            services.append(service)
        print("metrics + JSON request logs on vs off:")
        report(measure(services, args.rounds, args.seconds), ("on", "off"))
    print(f"load average {os.getloadavg()[0]:.2f} at the end; service logs in {logs}")
