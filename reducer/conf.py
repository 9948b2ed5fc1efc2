"""Every reducer setting, declared once.

Each setting is read from the environment variable of the same name. This list feeds
``reducer/settings.py``, the README configuration table (``python manage.py settings_table``
prints it; a test keeps the two in step) and the system check that reports bad values.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from optimizer.fetch.policy import parse_allow_entry


class SettingError(ValueError):
    pass


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingError(f"expected true or false, got {raw!r}")


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


_PARSERS = {bool: _parse_bool, int: int, float: float, str: str, tuple: _parse_list}
_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "string", tuple: "list"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    group: str
    help: str
    minimum: float | None = None

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.name)
        if raw is None:
            return self.default
        try:
            value = _PARSERS[self.type](raw)
        except (ValueError, SettingError) as exc:
            raise SettingError(f"{self.name}: {exc}") from None
        if self.minimum is not None and value < self.minimum:
            raise SettingError(f"{self.name}: must be at least {self.minimum}, got {value}")
        return value

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES[self.type]

    @property
    def default_text(self) -> str:
        if self.type is bool:
            return "true" if self.default else "false"
        if self.type is tuple:
            return ",".join(self.default) or "(empty)"
        return str(self.default) if self.default != "" else "(empty)"


SETTINGS: tuple[Setting, ...] = (
    # --- Service: how the processes run -------------------------------------------------
    Setting("REDUCER_HOST", "127.0.0.1", str, "Service", "Address the web server binds."),
    Setting("REDUCER_PORT", 8000, int, "Service", "Port the web server listens on.", minimum=1),
    Setting("REDUCER_WEB_WORKERS", 2, int, "Service", "uvicorn worker processes.", minimum=1),
    Setting("REDUCER_QUEUE_WORKERS", 2, int, "Service", "Worker processes per django-q2 cluster.", minimum=1),
    Setting(
        "REDUCER_PUBLIC_URL",
        "",
        str,
        "Service",
        "Base URL clients reach this service at, used in result links. Empty: http://REDUCER_HOST:REDUCER_PORT.",
    ),
    Setting(
        "REDUCER_SECRET_KEY",
        "",
        str,
        "Service",
        "Django secret key. Empty: generated once into REDUCER_DATA_DIR/secret_key "
        "(set it when running several machines).",
    ),
    Setting(
        "REDUCER_SECRET_KEY_FALLBACKS",
        (),
        tuple,
        "Service",
        "Former secret keys, comma-separated, still accepted after a rotation: sealed secrets, download "
        "links and admin sessions made with them keep working. `manage.py reseal_secrets` re-seals "
        "stored secrets with the current key; then drop the old one.",
    ),
    Setting(
        "REDUCER_ALLOWED_HOSTS", ("*",), tuple, "Service", "Host names the web server answers to (comma-separated)."
    ),
    Setting(
        "REDUCER_MAX_REQUEST_BYTES",
        0,
        int,
        "Service",
        "Largest request body, in bytes, refused on its Content-Length before it is read (a chunked body is "
        "cut at it). 0: ten files of REDUCER_MAX_BYTES in base64 plus 1 MiB, the most a ShortPixel "
        "post-reducer.php call carries. The native API and S3 PUTs carry one image and are held to that.",
        minimum=0,
    ),
    Setting("REDUCER_DEBUG", False, bool, "Service", "Django debug mode. Never in production."),
    Setting("REDUCER_LOG_LEVEL", "INFO", str, "Service", "Log level of the web server and the cluster."),
    Setting(
        "REDUCER_LOG_FORMAT",
        "human",
        str,
        "Service",
        "human: one readable line per event. json: one JSON object per line, with request_id, item_id, job_id, "
        "account_id, face, outcome, duration_seconds and cpu_seconds as keys.",
    ),
    Setting(
        "REDUCER_METRICS",
        True,
        bool,
        "Service",
        "Count requests, items and credits for GET /metrics: every web and cluster process writes its counters "
        "under REDUCER_DATA_DIR/metrics. false: nothing is written and /metrics answers 404.",
    ),
    Setting(
        "REDUCER_METRICS_TOKEN",
        "",
        str,
        "Service",
        "Bearer token that GET /metrics requires. Empty: /metrics answers only requests from loopback.",
    ),
    # --- Storage: where state lives ------------------------------------------------------
    Setting(
        "REDUCER_DATA_DIR",
        "var",
        str,
        "Storage",
        "Folder for the SQLite database, results, the generated secret key and static files (relative to the project).",
    ),
    Setting(
        "REDUCER_DATABASE_URL",
        "",
        str,
        "Storage",
        "Database URL, e.g. postgresql://user:pass@host:5432/reducer. Empty: SQLite in REDUCER_DATA_DIR.",
    ),
    Setting(
        "REDUCER_REDIS_URL",
        "",
        str,
        "Storage",
        "Redis URL for the django-q2 broker and the per-key rate counts, e.g. redis://127.0.0.1:6379/0. "
        "Empty: the database (ORM) broker, and counts in the database.",
    ),
    Setting(
        "REDUCER_SQLITE_BUSY_TIMEOUT",
        20,
        int,
        "Storage",
        "Seconds a SQLite writer waits for the lock before giving up.",
        minimum=1,
    ),
    Setting(
        "REDUCER_STORAGE_BUCKET",
        "",
        str,
        "Storage",
        "S3-compatible bucket for results, kept sources and fetched files, shared by every machine. "
        "Empty: files under REDUCER_DATA_DIR/media.",
    ),
    Setting(
        "REDUCER_STORAGE_PREFIX",
        "",
        str,
        "Storage",
        "Key prefix inside the bucket, e.g. reducer/ (several services can share one bucket).",
    ),
    Setting(
        "REDUCER_STORAGE_ENDPOINT_URL",
        "",
        str,
        "Storage",
        "Endpoint of the bucket's service, e.g. https://minio.internal:9000. Empty: AWS S3.",
    ),
    Setting("REDUCER_STORAGE_REGION", "", str, "Storage", "Region of the bucket. Empty: the SDK's default."),
    Setting(
        "REDUCER_STORAGE_ACCESS_KEY_ID",
        "",
        str,
        "Storage",
        "Access key id for the bucket. Empty: the SDK's usual sources (AWS_* variables, instance role).",
    ),
    Setting("REDUCER_STORAGE_SECRET_ACCESS_KEY", "", str, "Storage", "Secret access key for the bucket."),
    # --- Jobs: delivery and retention ----------------------------------------------------
    Setting(
        "REDUCER_QUEUE_NAME",
        "reducer",
        str,
        "Jobs",
        "django-q2 cluster and queue name; clusters sharing it share work.",
    ),
    Setting(
        "REDUCER_QUEUE_POLL", 0.2, float, "Jobs", "Seconds the ORM broker sleeps after an empty poll.", minimum=0.01
    ),
    Setting(
        "REDUCER_TASK_TIMEOUT",
        300,
        int,
        "Jobs",
        "Seconds one item may run; then it fails with the error code `processing_timeout` and its worker is stopped.",
        minimum=1,
    ),
    Setting(
        "REDUCER_LEASE_SECONDS",
        30,
        int,
        "Jobs",
        "Seconds a running item's lease lasts past its last renewal; a worker that died (killed, out of memory) "
        "loses its item this long after, and another worker takes it.",
        minimum=5,
    ),
    Setting(
        "REDUCER_HEARTBEAT_SECONDS",
        10,
        int,
        "Jobs",
        "How often each worker process renews the leases of its running items, marks itself alive for /healthz "
        "and looks for items whose lease ran out. Keep it well under REDUCER_LEASE_SECONDS.",
        minimum=1,
    ),
    Setting(
        "REDUCER_DRAIN_GRACE",
        30,
        int,
        "Jobs",
        "Seconds a stopping cluster (SIGTERM) lets its running items finish; those still running then are "
        "released to other clusters at once.",
        minimum=0,
    ),
    Setting(
        "REDUCER_IDEMPOTENCY_SECONDS",
        86400,
        int,
        "Jobs",
        "Seconds an Idempotency-Key of POST /api/v1/compress or PUT /s3/... is remembered: a retry with the "
        "same key and request within it gets the first request's job, never a second one or a second charge.",
        minimum=60,
    ),
    Setting(
        "REDUCER_MAX_ATTEMPTS",
        3,
        int,
        "Jobs",
        "Starts each step of an item (a URL's download, the optimizing) gets before the item fails as a poison "
        "input (counts workers that died).",
        minimum=1,
    ),
    Setting(
        "REDUCER_REQUEUE_AFTER",
        60,
        int,
        "Jobs",
        "Seconds a queued item may wait unstarted before the sweeper enqueues it again.",
        minimum=1,
    ),
    Setting("REDUCER_SWEEP_MINUTES", 1, int, "Jobs", "How often the sweeper looks for lost or stuck items.", minimum=1),
    Setting(
        "REDUCER_RESULT_RETENTION",
        86400,
        int,
        "Jobs",
        "Seconds results (and uploaded sources) are kept after an item finishes.",
        minimum=60,
    ),
    Setting(
        "REDUCER_CLEANUP_MINUTES", 10, int, "Jobs", "How often results past their retention are deleted.", minimum=1
    ),
    # --- Accounts ------------------------------------------------------------------------
    Setting(
        "REDUCER_DEFAULT_MONTHLY_QUOTA",
        100,
        int,
        "Accounts",
        "Monthly credits of a new account (one credit per optimized image).",
        minimum=0,
    ),
    Setting(
        "REDUCER_DEMO_ACCOUNT",
        True,
        bool,
        "Accounts",
        "The start command creates a demo account and prints its key when there is no account yet.",
    ),
    Setting(
        "REDUCER_DEMO_PAGE_ALLOWANCE",
        10,
        int,
        "Accounts",
        "Compressions per visitor address per hour that the page at / runs without an API key, charged to "
        "a built-in demo account; 0 turns the keyless demo off (a key is then required).",
        minimum=0,
    ),
    Setting(
        "REDUCER_MIN_CHARGED_SAVINGS",
        5.0,
        float,
        "Accounts",
        "Percent an image's optimized result must save to cost a credit; below it the image is free.",
        minimum=0,
    ),
    # --- Admin: the operator's login ------------------------------------------------------
    Setting(
        "REDUCER_ADMIN_LOGIN_FAILURES",
        5,
        int,
        "Admin",
        "Failed /admin/ logins from one address for one username before that pair is locked out.",
        minimum=1,
    ),
    Setting(
        "REDUCER_ADMIN_LOCKOUT_MINUTES",
        15,
        int,
        "Admin",
        "Minutes a locked-out username and address pair waits before it may try again "
        "(`manage.py axes_reset` lifts every lockout at once).",
        minimum=1,
    ),
    # --- Fetching: the only door for bytes from the network ---------------------------------
    Setting(
        "REDUCER_FETCH_ALLOW_CIDRS",
        (),
        tuple,
        "Fetching",
        "Non-public addresses image sources, webhooks and S3 endpoints may still reach, comma-separated: "
        "a range (192.168.1.0/24, fd00::/8), an address (10.0.0.5), or either on one port only "
        "(127.0.0.1:8080, 10.0.0.0/24:8080, [::1]:8080). Empty: only public addresses.",
    ),
    Setting(
        "REDUCER_FETCH_DEADLINE",
        20.0,
        float,
        "Fetching",
        "Seconds one download may take in total (DNS, connect, redirects and body).",
        minimum=1,
    ),
    Setting(
        "REDUCER_FETCH_MAX_REDIRECTS",
        10,
        int,
        "Fetching",
        "Redirects followed, each checked again (image hosts chain CDN, signed-URL and resizer redirects).",
        minimum=0,
    ),
    Setting(
        "REDUCER_FETCH_THREADS",
        8,
        int,
        "Fetching",
        "Downloads each task worker process holds at once, on threads beside its optimizing, so a slow origin "
        "holds a thread and never a CPU worker. Each may hold up to REDUCER_MAX_BYTES in memory.",
        minimum=1,
    ),
    # --- ShortPixel API -------------------------------------------------------------------
    Setting(
        "REDUCER_SHORTPIXEL_MAX_URLS",
        100,
        int,
        "ShortPixel API",
        "Most URLs one reducer.php request may carry (more: Status -107).",
        minimum=1,
    ),
    Setting(
        "REDUCER_KEY_CACHE_SECONDS",
        5.0,
        float,
        "ShortPixel API",
        "Seconds a web process keeps what an API key grants (its account, rate limit and allowed domains) for "
        "answering polls of done items; a revoked key, a disabled account or a changed domain rule takes effect "
        "within that time. 0: read on every poll.",
        minimum=0,
    ),
    Setting(
        "REDUCER_ANSWER_CACHE_ENTRIES",
        5000,
        int,
        "ShortPixel API",
        "Answers of done items each web process keeps, per face (ShortPixel polls, v1 job reads; least recently "
        "used go first, about 3.5 KB each), so that a poll of done items is answered without reading their "
        "files or variants again. 0: none kept.",
        minimum=0,
    ),
    # --- Engine: image limits and quality floors -----------------------------------------
    Setting("REDUCER_LOSSY_FLOOR", 70.0, float, "Engine", "SSIMULACRA2 score every lossy variant reaches."),
    Setting("REDUCER_GLOSSY_FLOOR", 85.0, float, "Engine", "SSIMULACRA2 score every glossy variant reaches."),
    Setting(
        "REDUCER_MAX_PIXELS",
        50_000_000,
        int,
        "Engine",
        "Largest image accepted, in pixels summed over frames; checked before decoding.",
        minimum=1,
    ),
    Setting("REDUCER_MAX_FRAMES", 500, int, "Engine", "Most frames an animated image may have.", minimum=1),
    Setting(
        "REDUCER_MAX_BYTES",
        50 * 1024 * 1024,
        int,
        "Engine",
        "Largest source file accepted, in bytes (uploads and downloads).",
        minimum=1,
    ),
    Setting(
        "REDUCER_MAX_DECODE_BYTES",
        72 * 1024 * 1024,
        int,
        "Engine",
        "Most memory an image may take decoded: width x height x frames x bytes per pixel, read from its "
        "header and refused before decoding (72 MiB: a 25-megapixel colour photo).",
        minimum=1,
    ),
    Setting(
        "REDUCER_WORKER_MEMORY_BUDGET",
        320 * 1024 * 1024,
        int,
        "Engine",
        "Most memory one item may add to a worker, estimated from the header and the variants asked before "
        "decoding (each encoder's measured bytes per pixel): a WebP or AVIF conversion over it is not made "
        "(answered as not possible), an image whose own format does not fit is refused as too large. A worker "
        "holds 140-180 MB before its first item: 320 MiB keeps it under 512 MB.",
        minimum=1,
    ),
    # --- Native API: /api/v1 ---------------------------------------------------------------
    Setting(
        "REDUCER_SYNC_MAX_BYTES",
        2 * 1024 * 1024,
        int,
        "Native API",
        "Inputs smaller than this many bytes are answered with the compressed file at once; larger ones get a job.",
        minimum=0,
    ),
    Setting(
        "REDUCER_SYNC_WAIT",
        30.0,
        float,
        "Native API",
        "Seconds a synchronous request waits for its result before answering 202 with a job to poll instead.",
        minimum=0,
    ),
    Setting(
        "REDUCER_DOWNLOAD_TTL",
        3600,
        int,
        "Native API",
        "Seconds a signed download link stays valid.",
        minimum=1,
    ),
    Setting(
        "REDUCER_RATE_LIMIT_PER_MINUTE",
        60,
        int,
        "Native API",
        "Requests per minute per API key on a new plan (each plan can set its own).",
        minimum=1,
    ),
    # --- Webhooks ------------------------------------------------------------------------
    Setting(
        "REDUCER_WEBHOOK_ALLOW_HTTP",
        False,
        bool,
        "Webhooks",
        "Accept http:// webhook URLs; otherwise only https:// (the signature proves the sender, not privacy).",
    ),
    Setting(
        "REDUCER_WEBHOOK_TIMEOUT",
        10.0,
        float,
        "Webhooks",
        "Seconds one delivery attempt may take (connect, send, answer) before it counts as failed.",
        minimum=1,
    ),
    Setting(
        "REDUCER_WEBHOOK_RETRY_BASE",
        5.0,
        float,
        "Webhooks",
        "Seconds before the first retry; each next wait is three times longer (capped at 6 hours), "
        "with 20 % jitter. Retries are started by the task cluster's scheduler, which looks every 30 s.",
        minimum=0,
    ),
    Setting(
        "REDUCER_WEBHOOK_RETRY_WINDOW",
        86400,
        int,
        "Webhooks",
        "Seconds after the event during which failed deliveries are retried; then the event is failed.",
        minimum=0,
    ),
    Setting(
        "REDUCER_WEBHOOK_SECRET_OVERLAP",
        86400,
        int,
        "Webhooks",
        "Seconds a rotated-out signing secret keeps signing alongside the new one.",
        minimum=0,
    ),
    # --- S3 write-back --------------------------------------------------------------------
    Setting(
        "REDUCER_S3_WAIT",
        60.0,
        float,
        "S3 write-back",
        "Seconds PUT /s3/{bucket}/{key} waits for the result; later it answers 202 and writes when done.",
        minimum=0,
    ),
    Setting(
        "REDUCER_S3_TIMEOUT",
        30.0,
        float,
        "S3 write-back",
        "Seconds to connect to and to hear from the target S3 endpoint, per request.",
        minimum=1,
    ),
    # --- Tinify-compatible API: /shrink, /output/<id> ---------------------------------------
    Setting(
        "REDUCER_TINIFY_WAIT",
        120.0,
        float,
        "Tinify API",
        "Seconds POST /shrink and /output/<id> wait for a compression; later /shrink answers 201 before the "
        "output exists and /output answers 503, which the clients retry once.",
        minimum=0,
    ),
    Setting(
        "REDUCER_TINIFY_S3_ENDPOINT",
        "",
        str,
        "Tinify API",
        "S3-compatible server that store (service s3) writes to, e.g. http://10.0.0.5:9000; Tinify's options "
        "name no endpoint. Empty: AWS S3. It passes the fetch guard like S3 write-back endpoints.",
    ),
    Setting(
        "REDUCER_TINIFY_GCS_ENDPOINT",
        "https://storage.googleapis.com",
        str,
        "Tinify API",
        "Google Cloud Storage JSON API that store (service gcs) uploads to with the caller's access token; "
        "another server speaking that API can stand in. It passes the fetch guard like S3 endpoints; "
        "REDUCER_S3_TIMEOUT bounds each upload.",
    ),
)


def _allow_list(entries: tuple[str, ...]) -> None:
    for entry in entries:
        parse_allow_entry(entry)


def _log_format(value: str) -> None:
    if value not in {"human", "json"}:
        raise ValueError(f"expected human or json, got {value!r}")


# Settings whose values need more than their type: checked once read, so a typo stops the start
# instead of failing every fetch later.
_VALIDATORS: dict[str, Callable[[Any], None]] = {
    "REDUCER_FETCH_ALLOW_CIDRS": _allow_list,
    "REDUCER_LOG_FORMAT": _log_format,
}


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting; raise SettingError naming each bad one."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        try:
            values[setting.name] = setting.read(environ)
        except SettingError as exc:
            problems.append(str(exc))
            continue
        validate = _VALIDATORS.get(setting.name)
        if validate is None:
            continue
        try:
            validate(values[setting.name])
        except ValueError as exc:
            problems.append(f"{setting.name}: {exc}")
    if problems:
        raise SettingError("; ".join(problems))
    return values


def markdown_table() -> str:
    """The README configuration table, grouped as declared."""
    lines: list[str] = []
    group = None
    for setting in SETTINGS:
        if setting.group != group:
            group = setting.group
            if lines:
                lines.append("")
            lines += [f"**{group}**", "", "| env var | type | default | what it does |", "|---|---|---|---|"]
        help_text = setting.help.replace("|", "\\|")
        lines.append(f"| `{setting.name}` | {setting.type_name} | `{setting.default_text}` | {help_text} |")
    return "\n".join(lines)
