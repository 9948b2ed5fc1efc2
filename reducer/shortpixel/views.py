"""The ShortPixel-compatible endpoints: HTTP 200 and Status.Code JSON, always.

Views are async: a request that waits (``wait``, up to 30 s) costs a coroutine, not a thread,
so hundreds of waiting clients do not slow a quick api-status call. The database work runs on
the loop's thread pool (optimizer.pooled), in one hand-off for a request that does not wait; a
client that hangs up at once (the plugin's fire-and-forget first call) still gets its work
started (see reducer.asgi.FinishWhenClientLeaves).
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from PIL import Image

from accounts import throttling
from accounts.keys import KeyRejected, authenticate, digest
from accounts.models import Account
from optimizer import maintenance, services
from optimizer.fetch import FetchError, check_url
from optimizer.models import Item
from optimizer.pooled import in_pool
from optimizer.sources import fetch_policy
from optimizer.waiting import wait_until_settled

from . import answers, render, wire
from .status import FINAL_FOR_PLUGIN, FOR_ERROR_CODE, Status, status_body

UPLOAD_REFERENCE = re.compile(r"/u/(?P<sha256>[0-9a-f]{64})/")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


REFUSALS = {"no_credits": Status.QUOTA_EXCEEDED, "origin_not_allowed": Status.DOMAIN_NOT_ALLOWED}


@dataclass(frozen=True)
class Entry:
    """One slot of the answer, in request order: an item to report, or a refusal."""

    original_url: str
    item: Item | None = None  # as read when the request was prepared
    refusal: tuple[Status, str] | None = None
    key: str = ""  # uploads: the multipart part name the client maps results by
    asked: render.Asked | None = None  # None: what the item makes


def respond(body: dict | list) -> JsonResponse:
    return JsonResponse(body, safe=False)


def _refuse(status: Status, message: str = "") -> JsonResponse:
    return respond({"Status": status_body(status, message)})


def _account(data: dict, *, work: bool = False) -> Account:
    """The key's account; for ``work`` (reducer.php, post-reducer.php) also one request of its rate
    limit, shared with the other faces."""
    try:
        account = authenticate(data.get("key"))
    except KeyRejected as rejected:
        message = "The API key has been revoked." if rejected.reason == "revoked" else ""
        raise wire.WireError(Status.INVALID_KEY, message) from None
    if work:
        now = time.time()
        rate = throttling.hit(digest(data["key"]), account.plan.rate_limit_per_minute, now)
        if not rate.allowed:
            # -404 "queue full", with HTTP 200: the SDK sleeps and retries it, the plugin retries it
            # as a server error. A 429 would fail the plugin's item for good; -403 would make the
            # SDK throw (quota) and the plugin stop until its quota check clears.
            wait = rate.retry_after(now)
            raise wire.WireError(Status.QUEUE_FULL, f"Too many requests for this key; retry in {wait} s.")
    return account


def _submit(account: Account, requests: list[tuple[int, services.WorkRequest]], entries: list, refresh: bool) -> None:
    """Submit the requests; fill their entries with items, or with the quota refusal."""
    outcomes = services.submit(account, "shortpixel", [request for _, request in requests], refresh=refresh)
    if outcomes and all(outcome.error == "no_credits" for outcome in outcomes):
        raise wire.WireError(Status.QUOTA_EXCEEDED)
    for (slot, _), outcome in zip(requests, outcomes, strict=True):
        entry = entries[slot]
        if outcome.item is None:
            refusal = REFUSALS[outcome.error]
            entries[slot] = Entry(entry.original_url, refusal=(refusal, ""), key=entry.key)
        else:
            entries[slot] = Entry(entry.original_url, item=outcome.item, key=entry.key, asked=entry.asked)


def _item_ids(entries: list[Entry]) -> list:
    return [entry.item.pk for entry in entries if entry.item]


def _answer_key(entry: Entry, item: Item) -> answers.AnswerKey | None:
    """Where a done item's answer to this entry is kept; None while the item is not done."""
    if item.status != Item.Status.DONE:
        return None
    return answers.AnswerKey(item.pk, item.generation, entry.original_url, entry.asked)


def _items_as_read(entries: list[Entry]) -> dict:
    """The entries' items as preparing the request read them, with the variants of those whose
    answer is not kept (one query, none when all are)."""
    items = {entry.item.pk: entry.item for entry in entries if entry.item}
    unanswered = {
        entry.item.pk: entry.item
        for entry in entries
        if entry.item and ((key := _answer_key(entry, entry.item)) is None or answers.kept(key) is None)
    }
    prefetch_related_objects(list(unanswered.values()), "variants")
    return items


def _render_read_again(entries: list[Entry], data: dict) -> dict | list:
    """The answer with the entries' items as they are now (after a wait)."""
    items = Item.objects.filter(pk__in=_item_ids(entries)).prefetch_related("variants")
    return _render(entries, data, {item.pk: item for item in items})


