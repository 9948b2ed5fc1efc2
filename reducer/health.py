"""/healthz: is every part this service needs working right now?"""

from __future__ import annotations

import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django_q.brokers import get_broker
from PIL import features

from optimizer.engine.codecs.png import palette_builder

log = logging.getLogger(__name__)

CODECS = ("jpg", "zlib", "webp", "avif")  # Pillow feature names: JPEG, PNG (zlib), WebP, AVIF


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _broker() -> str:
    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("broker did not answer")
    return type(broker).__name__


def _storage() -> str:
    probe = default_storage.save(f"health/{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(probe) as handle:
            if handle.read() != b"ok":
                raise RuntimeError("storage returned other bytes than were written")
    finally:
        default_storage.delete(probe)
    return type(default_storage).__name__


def _codecs() -> str:
    missing = [name for name in CODECS if not features.check(name)]
    if missing:
        raise RuntimeError(f"missing codecs: {', '.join(missing)}")
    return f"{', '.join(CODECS)}; palettes: {palette_builder()}"


CHECKS = {"database": _database, "broker": _broker, "storage": _storage, "codecs": _codecs}


def healthz(request: HttpRequest) -> JsonResponse:
    report: dict[str, dict] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = {"ok": True, "detail": check()}
        except Exception as error:  # each failure is reported, never raised
            log.warning("health check %s failed: %s", name, error)
            report[name] = {"ok": False, "detail": str(error) or type(error).__name__}
    healthy = all(part["ok"] for part in report.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": report}, status=200 if healthy else 503)
