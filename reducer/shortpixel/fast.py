"""Polls of done items on reducer.php, answered in front of Django (reducer.front).

Clients re-POST the same URLs every second or two until their results are done, and again later;
most reducer.php requests are such polls. Through Django's request handling, middleware and view, one
cost about 11 ms of CPU, and two cores answered fewer than 200 a second. A poll is answered here
when everything it needs is at hand: a plain request (no wait, no refresh, only URLs the view
would accept), a key that authenticates (accounts.grants, kept a few seconds), every URL allowed by
the account's domain rules, and every item either pending or done with its answer kept
(reducer.shortpixel.answers). It reads the items' states in one query, counts the request against
the key's rate limit like the view, and answers the view's JSON bytes (rendered by the view's own
code). Anything else goes to Django, and nothing is counted twice: the request is counted last,
only once it is known to be answered here. Charges, refreshes, uploads, waits and refusals are
the view's alone.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Sequence

from django.conf import settings

from accounts import grants, throttling
from accounts.keys import KeyRejected
from optimizer import services
from optimizer.fetch import FetchError, check_url
from optimizer.models import Item
from optimizer.pooled import in_pool
from optimizer.sources import fetch_policy
from reducer.front import Answer, Route
from reducer.request_guard import Scope

from . import answers, render, views, wire
from .render import Asked

PENDING = {Item.Status.QUEUED, Item.Status.RUNNING}
# One URL of a poll: the URL, what it asks, the identity of its item.
Wanted = tuple[str, Asked, str]


async def answered(scope: Scope, body: bytes) -> Answer | None:
    """The view's answer to this reducer.php body if it is a poll answered here, else None."""
    poll = _poll(body)
    if poll is None:
        return None
    data, wanted = poll
    results = await in_pool(_results, data["key"], wanted)
    return None if results is None else Answer(views.respond(views.framed(results, data)).content)


ROUTE = Route("POST", "/v2/reducer.php".__eq__, "v2/reducer.php", answered)


@functools.lru_cache(maxsize=512)  # at most 16 MB of bodies
def _poll(body: bytes) -> tuple[dict, tuple[Wanted, ...]] | None:
    """The request, and what each of its URLs asks, if the body is a plain poll. A client sends
    the same body on every poll: it is read once. Neither is changed by anyone."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    wanted = _wanted(data) if isinstance(data, dict) else None
    return None if wanted is None else (data, tuple(wanted))


def _wanted(data: dict) -> list[Wanted] | None:
    """Each URL with what it asks and the identity of its item, if the request is a plain poll
    (no wait, no refresh, nothing the view would refuse)."""
    key, urls = data.get("key"), data.get("urllist")
    if not isinstance(key, str) or not isinstance(urls, list):
        return None
    if not 0 < len(urls) <= settings.REDUCER_SHORTPIXEL_MAX_URLS:
        return None
    wanted = []
    try:
        if wire.wait_seconds(data) or wire.flag(data.get("refresh"), default=False):
            return None
        policy = fetch_policy()
        for index, url in enumerate(urls):
            if not isinstance(url, str):
                return None
            check_url(url, policy)
            asked = wire.asked(wire.per_url_options(data, index), data)
            wanted.append((url, asked, services.url_identity(url, asked.spec)))
    except (wire.WireError, FetchError):
        return None
    return wanted


def _results(key: str, wanted: Sequence[Wanted]) -> list[dict] | None:
    """Each URL's result, when all are pending or done with a kept answer; the request is then
    counted against the key's rate limit (None if over it: the view refuses it)."""
    try:
        grant = grants.grant(key)
    except KeyRejected:
        return None
    if not all(grant.allows_url(url) for url, _, _ in wanted):
        return None
    states = services.item_states(grant.account_id, (identity for _, _, identity in wanted))
    results = []
    for url, asked, identity in wanted:
        state = states.get(identity)
        if state is None:
            return None
        if state.status in PENDING:
            results.append(render.pending(url))
            continue
        kept = answers.kept(answers.AnswerKey(state.id, state.generation, url, asked))
        if state.status != Item.Status.DONE or kept is None:
            return None
        results.append(kept)
    if not throttling.hit(grant.key_digest, grant.rate_limit_per_minute, time.time()).allowed:
        return None
    return results
