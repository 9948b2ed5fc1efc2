"""``store``: write an output to the caller's S3 bucket with the caller's credentials.

Tinify's store options name no endpoint (AWS S3 or Google Cloud Storage only), so the S3-compatible
server is the operator's choice: REDUCER_TINIFY_S3_ENDPOINT (empty: AWS). The write goes through
optimizer.s3.put, the S3 write-back face's writer, so the endpoint passes the same address guard.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from accounts import sealing
from accounts.models import Account, S3Target
from optimizer import s3

from .errors import TinifyError
from .wire import Store


def write(account: Account, options: Store, data: bytes, content_type: str) -> str:
    """Write ``data``; the object's URL (the Location Tinify answers with), or a ClientError."""
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
        raise TinifyError(400, "StoreError", failed.message) from None
    key = quote(options.key)
    if endpoint:
        return f"{endpoint.rstrip('/')}/{options.bucket}/{key}"
    return f"https://s3.{options.region or 'us-east-1'}.amazonaws.com/{options.bucket}/{key}"
