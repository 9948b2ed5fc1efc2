"""PUT /s3/{bucket}/{key}: parse -> optimizer.services -> the written object, or a v1-shaped error.

The body is the image, whatever its Content-Type. It is compressed with the defaults of the v1
API (lossy, original format, metadata stripped) and the worker writes the result to the
account's S3Target for that bucket before the item is done; a failed write fails the item, so it
is not charged.
"""

from __future__ import annotations

import hashlib
import re
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account, S3Target
from optimizer.models import Item, Job
from optimizer.services import UploadSource, WorkRequest, submit
from optimizer.waiting import wait_until_settled
from reducer.v1 import results
from reducer.v1.errors import ApiError
from reducer.v1.parsing import parse_spec
from reducer.v1.views import V1View, idempotent

MAX_KEY_BYTES = 1024  # S3's limit on an object key, which is also Item.s3_key's length
_SEGMENT_SEPARATORS = re.compile(r"[/\\]")


class PutObjectView(V1View):
    http_method_names = ["put"]
    parser_classes = []  # the body is read raw, never parsed

    @extend_schema(exclude=True)
    async def put(self, request: Request, bucket: str, key: str) -> Response:
        kind = (request.query_params.get("type") or "image").strip().lower()
        if kind != "image":
            raise ApiError("not_implemented", "Only type=image is supported.", "type")
        _check_key(key)
        target = await S3Target.objects.filter(account=request.user, bucket=bucket).afirst()
        if target is None:
            raise ApiError(
                "bucket_not_configured", f"The bucket {bucket!r} is not configured for this account.", "bucket"
            )
        object_key = target.key_prefix + key
        if len(object_key.encode()) > MAX_KEY_BYTES:
            raise ApiError("invalid_param", f"The object key is longer than {MAX_KEY_BYTES} bytes.", "key")
        data = await sync_to_async(_read_body)(request)
        # The same object and body with an Idempotency-Key seen before: the first PUT's item.
        digest = hashlib.sha256(f"{target.pk}:{object_key}:".encode() + data).hexdigest()
        submit_new = partial(_submit, request.user, target, object_key, data)
        item = await sync_to_async(idempotent)(request, digest, submit_new)
        if not await wait_until_settled([item.pk], settings.REDUCER_S3_WAIT):
            return Response(await sync_to_async(results.accepted)(item), status=202)
        return Response(await sync_to_async(_written)(item.pk, target.bucket))


def _check_key(key: str) -> None:
    """Refuse ``..`` segments: the key is appended to the target's prefix, and a store that
    resolves paths (or a later copy to disk) would put ``prefix/../../x`` outside it. The key
    arrives percent-decoded, so ``%2e%2e`` and ``%2f`` are caught too; a backslash counts as a
    separator for stores on Windows."""
    if ".." in _SEGMENT_SEPARATORS.split(key):
        raise ApiError("invalid_param", "The object key may not contain '..' segments.", "key")


def _too_large(size: int) -> ApiError:
    return ApiError("file_too_large", f"The body has {size} bytes; the limit is {settings.REDUCER_MAX_BYTES}.")


def _read_body(request: Request) -> bytes:
    """The raw body, at most REDUCER_MAX_BYTES.

    Read from the stream rather than ``request.body``, which refuses anything over Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) whatever REDUCER_MAX_BYTES allows.
    """
    limit = settings.REDUCER_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_large(declared)
    stream = request.stream  # None when there is no body
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise _too_large(len(data))
    if not data:
        raise ApiError("missing_source", "The request body is empty; send the image as the body.")
    return data


def _submit(account: Account, target: S3Target, object_key: str, data: bytes) -> Item:
    work = WorkRequest(
        source=UploadSource(data, name=object_key),
        spec=parse_spec({}),  # no options: the v1 defaults
        s3_target=target,
        s3_key=object_key,
    )
    (submitted,) = submit(account, Job.Face.S3, [work], dedupe=False)
    if submitted.error == "no_credits":
        raise ApiError("no_credits", "The account has no credits left.")
    return submitted.item


def _written(item_id, bucket: str) -> dict:
    """What was written, for a settled item; the item's failure as an ApiError."""
    item = Item.objects.get(pk=item_id)
    outcome = results.outcome(item)
    return {
        "original_size": outcome.original_size,
        "compressed_size": outcome.size,
        "compression_ratio": round(outcome.size / outcome.original_size, 4) if outcome.original_size else 1.0,
        "key": item.s3_key,
        "bucket": bucket,
    }
