"""Bytes of URL sources: the fetcher, configured from settings."""

from __future__ import annotations

import json

from django.conf import settings

from optimizer.fetch import FetchPolicy, fetch
from reducer import sealing

from .models import Item


def fetch_policy() -> FetchPolicy:
    return FetchPolicy(
        allow_cidrs=settings.REDUCER_FETCH_ALLOW_CIDRS,
        deadline_seconds=settings.REDUCER_FETCH_DEADLINE,
        max_redirects=settings.REDUCER_FETCH_MAX_REDIRECTS,
        max_bytes=settings.REDUCER_MAX_BYTES,
    )


def fetch_source(item: Item) -> bytes:
    auth = tuple(json.loads(sealing.unseal(item.source_auth))) if item.source_auth else None
    return fetch(item.source_url, fetch_policy(), auth=auth).data
