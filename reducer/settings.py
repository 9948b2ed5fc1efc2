"""Django settings, built from the declared REDUCER_* settings (see reducer/conf.py)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from reducer import conf

BASE_DIR = Path(__file__).resolve().parent.parent

_v = conf.load()
globals().update(_v)  # every REDUCER_* value is readable as django.conf.settings.REDUCER_*

DATA_DIR = (BASE_DIR / _v["REDUCER_DATA_DIR"]).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
# Every web worker and cluster process writes its metrics here and /metrics sums them; it must be
# set before prometheus_client is first imported, which happens only once Django has these settings.
# Without it (metrics off) the counters stay in each process's memory, never written or served.
if _v["REDUCER_METRICS"]:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(DATA_DIR / "metrics"))
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if _v["REDUCER_SECRET_KEY"]:
        return _v["REDUCER_SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # Written aside, then linked into place: when web and cluster start together exactly one
        # key wins and nobody reads a half-written file.
        draft = DATA_DIR / f".secret_key.{os.getpid()}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Older keys still verify signatures and open sealed secrets (accounts.sealing) after a rotation.
SECRET_KEY_FALLBACKS = list(_v["REDUCER_SECRET_KEY_FALLBACKS"])
DEBUG = _v["REDUCER_DEBUG"]
ALLOWED_HOSTS = list(_v["REDUCER_ALLOWED_HOSTS"])
PUBLIC_URL = (_v["REDUCER_PUBLIC_URL"] or f"http://{_v['REDUCER_HOST']}:{_v['REDUCER_PORT']}").rstrip("/")
# The ShortPixel SDK uploads up to ten files per post-reducer.php call; a base64 body is 4/3 of the
# file, and the multipart or JSON framing around it stays well under a mebibyte.
REDUCER_MAX_REQUEST_BYTES = _v["REDUCER_MAX_REQUEST_BYTES"] or 10 * _v["REDUCER_MAX_BYTES"] * 4 // 3 + 1024 * 1024

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "reducer",
    "accounts",
    "optimizer",
]

MIDDLEWARE = [
    # Outermost: it times and logs every answer, and gives each one its X-Request-ID.
    "reducer.request_log.observe_requests",
    # Django's own middleware, with its hooks run on the event loop (reducer/middleware.py).
    "reducer.middleware.SecurityMiddleware",
    "reducer.static_files.AsyncWhiteNoiseMiddleware",
    "reducer.middleware.SessionMiddleware",
    "reducer.middleware.CommonMiddleware",
    "reducer.middleware.CsrfViewMiddleware",
    "reducer.middleware.AuthenticationMiddleware",
    "reducer.middleware.MessageMiddleware",
    "reducer.middleware.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reducer.urls"

# --- Admin login throttling (django-axes) ----------------------------------------------------
# A username and address pair is locked out after too many failed logins: a guesser is stopped,
# while the operator logging in from elsewhere is not. A success clears the pair's failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = _v["REDUCER_ADMIN_LOGIN_FAILURES"]
AXES_COOLOFF_TIME = timedelta(minutes=_v["REDUCER_ADMIN_LOCKOUT_MINUTES"])
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
ASGI_APPLICATION = "reducer.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Searched before the apps' folders: reducer's admin/base_site.html extends the admin's own.
        "DIRS": [BASE_DIR / "reducer" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Persistent connections for web and cluster alike: the ORM broker closes "old" connections on
# every poll, and with CONN_MAX_AGE=0 each close of a WAL database checkpoints and fsyncs.
DATABASES = {
    "default": dj_database_url.parse(
        _v["REDUCER_DATABASE_URL"] or f"sqlite:///{DATA_DIR / 'reducer.sqlite3'}", conn_max_age=None
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so a
    # read->write upgrade can never fail with "database is locked" mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": _v["REDUCER_SQLITE_BUSY_TIMEOUT"],
    }
    # Tests share the database with a real cluster process, so it must be a file.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Task cluster ---------------------------------------------------------------------------
Q_CLUSTER = {
    "name": _v["REDUCER_QUEUE_NAME"],
    "workers": _v["REDUCER_QUEUE_WORKERS"],
    # Later than the item's own deadline: the worker's keeper thread fails the item as `timeout` first
    # (optimizer.heartbeat), then django-q2 stops the worker.
    "timeout": _v["REDUCER_TASK_TIMEOUT"] + _v["REDUCER_HEARTBEAT_SECONDS"] + 5,
    # The ORM broker's own redelivery of a dead worker's task; the keepers re-enqueue it sooner.
    "retry": _v["REDUCER_TASK_TIMEOUT"] + _v["REDUCER_HEARTBEAT_SECONDS"] + 15,
    # Our own attempt counter decides when to give up (a killed worker never reaches django-q2's).
    "max_attempts": 0,
    "ack_failures": True,
    "save_limit": 250,
    "poll": _v["REDUCER_QUEUE_POLL"],
    "catch_up": False,
    "label": "Task queue",
}
if _v["REDUCER_REDIS_URL"]:
    Q_CLUSTER["redis"] = _v["REDUCER_REDIS_URL"]
else:
    Q_CLUSTER["orm"] = "default"

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "optimizer.storage.AtomicFileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if _v["REDUCER_STORAGE_BUCKET"]:
    # One bucket for every machine: a result written by any cluster is served by any web server.
    STORAGES["default"] = {
        "BACKEND": "optimizer.storage.BucketStorage",
        "OPTIONS": {
            "bucket_name": _v["REDUCER_STORAGE_BUCKET"],
            "location": _v["REDUCER_STORAGE_PREFIX"].strip("/"),
            "endpoint_url": _v["REDUCER_STORAGE_ENDPOINT_URL"] or None,
            "region_name": _v["REDUCER_STORAGE_REGION"] or None,
            "access_key": _v["REDUCER_STORAGE_ACCESS_KEY_ID"] or None,
            "secret_key": _v["REDUCER_STORAGE_SECRET_ACCESS_KEY"] or None,
            # Results are served through /results/ only; objects stay private.
            "default_acl": None,
            "querystring_auth": True,
        },
    }

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "reducer native API",
    "DESCRIPTION": "Compress images by upload, base64 or URL: at once for small files, as jobs for large ones.",
    "VERSION": "1",
    # Swagger UI from the installed sidecar package: the docs page loads nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object a line; the fields a record carries (request_id, item_id, ...) become keys.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "filters": {"request_id": {"()": "reducer.logs.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _v["REDUCER_LOG_FORMAT"] == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": _v["REDUCER_LOG_LEVEL"]},
    # django-q2 adds a handler of its own format unless its logger already has one.
    "loggers": {"django-q": {"handlers": ["console"], "level": _v["REDUCER_LOG_LEVEL"], "propagate": False}},
}
