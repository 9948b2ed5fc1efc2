"""Answers of done work, kept by each web process (REDUCER_ANSWER_CACHE_ENTRIES per kind, least
recently used dropped first), so that a poll of done work reads no files and few rows.

What a done item answers does not change while it stays done in the same generation: a refresh
makes a new generation, and expiry (cleanup, retention) changes its status. So an answer kept under
the item and its generation (and whatever else it depends on) is still the answer when a poll finds
the item done in that generation. An item belongs to one account, so its answer is only ever found
again by a request of that account.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from django.conf import settings

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class KeptAnswers(Generic[K, V]):
    def __init__(self) -> None:
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, key: K, answer: V) -> None:
        """Keep a done item's answer; ``answer`` must not be changed afterwards."""
        limit = settings.REDUCER_ANSWER_CACHE_ENTRIES
        if limit <= 0:
            return
        with self._lock:
            self._kept[key] = answer
            self._kept.move_to_end(key)
            while len(self._kept) > limit:
                self._kept.popitem(last=False)

    def kept(self, key: K) -> V | None:
        with self._lock:
            answer = self._kept.get(key)
            if answer is not None:
                self._kept.move_to_end(key)
            return answer
