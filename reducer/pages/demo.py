"""The keyless demo behind the landing page: a few compressions per visitor address and hour,
charged to a built-in account, through the same parsing, submission and job answer as v1."""

from __future__ import annotations

import hashlib
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import throttling
from accounts.models import Account, Plan
from optimizer.models import Item
from optimizer.services import WorkRequest, submit
from reducer.v1 import results
from reducer.v1.errors import ApiError
from reducer.v1.parsing import parse_compression

ACCOUNT_NAME = "demo page"


def demo_account() -> Account:
    """The account demo compressions are charged to: unlimited, since the allowance is per visitor."""
    account, created = Account.objects.get_or_create(name=ACCOUNT_NAME)
    if created:
        Plan.objects.create(account=account, name="demo page", unlimited=True)
    return account


def _visitor_allowed(request: HttpRequest) -> bool:
    visitor = hashlib.sha256(request.META.get("REMOTE_ADDR", "").encode()).hexdigest()[:40]
    allowance = settings.REDUCER_DEMO_PAGE_ALLOWANCE
    return throttling.hit(f"demo:{visitor}", allowance, time.time(), window_seconds=3600).allowed


def _error(error: ApiError) -> JsonResponse:
    return JsonResponse(error.body(), status=error.status_code)


def _job(item: Item) -> dict:
    body = results.accepted(item)
    body["poll_url"] = reverse("pages:demo-job", args=[item.pk])
    return body


@require_POST
def compress(request: HttpRequest) -> JsonResponse:
    """Submit one compression without a key; answers 202 and the job to poll, or a v1 error."""
    if settings.REDUCER_DEMO_PAGE_ALLOWANCE <= 0:
        return _error(ApiError("unauthorized", "The demo is switched off on this server; enter an API key."))
    try:
        compression = parse_compression(request.POST, request.FILES)
    except ApiError as error:
        return _error(error)
    if not _visitor_allowed(request):
        return _error(
            ApiError(
                "rate_limit_exceeded",
                f"The demo runs {settings.REDUCER_DEMO_PAGE_ALLOWANCE} compressions an hour per visitor; "
                "try again later or enter an API key.",
            )
        )
    (submitted,) = submit(
        demo_account(), "v1", [WorkRequest(source=compression.source, spec=compression.spec)], dedupe=False
    )
    if submitted.error:
        return _error(ApiError("origin_not_allowed", "This image may not be fetched by the demo.", "url"))
    return JsonResponse(_job(submitted.item), status=202)


@require_GET
def job(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    """A demo job as GET /api/v1/jobs/{id} reports it; only the demo account's jobs are found here."""
    try:
        return JsonResponse(results.describe(results.find(demo_account(), job_id)))
    except ApiError as error:
        return _error(error)
