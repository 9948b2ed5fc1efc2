"""What an API key grants, kept by each process for REDUCER_KEY_CACHE_SECONDS.

A poll of done items needs only the key's account, its rate limit and its allowed source domains;
reading them costs three queries, more than the rest of the poll. Kept a few seconds, they are read
once per key and process in that time, and a revoked key, a disabled account or a changed domain
rule is seen when the entry runs out. Only keys that authenticate are kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from . import origins
from .keys import authenticate, digest

# Kept keys beyond which the expired ones are dropped: a process serves far fewer keys in seconds.
_PRUNE_ABOVE = 10_000


@dataclass(frozen=True)
class Grant:
    account_id: int
    rate_limit_per_minute: int
    allows_url: Callable[[str], bool]
    key_digest: str  # the key's rate-limit name


_kept: dict[str, tuple[float, Grant]] = {}
_lock = threading.Lock()


def grant(presented: str) -> Grant:
    """What ``presented`` grants, as read at most REDUCER_KEY_CACHE_SECONDS ago; KeyRejected when
    the key does not authenticate now."""
    wanted = digest(presented)
    now = time.monotonic()
    kept = _kept.get(wanted)
    if kept is not None and kept[0] > now:
        return kept[1]
    account = authenticate(presented)
    found = Grant(account.pk, account.plan.rate_limit_per_minute, origins.rule(account.pk), wanted)
    seconds = settings.REDUCER_KEY_CACHE_SECONDS
    if seconds > 0:
        with _lock:
            if len(_kept) >= _PRUNE_ABOVE:
                for name in [name for name, (until, _) in _kept.items() if until <= now]:
                    del _kept[name]
            _kept[wanted] = (now + seconds, found)
    return found
