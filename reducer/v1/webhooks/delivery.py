"""One delivery attempt: the job's JSON, signed, POSTed through the fetcher's guard.

2xx delivers; 410 disables the endpoint; any other answer (3xx included: redirects are not
followed) or a transport failure is retried later. A URL the guard refuses is given up at once.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.utils import timezone

from optimizer.fetch import FetchError, FetchPolicy, ForbiddenAddress, InvalidURL, check_url, post
from optimizer.models import Item
from reducer import metrics

from .. import results
from ..errors import ApiError
from . import outbox, signing

log = logging.getLogger(__name__)


def policy() -> FetchPolicy:
    schemes = {"http", "https"} if settings.REDUCER_WEBHOOK_ALLOW_HTTP else {"https"}
    return FetchPolicy(
        schemes=frozenset(schemes),
        allow_cidrs=settings.REDUCER_FETCH_ALLOW_CIDRS,
        max_redirects=0,
        deadline_seconds=settings.REDUCER_WEBHOOK_TIMEOUT,
        user_agent="reducer-webhooks/1.0",
    )


def check_webhook_url(url: str, what: str = "The URL") -> None:
    """Refuse a webhook URL that could never be delivered to (FetchError with a user-facing message)."""
    check_url(url, policy(), what)


@metrics.counts_webhook_outcomes
def deliver(event_id: str) -> str:
    """The task: one attempt of one event. Returns what happened, for the task log."""
    event = outbox.claim(event_id)
    if event is None:
        return "not due"
    try:
        body = json.dumps(results.describe(Item.objects.get(pk=event.item_id)), separators=(",", ":"))
    except ApiError as error:  # the result expired before it could be delivered
        outbox.failed(event, error.message)
        return "failed"
    signed = signing.headers(event.account_id, event.message_id, body, timezone.now())
    headers = {"Content-Type": "application/json", **signed}
    try:
        status = post(event.endpoint.url, policy(), body.encode(), headers)
    except (InvalidURL, ForbiddenAddress) as error:
        outbox.failed(event, error.message)
        return "failed"
    except FetchError as error:
        outbox.retry_later(event, error.message)
        return "retry"
    if 200 <= status < 300:
        outbox.delivered(event, status)
        return "delivered"
    if status == 410:
        outbox.gone(event)
        return "endpoint disabled"
    outbox.retry_later(event, f"The endpoint answered HTTP {status}.", status)
    return "retry"
