"""Serving result files: the bytes stored for a variant, exactly as reported.

A result's name is fixed per item generation (results/<account>/<item>/<generation>/<variant>.<ext>)
and a redo writes under a new generation, so the bytes behind a name never change: the answer
carries a long Cache-Control, an ETag made from the name and size, and Last-Modified, and a
conditional GET is answered 304 without reading storage.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from . import storage
from .models import Item, Variant
from .pooled import in_pool

CONTENT_TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
}
RESULTS_PREFIX = "results/"
# Private: a disabled account's files must stop being served, which a shared cache would not learn.
CACHE_CONTROL = "private, max-age=31536000, immutable"


def public_url(storage_name: str) -> str:
    """The plain, stable URL of a stored result: no redirect, no '+' or '%' in the path."""
    return f"{settings.PUBLIC_URL}/{storage_name}"


def _live(storage_name: str) -> dict | None:
    """Format, size and finish time of the stored file a live variant of an active account names."""
    variant = (
        Variant.objects.filter(storage_name=storage_name, item__status=Item.Status.DONE, item__account__is_active=True)
        .values("format", "size", "item__finished_at")
        .first()
    )
    return variant if variant is not None and default_storage.exists(storage_name) else None


def streamed(storage_name: str, size: int, fmt: str) -> StreamingHttpResponse:
    """The stored file as an answer, read in pieces of at most ``storage.CHUNK_BYTES`` from local disk
    or the bucket alike (never whole in memory), with the exact size the API reported."""
    response = StreamingHttpResponse(storage.stream(storage_name), content_type=CONTENT_TYPES[fmt])
    response["Content-Length"] = str(size)
    return response


async def serve_result(request: HttpRequest, name: str) -> HttpResponseBase:
    """GET /results/...: only files that a live variant of an active account names are served."""
    storage_name = RESULTS_PREFIX + name
    variant = await in_pool(_live, storage_name)
    if variant is None:
        raise Http404("This result does not exist or has expired.")
    etag = '"' + hashlib.blake2b(f"{storage_name}:{variant['size']}".encode(), digest_size=12).hexdigest() + '"'
    finished = variant["item__finished_at"]
    last_modified = int(finished.timestamp()) if finished else None
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = streamed(storage_name, variant["size"], variant["format"])
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = CACHE_CONTROL
    return response
