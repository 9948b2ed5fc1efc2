"""What a run tells its user: a progress bar, one JSON line per file, and a final table."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text


@dataclass
class FileResult:
    """One source's outcome: optimized, unchanged (nothing smaller), failed, skipped (not sent:
    not an image, unreadable) or done (finished by an earlier run)."""

    source: str
    outcome: str
    reason: str = ""
    bytes_before: int = 0
    bytes_after: int = 0
    outputs: dict[str, str] = field(default_factory=dict)  # output -> path written


def human_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable: GB returns")


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed * 60:.0f} files/min" if speed else "- files/min", style="progress.data.speed")


class Reporter:
    """Counts outcomes for the table; draws the bar (stderr, only on a terminal) unless quiet;
    writes a JSON line per file to stdout with ``as_json``."""

    def __init__(self, *, quiet: bool, as_json: bool) -> None:
        self.quiet = quiet
        self.as_json = as_json
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.bytes_before = 0
        self.bytes_after = 0
        self.siblings: Counter[str] = Counter()
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self.console = Console(stderr=True)
        self._progress: Progress | None = None
        self._task = None

    def start(self, total: int) -> None:
        self.started = time.monotonic()
        if self.quiet or not self.console.is_terminal:
            return
        self._progress = Progress(
            TextColumn("[bold]optimizing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("saved {task.fields[saved]}"),
            _Rate(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
        )
        self._task = self._progress.add_task("files", total=total, saved="0 B")
        self._progress.start()

    def file(self, result: FileResult) -> None:
        with self._lock:
            self.counts[result.outcome] += 1
            if result.outcome in ("failed", "skipped"):
                self.reasons[f"{result.outcome}: {result.reason}"] += 1
            if result.outcome in ("optimized", "unchanged"):
                self.bytes_before += result.bytes_before
                self.bytes_after += result.bytes_after
            for output, written in result.outputs.items():
                if output != "main" and written:
                    self.siblings[output] += 1
            if self.as_json:
                sys.stdout.write(json.dumps(asdict(result)) + "\n")
                sys.stdout.flush()
            if self._progress is not None:
                saved = human_bytes(self.bytes_before - self.bytes_after)
                self._progress.update(self._task, advance=1, saved=saved)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def summary(self, credits_used: int | None, retries: dict[str, int], interrupted: bool) -> dict:
        elapsed = time.monotonic() - self.started
        sent = self.counts["optimized"] + self.counts["unchanged"] + self.counts["failed"]
        saved = self.bytes_before - self.bytes_after
        return {
            "optimized": self.counts["optimized"],
            "unchanged": self.counts["unchanged"],
            "failed": self.counts["failed"],
            "skipped": self.counts["skipped"],
            "already_done": self.counts["done"],
            "reasons": dict(self.reasons),
            "siblings": dict(self.siblings),
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "savings_percent": round(100 * saved / self.bytes_before, 2) if self.bytes_before else 0.0,
            "credits_used": credits_used,
            "retries": retries,
            "seconds": round(elapsed, 2),
            "files_per_minute": round(sent * 60 / elapsed, 1) if elapsed > 0 else 0.0,
            "interrupted": interrupted,
        }

    def table(self, summary: dict) -> None:
        """The final table, on stdout (stderr with --json, whose stdout is for machines)."""
        if self.quiet:
            return
        console = self.console if self.as_json else Console()
        title = "interrupted: run again to resume" if summary["interrupted"] else "reducer-cli"
        table = Table(title=title, show_header=False)
        table.add_column()
        table.add_column(justify="right")
        for label in ("optimized", "unchanged", "failed", "skipped", "already_done"):
            table.add_row(label.replace("_", " "), str(summary[label]))
        for reason, count in sorted(summary["reasons"].items()):
            table.add_row(f"  {reason}", str(count))
        for output, count in sorted(summary["siblings"].items()):
            table.add_row(f"{output} siblings written", str(count))
        table.add_row("bytes before", human_bytes(summary["bytes_before"]))
        table.add_row("bytes after", human_bytes(summary["bytes_after"]))
        table.add_row("savings", f"{summary['savings_percent']:.1f} %")
        credits = summary["credits_used"]
        table.add_row("credits used", "unknown" if credits is None else str(credits))
        table.add_row("time", f"{summary['seconds']:.1f} s ({summary['files_per_minute']:.1f} files/min)")
        if summary["retries"]:
            causes = ", ".join(f"{cause}: {count}" for cause, count in sorted(summary["retries"].items()))
            table.add_row("requests retried", causes)
        console.print(table)