def _result(entry: Entry, items: dict) -> dict:
    if entry.refusal:
        return render.failure(entry.original_url, *entry.refusal)
    item = items[entry.item.pk]
    key = _answer_key(entry, item)
    if key is None:
        return render.item_result(item, entry.original_url, entry.asked)
    result = answers.kept(key)
    if result is None:
        result = render.item_result(item, entry.original_url, entry.asked)
        answers.keep(key, result)
    return result


def _render(entries: list[Entry], data: dict, items: dict) -> dict | list:
    results = []
    for entry in entries:
        result = _result(entry, items)
        results.append({**result, "Key": entry.key} if entry.key else result)
    return framed(results, data)


def framed(results: list[dict], data: dict) -> dict | list:
    """The results as the request's client reads them."""
    if "returndatalist" in data:
        if results and all(int(result["Status"]["Code"]) < 0 for result in results):
            # Only failures left: make them final for the plugin (see FINAL_FOR_PLUGIN). While any
            # size is pending or done, a failure stays as it is: the plugin passes over it, takes
            # the others, and later asks again for what is left.
            results = [_final_for_plugin(result) for result in results]
        # The plugin maps results to its sizes by index and requires its list back, as sent.
        return {
            **{str(index): result for index, result in enumerate(results)},
            "returndatalist": data["returndatalist"],
        }
    return results


def _final_for_plugin(result: dict) -> dict:
    final = FINAL_FOR_PLUGIN.get(int(result["Status"]["Code"]))
    if final is None:
        return result
    return {**result, "Status": {**result["Status"], "Code": str(int(final))}}


def _prepare_and_answer(prepare, request: HttpRequest) -> tuple[dict, list[Entry], dict | list | None]:
    """Prepare; a request that does not wait is answered in the same hand-off (None: it waits)."""
    data, entries = prepare(request)
    return data, entries, None if wire.wait_seconds(data) else _render(entries, data, _items_as_read(entries))


async def _work_and_answer(prepare, request: HttpRequest) -> JsonResponse:
    try:
        data, entries, answer = await in_pool(_prepare_and_answer, prepare, request)
    except wire.WireError as refused:
        return _refuse(refused.status, refused.message)
    if answer is None:
        await wait_until_settled(_item_ids(entries), wire.wait_seconds(data))
        answer = await in_pool(_render_read_again, entries, data)
    return respond(answer)


# --- reducer.php: URLs ------------------------------------------------------------------------


def _prepare_urls(request: HttpRequest) -> tuple[dict, list[Entry]]:
    data = wire.json_body(request)
    account = _account(data, work=True)
    urls = data.get("urllist")
    if not isinstance(urls, list) or not urls:
        raise wire.WireError(Status.URL_MISSING)
    if len(urls) > settings.REDUCER_SHORTPIXEL_MAX_URLS:
        raise wire.WireError(
            Status.TOO_MANY_URLS, f"At most {settings.REDUCER_SHORTPIXEL_MAX_URLS} URLs can be sent in one request."
        )
    auth = wire.fetch_credentials(data)
    entries: list[Entry] = []
    requests: list[tuple[int, services.WorkRequest]] = []
    for index, url in enumerate(urls):
        if not isinstance(url, str):
            entries.append(Entry(str(url), refusal=(Status.INVALID_URL, "")))
            continue
        try:  # what the fetcher could never fetch is refused now; addresses are checked when it runs
            check_url(url, fetch_policy())
        except FetchError as refused:
            entries.append(Entry(url, refusal=(FOR_ERROR_CODE[refused.code], refused.message)))
            continue
        try:
            asked = wire.asked(wire.per_url_options(data, index), data)
        except wire.WireError as refused:
            entries.append(Entry(url, refusal=(refused.status, refused.message)))
            continue
        entries.append(Entry(url, asked=asked))
        requests.append((index, services.WorkRequest(services.UrlSource(url, auth), asked.spec)))
    _submit(account, requests, entries, refresh=wire.flag(data.get("refresh"), default=False))
    return data, entries


@csrf_exempt
async def reducer(request: HttpRequest) -> JsonResponse:
    return await _work_and_answer(_prepare_urls, request)


# --- post-reducer.php: uploads and their polls ------------------------------------------------


def _safe_name(path: str) -> str:
    name = SAFE_NAME.sub("-", path.replace("\\", "/").rsplit("/", 1)[-1]).strip("-.")
    return name[:100] or "image"


def _prepare_uploads(request: HttpRequest) -> tuple[dict, list[Entry]]:
    if request.content_type == "multipart/form-data":
        data = wire.form_fields(request)
        account = _account(data, work=True)
        return data, _uploaded(request, data, account)
    data = wire.json_body(request)
    account = _account(data, work=True)
    if data.get("file_urls"):
        return data, _polled(data, account)
    raise wire.WireError(Status.UPLOADS_MISSING)


