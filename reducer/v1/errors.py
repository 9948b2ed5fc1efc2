"""The v1 error table: every error code with its HTTP status, and the one map from item errors.

The S3 write-back face (reducer.s3) answers in the same shape and shares this table.

Errors are rendered as ``{"error": {"code", "message", "param"}}``.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

STATUS = {
    "missing_source": 400,
    "invalid_param": 400,
    "invalid_url": 400,
    "unauthorized": 401,
    "no_credits": 402,
    "origin_not_allowed": 403,
    "bucket_not_configured": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "link_expired": 410,
    "expired": 410,
    "file_too_large": 413,
    "unsupported_format": 415,
    "fetch_failed": 422,
    "not_ready": 422,
    "target_unreachable": 422,
    "timeout": 422,
    "idempotency_key_reused": 422,
    "rate_limit_exceeded": 429,
    "compression_failed": 500,
    "not_implemented": 501,
    "s3_write_failed": 502,
}

# Item.error_code (engine, fetcher, item lifecycle) -> v1 code. Anything unknown is a 500.
ITEM_ERRORS = {
    "unsupported_format": "unsupported_format",
    "corrupt_image": "unsupported_format",
    "truncated_image": "unsupported_format",
    "image_too_large": "file_too_large",
    "decompression_bomb": "file_too_large",
    "target_unreachable": "target_unreachable",
    "invalid_spec": "invalid_param",
    "invalid_url": "invalid_url",
    # A URL that resolves to a private or otherwise non-public address: the URL is well formed,
    # this service just may not fetch it, so it is a failed fetch rather than a bad parameter.
    "forbidden_address": "fetch_failed",
    "download_failed": "fetch_failed",
    "timeout": "fetch_failed",
    "too_large": "file_too_large",
    "origin_not_allowed": "origin_not_allowed",
    "poison_input": "compression_failed",
    "internal_error": "compression_failed",
    "processing_timeout": "timeout",  # the item ran past REDUCER_TASK_TIMEOUT; not retried
    "s3_write_failed": "s3_write_failed",
}


class ApiError(exceptions.APIException):
    def __init__(self, code: str, message: str, param: str | None = None, headers: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status_code = STATUS[code]
        self.message = message
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "param": self.param}}


def item_error_code(error_code: str) -> str:
    return ITEM_ERRORS.get(error_code, "compression_failed")


def from_item(error_code: str, message: str) -> ApiError:
    """The v1 error for an item that failed with ``error_code``."""
    return ApiError(item_error_code(error_code), message or "The image could not be compressed.")


def _from_drf(exc: exceptions.APIException) -> ApiError:
    if isinstance(exc, exceptions.MethodNotAllowed):
        return ApiError("method_not_allowed", str(exc.detail))
    if isinstance(exc, exceptions.NotFound):
        return ApiError("not_found", str(exc.detail))
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return ApiError("unauthorized", str(exc.detail))
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return ApiError("invalid_param", str(exc.detail), "Content-Type")
    return ApiError("invalid_param", str(exc.detail))


def handle(exc: Exception, context: dict) -> Response | None:
    """DRF exception handler for the v1 views: every error in the v1 shape."""
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, ApiError):
        exc = _from_drf(exc)
    if isinstance(exc, ApiError):
        return Response(exc.body(), status=exc.status_code, headers=exc.headers)
    return exception_handler(exc, context)
