"""Signed, expiring download links: ``/api/v1/files/<token>`` works without an API key.

The token names an item generation and when it was signed; ``clock`` is the time source of both
signing and checking, so tests can move time forward.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

clock: Callable[[], float] = time.time

_SALT = "reducer.v1.download"


class _Signer(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(clock()))

    def unsign(self, value: str, max_age: float | None = None) -> str:
        # TimestampSigner reads time.time() itself; check the age against ``clock`` instead.
        payload, stamp = signing.Signer.unsign(self, value).rsplit(self.sep, 1)
        age = clock() - signing.b62_decode(stamp)
        if max_age is not None and age > max_age:
            raise signing.SignatureExpired(f"Signature age {age} > {max_age} seconds")
        return payload


def _signer() -> _Signer:
    return _Signer(salt=_SALT)


def sign(item_id, generation: int) -> str:
    return _signer().sign(f"{item_id}:{generation}")


def unsign(token: str) -> tuple[str, int]:
    """(item id, generation); raises SignatureExpired past REDUCER_DOWNLOAD_TTL, BadSignature if forged."""
    item_id, generation = _signer().unsign(token, max_age=settings.REDUCER_DOWNLOAD_TTL).split(":")
    return item_id, int(generation)


def download_url(item_id, generation: int) -> str:
    return settings.PUBLIC_URL + reverse("v1:file", args=[sign(item_id, generation)])


def expires_at(retention_ends: datetime) -> datetime:
    """When a link signed now stops working: its TTL, or the result's deletion if that is sooner."""
    link_ends = datetime.fromtimestamp(int(clock()) + settings.REDUCER_DOWNLOAD_TTL, UTC)
    return min(link_ends, retention_ends)
