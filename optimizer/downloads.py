"""Serving result files: the bytes stored for a variant, exactly as reported."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from . import storage
from .models import Item, Variant

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
}
RESULTS_PREFIX = "results/"


def public_url(storage_name: str) -> str:
    """The plain, stable URL of a stored result: no redirect, no '+' or '%' in the path."""
    return f"{settings.PUBLIC_URL}/{storage_name}"


def serve_result(request: HttpRequest, name: str) -> HttpResponse:
    """GET /results/...: only files that a live variant of an active account names are served."""
    storage_name = RESULTS_PREFIX + name
    variant = (
        Variant.objects.filter(storage_name=storage_name, item__status=Item.Status.DONE, item__account__is_active=True)
        .only("format", "size", "storage_name")
        .first()
    )
    if variant is None or not default_storage.exists(storage_name):
        raise Http404("This result does not exist or has expired.")
    # Streamed from local disk or the bucket alike, with the exact size the API reported.
    response = StreamingHttpResponse(storage.stream(storage_name), content_type=CONTENT_TYPES[variant.format])
    response["Content-Length"] = str(variant.size)
    response["Cache-Control"] = "private, max-age=3600"
    return response
