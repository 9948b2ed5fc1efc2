"""Tinify's error answers: an HTTP status and ``{"error": ..., "message": ...}``.

The clients pick the exception class from the status alone (401 and 429: AccountError, other 4xx:
ClientError, 5xx: ServerError) and show the message, so both are kept as Tinify words them.
"""

from __future__ import annotations

from django.http import JsonResponse


class TinifyError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message

    def response(self) -> JsonResponse:
        return JsonResponse({"error": self.error, "message": self.message}, status=self.status)


def unauthorized() -> TinifyError:
    return TinifyError(401, "Unauthorized", "Credentials are invalid")


def key_not_found() -> TinifyError:
    return TinifyError(404, "NotFound", "Key not found")


def limit_exceeded() -> TinifyError:
    return TinifyError(429, "TooManyRequests", "Your monthly limit has been exceeded")


def rate_limited(per_minute: int) -> TinifyError:
    return TinifyError(429, "TooManyRequests", f"Too many requests: this key may make {per_minute} a minute")


def bad_request(message: str) -> TinifyError:
    return TinifyError(400, "BadRequest", message)


def unexpected() -> TinifyError:
    return TinifyError(503, "ServiceUnavailable", "The request could not be handled; try again later")


def not_found() -> TinifyError:
    return TinifyError(404, "NotFound", "Output not found")


# Item.error_code (engine, fetcher, worker) -> Tinify's answer. Anything unknown is a ServerError,
# never a bare 500: the clients retry a 5xx once, then raise ServerError with this message.
ITEM_ERRORS = {
    "unsupported_format": (415, "UnsupportedFile", "File type is not supported"),
    "corrupt_image": (400, "DecodeError", "Image could not be decoded"),
    "truncated_image": (400, "DecodeError", "Image could not be decoded"),
    "invalid_spec": (400, "BadRequest", "The requested options cannot be applied to this image"),
    "target_unreachable": (400, "BadRequest", "The requested options cannot be applied to this image"),
    "image_too_large": (413, "TooLarge", "Image is too large"),
    "decompression_bomb": (413, "TooLarge", "Image is too large"),
    "too_large": (413, "TooLarge", "Image is too large"),
    "invalid_url": (400, "Source not found", "The source URL is not valid"),
    "forbidden_address": (400, "Source not found", "The source URL may not be fetched by this server"),
    "origin_not_allowed": (400, "Source not found", "This account may not fetch images from this domain"),
    "download_failed": (400, "Source not found", "The source URL could not be downloaded"),
    "timeout": (400, "Source not found", "The source URL could not be downloaded in time"),
}


def from_item(error_code: str) -> TinifyError:
    status, error, message = ITEM_ERRORS.get(
        error_code, (503, "ServiceUnavailable", "The image could not be compressed; try again later")
    )
    return TinifyError(status, error, message)
