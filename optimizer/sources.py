"""Bytes of URL sources: the fetcher, configured from settings and the account's source rules."""

from __future__ import annotations

import json

from django.conf import settings

from accounts import origins, sealing
from optimizer.fetch import FetchPolicy, fetch

from .models import Item


def fetch_policy() -> FetchPolicy:
    return FetchPolicy(
        allow_cidrs=settings.REDUCER_FETCH_ALLOW_CIDRS,
        deadline_seconds=settings.REDUCER_FETCH_DEADLINE,
        max_redirects=settings.REDUCER_FETCH_MAX_REDIRECTS,
        max_bytes=settings.REDUCER_MAX_BYTES,
    )


def source_auth(item: Item) -> tuple[str, str] | None:
    """Credentials sent with the request win over those the account keeps for the domain."""
    if item.source_auth:
        return tuple(json.loads(sealing.unseal(item.source_auth)))
    return origins.credentials_for(item.account_id, item.source_url)


def fetched_name(item: Item, generation: int) -> str:
    """Where the fetch step keeps a generation's download: with the item, not shared with others."""
    return f"fetched/{item.account_id}/{item.pk}/{generation}"


def fetch_source(item: Item) -> bytes:
    auth = source_auth(item)
    return fetch(item.source_url, fetch_policy(), auth=auth, host_allowed=origins.host_rule(item.account_id)).data
