"""The resumable state file: one SQLite row per source and output, written as each one finishes.

A row keeps the source's content hash and the options it was optimized with, so a re-run skips
what is done and unchanged and retries what failed. In place, the file on disk is the result after
a run, so its hash is kept too: a file that is our own result counts as done.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

STATE_NAME = ".reducer-state.sqlite"
FINISHED = ("optimized", "unchanged")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
    source TEXT NOT NULL,         -- path relative to the tree's root, or the URL
    output TEXT NOT NULL,         -- main, webp or avif
    source_sha256 TEXT NOT NULL,
    result_sha256 TEXT NOT NULL,  -- the file written (in place: the file now on disk)
    options TEXT NOT NULL,
    outcome TEXT NOT NULL,        -- optimized, unchanged, failed
    reason TEXT NOT NULL,
    written TEXT NOT NULL,        -- the path written, relative to the tree's root
    bytes_before INTEGER NOT NULL,
    bytes_after INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (source, output)
)
"""


@dataclass(frozen=True)
class Record:
    source: str
    output: str
    source_sha256: str
    options: dict
    outcome: str
    reason: str = ""
    result_sha256: str = ""
    written: str = ""
    bytes_before: int = 0
    bytes_after: int = 0


class State:
    """Thread-safe: every job writes its rows through one connection, each row committed at once
    so a killed run loses at most the work in flight."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def done(self, source: str, output: str, sha256: str, options: dict) -> bool:
        """Whether ``output`` of ``source`` was finished from these bytes (or they are our result)
        with these options."""
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM outputs WHERE source = ? AND output = ? AND options = ? AND outcome IN (?, ?)"
                " AND (source_sha256 = ? OR result_sha256 = ?)",
                (source, output, _canonical(options), *FINISHED, sha256, sha256),
            ).fetchone()
        return row is not None

    def failed_at(self, source: str, output: str, sha256: str) -> float | None:
        """When ``output`` of these bytes last failed, or None: a retry must not be answered from it."""
        with self._lock:
            row = self._db.execute(
                "SELECT updated_at FROM outputs WHERE source = ? AND output = ? AND outcome = 'failed'"
                " AND source_sha256 = ?",
                (source, output, sha256),
            ).fetchone()
        return row[0] if row else None

    def save(self, record: Record) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.source,
                    record.output,
                    record.source_sha256,
                    record.result_sha256,
                    _canonical(record.options),
                    record.outcome,
                    record.reason,
                    record.written,
                    record.bytes_before,
                    record.bytes_after,
                    time.time(),
                ),
            )

    def siblings_written(self) -> set[str]:
        """Paths of the WebP/AVIF files this state wrote: never taken for sources."""
        with self._lock:
            rows = self._db.execute("SELECT written FROM outputs WHERE output != 'main' AND written != ''")
            return {written for (written,) in rows}


def _canonical(options: dict) -> str:
    return json.dumps(options, sort_keys=True)
