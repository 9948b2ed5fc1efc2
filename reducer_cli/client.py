"""HTTP to a reducer: the v1 API for uploads, the ShortPixel face for URLs, one retry policy for both.

Failures that concern the whole run (server unreachable, key refused, no credits) are raised as
``RunError``; a failure of one file as ``FileError`` with the server's stable code.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests

# Seconds: connecting, then reading (a v1 upload is held up to the server's sync wait, 30 s).
TIMEOUT = (10, 120)
MAX_BACKOFF = 60.0
# 500 is a per-file verdict (compression_failed: an input that keeps crashing its worker), so
# only the statuses of a passing overload or a proxy in the way are retried.
RETRIED_STATUSES = {429, 502, 503, 504}
POLL_INTERVAL = 1.0


class RunError(Exception):
    """Stops the whole run: ``reason`` is one of unreachable, bad_key, no_credits, server_error."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Stopped(Exception):
    """The run is stopping and this request was not sent yet."""


class FileError(Exception):
    """One file (or URL) failed; ``code`` is the server's stable error code, or ours."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


@dataclass(frozen=True)
class Compressed:
    """The answer to one upload: the served bytes and what the server said about them."""

    data: bytes
    format: str
    original_size: int


def idempotency_key(data: bytes, options: dict, retry_of: str = "") -> str:
    """Stable for the same bytes and options, across retries and re-runs, so a server that knows
    the header answers a repeated upload from the first one instead of charging it again.
    ``retry_of`` names an earlier failure this upload retries: the server must try again, not
    answer from that failure."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps(options, sort_keys=True).encode())
    digest.update(retry_of.encode())
    return digest.hexdigest()


class Client:
    """A reducer at ``server`` used with ``key``. Thread-safe: one requests.Session per thread."""

    def __init__(
        self,
        server: str,
        key: str,
        *,
        retries: int = 5,
        backoff: float = 1.0,
        stop: threading.Event | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.key = key
        self.retries = retries
        self.backoff = backoff
        self.stop = stop or threading.Event()
        # Requests sent again, by cause ("429", "503", "ConnectTimeout", ...): for the summary.
        self.retried: Counter[str] = Counter()
        self._local = threading.local()
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
            self._local.session.headers["User-Agent"] = "reducer-cli"
        return self._local.session

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """Send, retrying connection failures, timeouts, 429 and 502-504 with exponential backoff
        (or the server's Retry-After)."""
        if url.startswith("/"):
            url = self.server + url
        kwargs.setdefault("timeout", TIMEOUT)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.session.request(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as error:
                if last:
                    raise RunError("unreachable", f"cannot reach {self.server}: {error.__class__.__name__}") from None
                self._wait(error.__class__.__name__, self._backoff(attempt))
                continue
            if response.status_code not in RETRIED_STATUSES or last:
                return response
            self._wait(str(response.status_code), _retry_after(response) or self._backoff(attempt))
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff(self, attempt: int) -> float:
        # Jitter spreads the retries of parallel jobs that failed together.
        return min(self.backoff * 2**attempt, MAX_BACKOFF) * random.uniform(0.75, 1.25)

    def _wait(self, cause: str, seconds: float) -> None:
        with self._lock:
            self.retried[cause] += 1
        # A request waiting to be retried is not in flight yet: a stop (Ctrl-C) ends it here.
        if self.stop.wait(seconds):
            raise Stopped

    # --- v1: uploads, the key's limits -----------------------------------------------------------

    def _keyed(self) -> dict:
        return {"Authorization": f"Bearer {self.key}"}

    def info(self) -> dict:
        """GET /api/v1/info: credits, their reset and the key's rate limit."""
        response = self.request("GET", "/api/v1/info", headers=self._keyed())
        _raise_for_v1(response)
        return response.json()

    def compress(self, data: bytes, filename: str, options: dict, retry_of: str = "") -> Compressed:
        """Upload one file to /api/v1/compress and return the served result (polling a 202 job)."""
        headers = {**self._keyed(), "Idempotency-Key": idempotency_key(data, options, retry_of)}
        fields = {name: str(value) for name, value in options.items()}
        response = self.request(
            "POST", "/api/v1/compress", headers=headers, data=fields, files={"file": (filename, data)}
        )
        _raise_for_v1(response)
        if response.status_code == 202:
            return self._finish(response.json())
        return Compressed(
            data=response.content,
            format=response.headers.get("X-Format", ""),
            original_size=int(response.headers.get("X-Original-Size") or len(data)),
        )

    def _finish(self, job: dict) -> Compressed:
        """Poll a large upload's job until it is complete, then download it through its link."""
        while job.get("status") in ("queued", "processing", None):
            time.sleep(max(POLL_INTERVAL, min(float(job.get("estimated_seconds") or 1), 5.0)))
            response = self.request("GET", f"/api/v1/jobs/{job['id']}", headers=self._keyed())
            _raise_for_v1(response)
            job = response.json()
        if job["status"] == "failed":
            error = job.get("error") or {}
            raise FileError(error.get("code", "failed"), error.get("message", ""))
        download = self.request("GET", job["download_url"])
        _raise_for_v1(download)
        return Compressed(data=download.content, format=job.get("format") or "", original_size=job["original_size"])

    # --- the ShortPixel face: URLs, counters -----------------------------------------------------

    def api_status(self) -> dict:
        """POST /v2/api-status.php: the charged-image counters, which only charged images move."""
        response = self.request("POST", "/v2/api-status.php", data={"key": self.key})
        return _shortpixel_body(response)

    def reducer(self, urls: list[str], options: dict, wait: int = 20) -> list[dict]:
        """POST /v2/reducer.php: submit (or poll: the same request again) a batch of URLs."""
        body = {"key": self.key, **options, "wait": wait, "urllist": urls}
        response = self.request("POST", "/v2/reducer.php", data=json.dumps(body))
        answer = _shortpixel_body(response)
        if not isinstance(answer, list):
            raise RunError("server_error", f"unexpected answer from reducer.php: {str(answer)[:200]}")
        return answer

    def download(self, url: str) -> bytes:
        response = self.request("GET", url)
        if response.status_code != 200:
            raise FileError("download_failed", f"HTTP {response.status_code} for {url}")
        return response.content


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:  # the HTTP-date form
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def _raise_for_v1(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code, message = error.get("code") or f"http_{response.status_code}", error.get("message") or response.reason
    if response.status_code == 401:
        raise RunError("bad_key", f"the key was refused: {message}")
    if response.status_code == 402:
        raise RunError("no_credits", "the account has no credits left")
    if response.status_code == 429:
        raise RunError("rate_limited", f"still rate limited after retries: {message}")
    if response.status_code >= 500 and code != "compression_failed":
        raise RunError("server_error", f"the server answered {response.status_code}: {message}")
    raise FileError(code, message)


def _shortpixel_body(response: requests.Response) -> dict | list:
    if response.status_code != 200:
        raise RunError("server_error", f"the server answered HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise RunError("server_error", "the server's answer is not JSON (is this a reducer?)") from None
    if isinstance(body, dict) and isinstance(body.get("Status"), dict):
        code = int(body["Status"].get("Code", 0))
        if code == -401:
            raise RunError("bad_key", "the key was refused")
        if code == -403:
            raise RunError("no_credits", "the account has no credits left")
        if code < 0:
            raise RunError("server_error", f"the server refused the request: {body['Status'].get('Message', code)}")
    return body
