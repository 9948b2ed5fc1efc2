"""Reads of done v1 jobs (GET /api/v1/jobs/{id}), answered in front of Django (reducer.front).

A client polls its job until it is complete, and may read it again later. Such a read is answered
here when the key is given in a header (Bearer or X-API-Key) and authenticates (accounts.grants,
kept a few seconds), the job is the account's, done, and described by this process before in its
generation (reducer.v1.results keeps each done job's description): one query for the job's state,
the request counted against the key's rate limit like the view (last, once it is known to be
answered here), a download link signed now, and the view's JSON. Anything else (a query string, a
job not done, another account's, an unknown or refused key, the rate limit reached) is the view's.
"""

from __future__ import annotations

import re
import time
import uuid

from rest_framework.renderers import JSONRenderer

from accounts import grants, throttling
from accounts.keys import KeyRejected
from optimizer import services
from optimizer.models import Item
from optimizer.pooled import in_pool
from reducer.front import Answer, Route
from reducer.request_guard import Scope

from . import results
from .auth import key_in_headers

_JOB_PATH = re.compile(r"/api/v1/jobs/([0-9a-fA-F-]{32,36})")


async def answered(scope: Scope, body: bytes) -> Answer | None:
    """The view's answer to this job read if it is one answered here, else None."""
    job = _JOB_PATH.fullmatch(scope["path"])
    if job is None or scope["query_string"]:
        return None
    headers = dict(scope["headers"])
    presented = key_in_headers(
        headers.get(b"authorization", b"").decode("latin-1"), headers.get(b"x-api-key", b"").decode("latin-1")
    )
    try:
        item_id = uuid.UUID(job.group(1))
    except ValueError:
        return None
    return None if presented is None else await in_pool(_described, presented, item_id)


def _described(presented: str, item_id: uuid.UUID) -> Answer | None:
    try:
        grant = grants.grant(presented)
    except KeyRejected:
        return None
    state = services.job_item_state(grant.account_id, item_id, results.POLLABLE_FACES)
    if state is None or state.status != Item.Status.DONE:
        return None
    body = results.described_done(item_id, state.generation)
    if body is None:
        return None
    rate = throttling.hit(grant.key_digest, grant.rate_limit_per_minute, time.time())
    if not rate.allowed:
        return None
    headers = {
        b"x-ratelimit-limit": str(rate.limit).encode(),
        b"x-ratelimit-remaining": str(rate.remaining).encode(),
        b"x-ratelimit-reset": str(rate.reset_at).encode(),
    }
    return Answer(JSONRenderer().render(body), headers, grant.account_id)


ROUTE = Route("GET", _JOB_PATH.fullmatch, "api/v1/jobs/<str:job_id>", answered)
