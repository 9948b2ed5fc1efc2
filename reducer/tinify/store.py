"""``store``: write an output to the caller's bucket with the caller's credentials, on S3 or on
Google Cloud Storage, as Tinify's store options allow.

S3: the options name no endpoint, so the S3-compatible server is the operator's choice:
REDUCER_TINIFY_S3_ENDPOINT (empty: AWS). The write goes through optimizer.s3.put, the S3 write-back
face's writer, so the endpoint passes the same address guard.

Google Cloud Storage: the object is written with one multipart upload of the JSON API (its name,
type and Cache-Control with the bytes), authorised by the caller's access token, to
REDUCER_TINIFY_GCS_ENDPOINT (Google's by default), which passes the same address guard first.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import quote

import requests
from django.conf import settings

from accounts import sealing
from accounts.models import Account, S3Target
from optimizer import s3
from optimizer.fetch import FetchError, ForbiddenAddress, InvalidURL, checked_addresses

from .errors import TinifyError
from .wire import Store


def write(account: Account, options: Store, data: bytes, content_type: str) -> str:
    """Write ``data``; the object's URL (the Location Tinify answers with), or a ClientError."""
    if options.service == "gcs":
        return _write_gcs(options, data, content_type)
    return _write_s3(account, options, data, content_type)


def _store_error(message: str) -> TinifyError:
    return TinifyError(400, "StoreError", message)


def _write_s3(account: Account, options: Store, data: bytes, content_type: str) -> str:
    endpoint = settings.REDUCER_TINIFY_S3_ENDPOINT
    # An unsaved target: the credentials are the request's and live only as long as it does.
    target = S3Target(
        account=account,
        bucket=options.bucket,
        endpoint_url=endpoint,
        region=options.region,
        access_key_id=options.access_key_id,
        secret_access_key=sealing.seal(options.secret_access_key),
    )
    try:
        s3.put(target, options.key, data, content_type, cache_control=options.cache_control)
    except s3.WriteFailed as failed:
        raise _store_error(failed.message) from None
    key = quote(options.key)
    if endpoint:
        return f"{endpoint.rstrip('/')}/{options.bucket}/{key}"
    return f"https://s3.{options.region or 'us-east-1'}.amazonaws.com/{options.bucket}/{key}"


def _write_gcs(options: Store, data: bytes, content_type: str) -> str:
    endpoint = settings.REDUCER_TINIFY_GCS_ENDPOINT.rstrip("/")
    bucket = options.bucket
    try:
        checked_addresses(endpoint, s3.endpoint_policy(), "The Google Cloud Storage endpoint")
    except (InvalidURL, ForbiddenAddress):
        raise _store_error(
            f"Writing to bucket {bucket!r} was refused: the storage endpoint is not a public address or port; "
            "an operator can allow it in REDUCER_FETCH_ALLOW_CIDRS."
        ) from None
    except FetchError as error:
        raise _store_error(
            f"Writing to bucket {bucket!r} failed: the storage endpoint could not be reached "
            f"({error.__class__.__name__})."
        ) from None
    metadata = {"name": options.key, "contentType": content_type}
    if options.cache_control:
        metadata["cacheControl"] = options.cache_control
    boundary = secrets.token_hex(16)
    body = b"".join(
        [
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
            json.dumps(metadata).encode(),
            f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n\r\n".encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    try:
        response = requests.post(
            f"{endpoint}/upload/storage/v1/b/{quote(bucket, safe='')}/o",
            params={"uploadType": "multipart"},
            data=body,
            headers={
                "Authorization": f"Bearer {options.access_token}",
                "Content-Type": f"multipart/related; boundary={boundary}",
            },
            timeout=settings.REDUCER_S3_TIMEOUT,
            allow_redirects=False,  # a redirect could lead past the address guard
        )
    except requests.RequestException as error:
        raise _store_error(
            f"Writing to bucket {bucket!r} failed: the storage endpoint could not be reached "
            f"({error.__class__.__name__})."
        ) from None
    if response.status_code != 200:
        raise _store_error(
            f"Writing to bucket {bucket!r} failed: Google Cloud Storage answered {response.status_code}."
        )
    return f"{endpoint}/{bucket}/{quote(options.key)}"
