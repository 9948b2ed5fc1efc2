"""Per-key rate limits on a counter every web process shares: one row per key and minute.

A request is let through by one conditional UPDATE (``count < limit``) on its key's row for the
current minute, or by the INSERT that opens that row; the unique (key, window) constraint makes a
racing INSERT fail, and the loser retries the UPDATE. No read-modify-write, so two processes can
never both take the last request of a minute, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import RateWindow

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateState:
    """What a request learnt about its key's limit: for the X-RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # Unix time the current window ends

    def retry_after(self, now: float) -> int:
        return max(math.ceil(self.reset_at - now), 1)


def hit(key: str, limit: int, now: float) -> RateState:
    """Count one request of ``key`` (any stable string, e.g. the key digest) at Unix time ``now``."""
    window = int(now // WINDOW_SECONDS)
    reset_at = (window + 1) * WINDOW_SECONDS
    allowed = _take(key, window, limit)
    used = RateWindow.objects.filter(key=key, window=window).values_list("count", flat=True).first() or 0
    return RateState(allowed=allowed, limit=limit, remaining=max(limit - used, 0), reset_at=reset_at)


def _take(key: str, window: int, limit: int) -> bool:
    rows = RateWindow.objects.filter(key=key, window=window)
    if rows.filter(count__lt=limit).update(count=F("count") + 1):
        return True
    if rows.exists():
        # The row may have been opened by a concurrent request after the UPDATE above found
        # none: count on it again rather than refusing a request of a minute barely begun.
        return bool(rows.filter(count__lt=limit).update(count=F("count") + 1))
    try:
        with transaction.atomic():
            RateWindow.objects.create(key=key, window=window, count=1)
    except IntegrityError:  # another process opened the window first
        return bool(rows.filter(count__lt=limit).update(count=F("count") + 1))
    # A new minute for this key: its older windows are of no further use.
    RateWindow.objects.filter(key=key, window__lt=window).delete()
    return limit >= 1