def _uploaded(request: HttpRequest, data: dict, account: Account) -> list[Entry]:
    try:
        paths = json.loads(data.get("file_paths") or "{}")
    except ValueError:
        raise wire.WireError(Status.INVALID_PARAMS, "file_paths must be a JSON object.") from None
    if not isinstance(paths, dict):
        raise wire.WireError(Status.INVALID_PARAMS, "file_paths must be a JSON object.")
    keys = list(paths) or sorted(request.FILES, key=lambda name: (len(name), name))
    if not keys:
        raise wire.WireError(Status.UPLOADS_MISSING)
    asked = wire.asked(data, data)
    entries: list[Entry] = []
    requests: list[tuple[int, services.WorkRequest]] = []
    for index, key in enumerate(keys):
        upload = request.FILES.get(key)
        name = _safe_name(str(paths.get(key) or (upload.name if upload else key)))
        if upload is None:
            entries.append(Entry(name, refusal=(Status.UPLOAD_ERROR, f"No file was sent as {key}."), key=key))
            continue
        if upload.size > settings.REDUCER_MAX_BYTES:
            message = f"The file is larger than {settings.REDUCER_MAX_BYTES} bytes."
            entries.append(Entry(name, refusal=(Status.FILE_TOO_BIG, message), key=key))
            continue
        source = services.UploadSource(upload.read(), name=name)
        entries.append(Entry(render.upload_url(source.sha256, name), key=key, asked=asked))
        requests.append((index, services.WorkRequest(source, asked.spec)))
    _submit(account, requests, entries, refresh=wire.flag(data.get("refresh"), default=False))
    return entries


def _polled(data: dict, account: Account) -> list[Entry]:
    references = data["file_urls"]
    urls = list(references.values()) if isinstance(references, dict) else references
    if not isinstance(urls, list):
        raise wire.WireError(Status.INVALID_PARAMS, "file_urls must be an object or a list.")
    asked = wire.asked(data, data)
    entries = []
    for url in urls:
        match = UPLOAD_REFERENCE.search(url) if isinstance(url, str) else None
        item = match and services.find_upload(account, match["sha256"], asked.spec)
        if not item or item.status == Item.Status.EXPIRED:
            message = "This upload has expired or is unknown; upload the file again."
            entries.append(Entry(str(url), refusal=(Status.INVALID_URL, message)))
        else:
            entries.append(Entry(url, item=item, asked=asked))
    return entries


@csrf_exempt
async def post_reducer(request: HttpRequest) -> JsonResponse:
    return await _work_and_answer(_prepare_uploads, request)


# --- api-status.php, cleanup.php, image-status.php ------------------------------------------


def _status_fields(request: HttpRequest) -> dict:
    fields = wire.form_fields(request)
    if "key" not in fields and request.body:
        try:  # a JSON body works too, as for the other endpoints
            return wire.json_body(request)
        except wire.WireError:
            pass
    return fields


def _api_status(request: HttpRequest) -> dict:
    data = _status_fields(request)
    plan = _account(data).plan
    body = {
        "Status": status_body(Status.SUCCESS),
        "APICallsMade": plan.monthly_used,
        "APICallsQuota": plan.monthly_quota,
        "APICallsMadeOneTime": plan.onetime_used,
        "APICallsQuotaOneTime": plan.onetime_credits,
        "Unlimited": "true" if plan.unlimited else "false",
        "DateSubscription": plan.subscribed_at.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if data.get("DomainCheck"):
        body["DomainCheck"] = "Accessible"
    return body


def _cleanup(request: HttpRequest) -> dict:
    data = wire.json_body(request)
    account = _account(data)
    urls = [url for url in data.get("urllist") or [] if isinstance(url, str)]
    if not urls:
        raise wire.WireError(Status.URL_MISSING)
    items = Item.objects.filter(account=account, source_url__in=urls, status__in=maintenance.FINISHED)
    cleaned = sum(maintenance.expire(item) for item in items)
    return {"Status": status_body(Status.SUCCESS, f"Cleaned {cleaned} result(s).")}


def _image_status(request: HttpRequest) -> dict:
    data = wire.json_body(request)
    account = _account(data)
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise wire.WireError(Status.URL_MISSING)
    item = Item.objects.filter(account=account, source_url=url).prefetch_related("variants").first()
    if item is None:
        return render.failure(url, Status.INVALID_URL, "No optimization of this URL is known.")
    return render.item_result(item, url)


def _plain(handler):
    @csrf_exempt
    async def view(request: HttpRequest) -> JsonResponse:
        try:
            return respond(await in_pool(handler, request))
        except wire.WireError as refused:
            return _refuse(refused.status, refused.message)

    return view


api_status = _plain(_api_status)
cleanup = _plain(_cleanup)
image_status = _plain(_image_status)


@cache
def _connection_test_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 144, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def connection_test_image(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_connection_test_png(), content_type="image/png")
