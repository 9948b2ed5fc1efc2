"""One log event and the request metrics per answered request, and its X-Request-ID.

The id is the client's ``X-Request-ID`` when it is a sane token, else a new one; it is returned in
the answer's ``X-Request-ID``. Only the path is logged, never the query string or the body, so keys
sent there stay out of logs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

from accounts.models import Account
from reducer import metrics
from reducer.logs import request_id

log = logging.getLogger("reducer.requests")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_FACES = (("/api/v1/", "v1"), ("/s3/", "s3"), ("/results/", "results"), ("/admin/", "admin"), ("/metrics", "metrics"))


def _face(path: str) -> str:
    for prefix, face in _FACES:
        if path.startswith(prefix):
            return face
    return "shortpixel" if path.endswith(".php") else "other"


def begin(offered: str) -> tuple[float, contextvars.Token]:
    """Start timing a request; its id is ``offered`` (the client's X-Request-ID) when sane."""
    return time.perf_counter(), request_id.set(offered if _SANE_ID.fullmatch(offered) else uuid.uuid4().hex)


def finish(
    method: str, path: str, endpoint: str, status: int, account_id: int | None, started: float, token: contextvars.Token
) -> str:
    """Record an answered request (metrics, log event); its id, for the answer's X-Request-ID."""
    seconds = time.perf_counter() - started
    face = _face(path)
    if settings.REDUCER_METRICS:
        metrics.record_request(face, endpoint, status, seconds)
    current = request_id.get()
    log.info(
        "%s %s %s %.1f ms",
        method,
        path,
        status,
        seconds * 1000,
        extra={
            "event": "request",
            "method": method,
            "path": path,
            "status": status,
            "face": face,
            "endpoint": endpoint,
            "account_id": account_id,
            "duration_seconds": round(seconds, 4),
        },
    )
    request_id.reset(token)
    return current


def _begin(request: HttpRequest) -> tuple[float, contextvars.Token]:
    return begin(request.headers.get("X-Request-ID", ""))


def _finish(request: HttpRequest, response: HttpResponse, started: float, token: contextvars.Token) -> HttpResponse:
    match = request.resolver_match
    endpoint = match.route if match is not None else "unmatched"
    # DRF puts the authenticated account on the underlying request; an unevaluated lazy user
    # (the admin's session) is left alone, so logging never costs a session lookup.
    user = request.__dict__.get("user")
    account_id = user.pk if type(user) is Account else None
    status = response.status_code
    response["X-Request-ID"] = finish(request.method, request.path, endpoint, status, account_id, started, token)
    return response


@sync_and_async_middleware
def observe_requests(get_response: Callable) -> Callable:
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            started, token = _begin(request)
            return _finish(request, await get_response(request), started, token)

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            started, token = _begin(request)
            return _finish(request, get_response(request), started, token)

    return middleware
