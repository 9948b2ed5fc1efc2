"""S3-compatible write-back: the one place that talks to an account's bucket.

A failed write raises WriteFailed, which the pipeline turns into a failed item (so nothing is
charged). Its message names the bucket, never the credentials or the endpoint's answer in full.

The endpoint passes the fetcher's address guard before boto3 sees it: its host is resolved and
every address must be public or allowed by REDUCER_FETCH_ALLOW_CIDRS (an S3-compatible store on
a private network: add it as address:port, e.g. 10.0.0.5:9000). boto3 resolves the name again
and does not follow redirects; an empty endpoint is AWS's own, public, and is not checked.
"""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.fernet import InvalidToken
from django.conf import settings

from accounts import sealing
from accounts.models import S3Target
from optimizer.fetch import FetchError, FetchPolicy, ForbiddenAddress, InvalidURL, checked_addresses

WRITE_FAILED = "s3_write_failed"


class WriteFailed(Exception):
    code = WRITE_FAILED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def client(target: S3Target):
    """A client for the target's endpoint (empty: AWS), signed with its unsealed secret."""
    try:
        secret = sealing.unseal(target.secret_access_key)
    except InvalidToken:
        raise WriteFailed(
            f"The credentials of bucket {target.bucket!r} cannot be read; enter the secret access key again."
        ) from None
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        connect_timeout=settings.REDUCER_S3_TIMEOUT,
        read_timeout=settings.REDUCER_S3_TIMEOUT,
        retries={"mode": "standard", "max_attempts": 2},
        # Checksums only where S3 requires them: many S3-compatible servers refuse the newer ones.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=target.endpoint_url or None,
        region_name=target.region or None,
        aws_access_key_id=target.access_key_id,
        aws_secret_access_key=secret,
        config=config,
    )


def endpoint_policy() -> FetchPolicy:
    return FetchPolicy(
        allow_cidrs=settings.REDUCER_FETCH_ALLOW_CIDRS, deadline_seconds=settings.REDUCER_S3_TIMEOUT
    )


def check_endpoint(endpoint_url: str) -> None:
    """Resolve the endpoint's host and refuse it unless every address is allowed: a FetchError
    (InvalidURL or ForbiddenAddress for a refusal, DownloadFailed or FetchTimeout for DNS)."""
    checked_addresses(endpoint_url, endpoint_policy(), "The S3 endpoint")


def put(target: S3Target, key: str, data: bytes, content_type: str, cache_control: str = "") -> None:
    """Write ``data`` to ``key`` (the full object key) in the target's bucket; WriteFailed if it is not.

    ``cache_control``: the object's Cache-Control header, which the Tinify face's store may set."""
    if target.endpoint_url:
        try:
            check_endpoint(target.endpoint_url)
        except (InvalidURL, ForbiddenAddress):
            # The endpoint's address stays out of the message: the account did not choose it.
            raise WriteFailed(
                f"Writing to bucket {target.bucket!r} was refused: its S3 endpoint is not a public address "
                "or port; an operator can allow it in REDUCER_FETCH_ALLOW_CIDRS."
            ) from None
        except FetchError as error:
            raise WriteFailed(
                f"Writing to bucket {target.bucket!r} failed: the S3 endpoint could not be reached "
                f"({error.__class__.__name__})."
            ) from None
    try:
        extra = {"CacheControl": cache_control} if cache_control else {}
        client(target).put_object(Bucket=target.bucket, Key=key, Body=data, ContentType=content_type, **extra)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code") or "an error"
        raise WriteFailed(f"Writing to bucket {target.bucket!r} failed: the S3 endpoint answered {code}.") from None
    except (BotoCoreError, ValueError) as error:  # ValueError: an endpoint URL botocore refuses
        raise WriteFailed(
            f"Writing to bucket {target.bucket!r} failed: the S3 endpoint could not be reached "
            f"({error.__class__.__name__})."
        ) from None
