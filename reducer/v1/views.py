"""The /api/v1 endpoints: parse -> optimizer.services -> HTTP statuses and JSON errors."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import credits, throttling
from accounts.models import Plan
from optimizer.engine.decode import ALLOWED
from optimizer.models import IdempotentSubmit, Item
from optimizer.pooled import in_pool
from optimizer.services import UploadSource, UrlSource, WorkRequest, submit
from optimizer.waiting import wait_until_settled

from . import errors, links, results, serializers
from .auth import ApiKeyAuthentication
from .errors import ApiError
from .parsing import METADATA, MODES, OUTPUTS, Compression, parse_compression

# base64 grows a file by a third; form fields and JSON framing add a little more.
_BODY_ALLOWANCE = 64 * 1024


def _error_responses(*codes: str) -> dict:
    return {errors.STATUS[code]: OpenApiResponse(serializers.Error, description=code) for code in codes}


_KEYED_ERRORS = ("unauthorized", "rate_limit_exceeded")


class JsonUnlessAsked(DefaultContentNegotiation):
    """JSON for an Accept header that names no JSON type, instead of refusing the request.

    A compressed file answers with its own type whatever Accept says; a client that asks for the
    image (Swagger UI's "Try it out" sends Accept: image/*) must still get the job or the error
    that answers instead, and JSON is the only other thing these endpoints say.
    """

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class V1View(APIView):
    """A keyed v1 endpoint: authenticated, rate limited, X-RateLimit-* on every answer."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = []
    throttle_classes = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonUnlessAsked

    def get_exception_handler(self):
        return errors.handle

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        now = time.time()
        limit = request.user.plan.rate_limit_per_minute  # the plan came with the key
        self.rate = throttling.hit(request.auth, limit, now)
        self.headers.update(
            {
                "X-RateLimit-Limit": str(self.rate.limit),
                "X-RateLimit-Remaining": str(self.rate.remaining),
                "X-RateLimit-Reset": str(self.rate.reset_at),
            }
        )
        if not self.rate.allowed:
            raise ApiError(
                "rate_limit_exceeded",
                f"This key may make {limit} requests a minute; try again later.",
                headers={"Retry-After": str(self.rate.retry_after(now))},
            )


class CompressView(V1View):
    @extend_schema(
        operation_id="compress",
        request={"multipart/form-data": serializers.CompressUpload, "application/json": serializers.CompressJson},
        responses={
            (200, "image/*"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="Small inputs: the compressed file, with X-Original-Size, X-Compressed-Size, "
                "X-Savings-Percent, X-Format, X-Job-Id and Content-Disposition.",
            ),
            202: OpenApiResponse(serializers.Accepted, description="Large inputs: a job to poll."),
            **_error_responses(
                "invalid_param",
                *_KEYED_ERRORS,
                "no_credits",
                "origin_not_allowed",
                "file_too_large",
                "unsupported_format",
                "target_unreachable",
                "compression_failed",
                "idempotency_key_reused",
            ),
        },
        # The upload example is also what "Try it out" fills the form with: only the fields it
        # names, where the schema's placeholders ("string", 1) would make an invalid request.
        examples=[
            OpenApiExample(
                "Upload, answered as WebP",
                value={"output": "webp", "mode": "lossy"},
                media_type="multipart/form-data",
                request_only=True,
            ),
            OpenApiExample(
                "A URL to fetch, as AVIF at most 1200 pixels wide",
                value={"url": "https://example.com/photos/terrace.jpg", "output": "avif", "max_width": 1200},
                media_type="application/json",
                request_only=True,
            ),
            OpenApiExample(
                "Base64 in JSON, under 20 KB",
                value={"file_base64": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA…", "target_size": "20KB"},
                media_type="application/json",
                request_only=True,
            ),
            OpenApiExample(
                "A job to poll",
                value={
                    "id": "6f1c2f0e-8a4b-4c39-9a61-0d3f7b2e5c11",
                    "status": "queued",
                    "poll_url": "https://reducer.example/api/v1/jobs/6f1c2f0e-8a4b-4c39-9a61-0d3f7b2e5c11",
                    "estimated_seconds": 3,
                },
                response_only=True,
                status_codes=["202"],
            ),
            OpenApiExample(
                "No credits left",
                value={"error": {"code": "no_credits", "message": "The account has no credits left.", "param": None}},
                response_only=True,
                status_codes=[str(errors.STATUS["no_credits"])],
            ),
        ],
    )
    async def post(self, request: Request) -> HttpResponseBase:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.REDUCER_MAX_BYTES * 4 // 3 + _BODY_ALLOWANCE:
            raise ApiError(
                "file_too_large",
                f"The request has {length} bytes; the limit is about {settings.REDUCER_MAX_BYTES} bytes of image.",
                "file",
            )
        compression = await sync_to_async(lambda: parse_compression(request.data, request.FILES))()
        item = await sync_to_async(self._submit)(request, compression)
        if not _answer_at_once(compression):
            return Response(await sync_to_async(results.accepted)(item), status=202)
        if not await wait_until_settled([item.pk], settings.REDUCER_SYNC_WAIT):
            return Response(await sync_to_async(results.accepted)(await Item.objects.aget(pk=item.pk)), status=202)
        return await sync_to_async(_compressed_file)(item.pk, compression.filename)

    def _submit(self, request: Request, compression: Compression) -> Item:
        return idempotent(request, _request_sha256(compression), lambda: self._submit_new(request, compression))

    def _submit_new(self, request: Request, compression: Compression) -> Item:
        request_ = WorkRequest(source=compression.source, spec=compression.spec)
        (submitted,) = submit(request.user, "v1", [request_], dedupe=False, webhook_url=compression.webhook_url)
        if submitted.error == "no_credits":
            raise ApiError("no_credits", "The account has no credits left.")
        if submitted.error == "origin_not_allowed":
            raise ApiError("origin_not_allowed", "This account may not optimize images from this domain.", "url")
        return submitted.item


def idempotent(request: Request, digest: str, submit_new: Callable[[], Item]) -> Item:
    """``submit_new()``, or with an Idempotency-Key header seen before, the item of that first request
    (``digest`` tells whether it is the same request; another one with the key is refused)."""
    key = request.META.get("HTTP_IDEMPOTENCY_KEY", "")
    if not key:
        return submit_new()
    if len(key) > 255:
        raise ApiError("invalid_param", "The Idempotency-Key header is longer than 255 characters.")
    now = timezone.now()
    with transaction.atomic():
        remembered = IdempotentSubmit.objects.filter(account=request.user, key=key)
        remembered.filter(created_at__lt=now - timedelta(seconds=settings.REDUCER_IDEMPOTENCY_SECONDS)).delete()
        # A concurrent request with the same key waits on the unique row, then reads it.
        record, created = IdempotentSubmit.objects.get_or_create(
            account=request.user, key=key, defaults={"request_sha256": digest, "created_at": now}
        )
        if not created:
            if record.request_sha256 != digest:
                raise ApiError(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request; use a new key for a new request.",
                )
            return record.item
        # In the same transaction: a submit refused (no credits) forgets the key again.
        record.item = submit_new()
        record.save(update_fields=["item"])
        return record.item


def _request_sha256(compression: Compression) -> str:
    """What makes two compress requests the same: the source (an upload by its bytes, however it was
    framed) and everything asked of it."""
    source = compression.source
    what = source.url if isinstance(source, UrlSource) else source.sha256
    described = repr((type(source).__name__, what, compression.spec, compression.filename, compression.webhook_url))
    return hashlib.sha256(described.encode()).hexdigest()


def _answer_at_once(compression: Compression) -> bool:
    # A URL's size is known only once fetched; it is waited for, then checked in _compressed_file.
    source = compression.source
    return not isinstance(source, UploadSource) or len(source.data) < settings.REDUCER_SYNC_MAX_BYTES


def _compressed_file(item_id, stem: str) -> HttpResponseBase:
    item = Item.objects.get(pk=item_id)
    if item.status == Item.Status.DONE and (item.original_size or 0) >= settings.REDUCER_SYNC_MAX_BYTES:
        return Response(results.accepted(item), status=202)
    result = results.outcome(item)
    response = result.streamed()
    response["X-Original-Size"] = str(result.original_size)
    response["X-Compressed-Size"] = str(result.size)
    response["X-Savings-Percent"] = f"{result.savings_percent:g}"
    response["X-Format"] = result.format
    response["X-Job-Id"] = str(item.pk)
    response["Content-Disposition"] = f'attachment; filename="{results.filename(stem, result.format)}"'
    return response


class JobView(V1View):
    """GET /api/v1/jobs/{id}: a sync view served from the loop's thread pool.

    Django would run a sync view in a thread made for each request, with a database connection
    opened for it and dropped after; the pool's threads keep theirs (see optimizer.pooled).
    """

    @classmethod
    def as_view(cls, **initkwargs) -> Callable[..., Awaitable[HttpResponse]]:
        view = super().as_view(**initkwargs)

        def rendered(request, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            return response.render() if hasattr(response, "render") else response

        async def pooled_view(request, *args, **kwargs) -> HttpResponse:
            return await in_pool(rendered, request, *args, **kwargs)

        return functools.update_wrapper(pooled_view, view)

    @extend_schema(
        operation_id="job",
        responses={200: serializers.Job, **_error_responses(*_KEYED_ERRORS, "not_found", "expired")},
    )
    def get(self, request: Request, job_id: str) -> Response:
        return Response(results.describe(results.find(request.user, job_id)))


class JobDownloadView(V1View):
    @extend_schema(
        operation_id="job_download",
        responses={
            302: OpenApiResponse(description="Redirect to a signed link valid REDUCER_DOWNLOAD_TTL seconds."),
            **_error_responses(*_KEYED_ERRORS, "not_found", "expired", "not_ready"),
        },
    )
    def get(self, request: Request, job_id: str) -> HttpResponse:
        item = results.find(request.user, job_id)
        results.outcome(item)  # refuses what cannot be downloaded
        return HttpResponseRedirect(links.download_url(item.pk, item.generation))


class FileView(APIView):
    """The signed link itself: no key needed, the signature is the permission."""

    authentication_classes = []
    permission_classes = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonUnlessAsked

    def get_exception_handler(self):
        return errors.handle

    @extend_schema(
        operation_id="file",
        auth=[],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The compressed file."),
            **_error_responses("unauthorized", "not_found", "link_expired", "expired"),
        },
    )
    def get(self, request: Request, token: str) -> HttpResponseBase:
        try:
            item_id, generation = links.unsign(token)
        except signing.SignatureExpired:
            raise ApiError("link_expired", "This download link has expired; ask the job for a new one.") from None
        except signing.BadSignature:
            raise ApiError("not_found", "No such download.") from None
        item = Item.objects.select_related("account").filter(pk=item_id, generation=generation).first()
        if item is None:
            raise ApiError("not_found", "No such download.")
        # The link stands in for the key it was made with: it stops when the account's keys do.
        if not item.account.is_active:
            raise ApiError("unauthorized", "The account of this download is disabled.")
        result = results.outcome(item)
        response = result.streamed()
        response["Content-Disposition"] = f'attachment; filename="{results.filename(str(item.pk), result.format)}"'
        return response


class InfoView(V1View):
    @extend_schema(operation_id="info", responses={200: serializers.Info, **_error_responses(*_KEYED_ERRORS)})
    def get(self, request: Request) -> Response:
        credits.renew_if_due(request.user.pk)
        plan = Plan.objects.get(account=request.user)
        return Response(
            {
                "endpoint": settings.PUBLIC_URL + "/api/v1/compress",
                "credits": {
                    "remaining": None if plan.unlimited else plan.available,
                    "unlimited": plan.unlimited,
                    "resets_at": plan.renews_at,
                },
                "rate_limit": {
                    "limit": self.rate.limit,
                    "remaining": self.rate.remaining,
                    "resets_at": datetime.fromtimestamp(self.rate.reset_at, UTC),
                },
                "inputs": {
                    "sources": ["file", "file_base64", "url"],
                    "formats": [name.lower() for name in ALLOWED],
                    "max_bytes": settings.REDUCER_MAX_BYTES,
                    "sync_max_bytes": settings.REDUCER_SYNC_MAX_BYTES,
                },
                "outputs": {"formats": list(OUTPUTS), "modes": list(MODES), "metadata": list(METADATA)},
            }
        )
