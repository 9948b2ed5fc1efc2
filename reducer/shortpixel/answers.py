"""Answers of done items, kept by each web process (REDUCER_ANSWER_CACHE_ENTRIES, least recently used
dropped first).

A done item's answer does not change while it stays done in the same generation: a refresh makes
a new generation, and expiry (cleanup, retention) changes its status. So an answer kept under the
item, its generation and what was asked is still the answer when a poll finds the item done in that
generation, and that poll needs no read of the item's files. The item's id belongs to one account,
so an answer is only ever found again by a poll of that account.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

from django.conf import settings

from .render import Asked


class AnswerKey(NamedTuple):
    item_id: object
    generation: int
    original_url: str
    asked: Asked | None


_kept: OrderedDict[AnswerKey, dict] = OrderedDict()
_lock = threading.Lock()


def keep(key: AnswerKey, result: dict) -> None:
    """Keep a done item's answer; ``result`` must not be changed afterwards."""
    limit = settings.REDUCER_ANSWER_CACHE_ENTRIES
    if limit <= 0:
        return
    with _lock:
        _kept[key] = result
        _kept.move_to_end(key)
        while len(_kept) > limit:
            _kept.popitem(last=False)


def kept(key: AnswerKey) -> dict | None:
    with _lock:
        result = _kept.get(key)
        if result is not None:
            _kept.move_to_end(key)
        return result
