"""S3-compatible write-back: the one place that talks to an account's bucket.

A failed write raises WriteFailed, which the pipeline turns into a failed item (so nothing is
charged). Its message names the bucket, never the credentials or the endpoint's answer in full.
"""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from cryptography.fernet import InvalidToken
from django.conf import settings

from accounts import sealing
from accounts.models import S3Target

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


def put(target: S3Target, key: str, data: bytes, content_type: str) -> None:
    """Write ``data`` to ``key`` (the full object key) in the target's bucket; WriteFailed if it is not."""
    try:
        client(target).put_object(Bucket=target.bucket, Key=key, Body=data, ContentType=content_type)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code") or "an error"
        raise WriteFailed(f"Writing to bucket {target.bucket!r} failed: the S3 endpoint answered {code}.") from None
    except (BotoCoreError, ValueError) as error:  # ValueError: an endpoint URL botocore refuses
        raise WriteFailed(
            f"Writing to bucket {target.bucket!r} failed: the S3 endpoint could not be reached "
            f"({error.__class__.__name__})."
        ) from None
