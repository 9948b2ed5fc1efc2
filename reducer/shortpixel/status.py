"""ShortPixel Status.Code numbers, in one place, with the messages the clients show."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    SUCCESS = 2
    PENDING = 1
    INVALID_URL = -102  # for uploads: the reference has expired, upload again
    URL_MISSING = -105
    URL_INACCESSIBLE = -106
    TOO_MANY_URLS = -107
    DOMAIN_NOT_ALLOWED = -108
    UPLOADS_MISSING = -109
    UPLOAD_ERROR = -110
    FILE_TOO_BIG = -111
    INVALID_IMAGE = -201
    UNSUPPORTED_IMAGE = -202
    DOWNLOAD_FAILED = -203
    DOWNLOAD_TIMEOUT = -204
    IMAGE_TOO_BIG = -205
    INVALID_PARAMS = -207
    OVER_QUOTA_FILE = -301
    RESULT_EXPIRED = -302
    INTERNAL_ERROR = -303
    INVALID_KEY = -401
    QUOTA_EXCEEDED = -403
    QUEUE_FULL = -404  # also: over the key's rate limit (the clients sleep and retry it)


MESSAGES = {
    Status.SUCCESS: "Success",
    Status.PENDING: "Image scheduled for processing.",
    Status.INVALID_URL: "Invalid URL. Please make sure the URL is correct and public.",
    Status.URL_MISSING: "URL is missing.",
    Status.URL_INACCESSIBLE: "URL is inaccessible from the optimization server.",
    Status.TOO_MANY_URLS: "Too many URLs in one request.",
    Status.DOMAIN_NOT_ALLOWED: "This account may not optimize images from this domain.",
    Status.UPLOADS_MISSING: "No files were uploaded and no file_urls were given.",
    Status.UPLOAD_ERROR: "The upload failed.",
    Status.FILE_TOO_BIG: "The file is too big.",
    Status.INVALID_IMAGE: "Invalid image format or damaged image.",
    Status.UNSUPPORTED_IMAGE: "Unsupported image format.",
    Status.DOWNLOAD_FAILED: "Could not download file.",
    Status.DOWNLOAD_TIMEOUT: "Download timed out.",
    Status.IMAGE_TOO_BIG: "The image is too big (pixels or frames).",
    Status.INVALID_PARAMS: "Invalid parameters.",
    Status.OVER_QUOTA_FILE: "The file is larger than the remaining quota.",
    Status.RESULT_EXPIRED: "The file is no longer available.",
    Status.INTERNAL_ERROR: "Internal error while optimizing the image.",
    Status.INVALID_KEY: "Invalid API key. Please check that the API key is the one provided to you.",
    Status.QUOTA_EXCEEDED: "Quota exceeded. Top up the account or wait for the monthly renewal.",
    Status.QUEUE_FULL: "Too many requests; retry shortly.",
}

# Stable error codes of the engine, the fetcher and the job model, as ShortPixel numbers.
FOR_ERROR_CODE = {
    "unsupported_format": Status.UNSUPPORTED_IMAGE,
    "corrupt_image": Status.INVALID_IMAGE,
    "truncated_image": Status.INVALID_IMAGE,
    "poison_input": Status.INVALID_IMAGE,
    "image_too_large": Status.IMAGE_TOO_BIG,
    "decompression_bomb": Status.IMAGE_TOO_BIG,
    "invalid_spec": Status.INVALID_PARAMS,
    "target_unreachable": Status.INVALID_PARAMS,
    "invalid_url": Status.INVALID_URL,
    "forbidden_address": Status.URL_INACCESSIBLE,
    "download_failed": Status.DOWNLOAD_FAILED,
    "timeout": Status.DOWNLOAD_TIMEOUT,
    "too_large": Status.FILE_TOO_BIG,
    "origin_not_allowed": Status.DOMAIN_NOT_ALLOWED,
    "internal_error": Status.INTERNAL_ERROR,
    # Ran past the task timeout: a final failure (the SDK retries only -305, the plugin shows it);
    # the same input would run out of time again.
    "processing_timeout": Status.INTERNAL_ERROR,
}


# The WordPress plugin reads the first result's Status as the whole answer's and stops an item only on
# the codes it knows as final (ApiController::handleResponse, its switch on Status.Code); any other
# negative code there makes it ask again, and a failed item answers every poll the same way, so it
# would ask forever. Answers made only of failures carry, for the plugin, a final code of the same
# kind instead (the message stays ours: the plugin shows it).
FINAL_FOR_PLUGIN = {
    Status.IMAGE_TOO_BIG: Status.FILE_TOO_BIG,
    Status.DOWNLOAD_TIMEOUT: Status.DOWNLOAD_FAILED,
    Status.INTERNAL_ERROR: Status.INVALID_IMAGE,
}


def status_body(code: Status, message: str = "") -> dict:
    # Codes travel as strings, as the real API sends them (the SDK compares one with === '-302').
    return {"Code": str(int(code)), "Message": message or MESSAGES[code]}
