"""POST /shrink, GET and POST /output/<id>: parse -> optimizer.services -> Tinify's answers.

Plain async Django views rather than DRF: the clients read exact statuses, headers and error
bodies, and waiting for an item costs a coroutine, not a worker thread (optimizer.waiting).
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import time
import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from accounts import keys, throttling
from accounts.models import Account, Plan
from optimizer.downloads import CONTENT_TYPES
from optimizer.models import Item, Job, Variant
from optimizer.services import UploadSource, UrlSource, WorkRequest, submit
from optimizer.waiting import wait_until_settled

from . import answers, errors, store, wire
from .errors import TinifyError

FACE = Job.Face.TINIFY
log = logging.getLogger(__name__)


def _answered(*methods: str, key_in_path: bool = False):
    """A Tinify view: the method checked, the caller authenticated, every failure answered as a
    Tinify error body, and Compression-Count on every answer to a known key. With ``key_in_path``
    the key is the URL's ``key`` (an unknown one is not found) rather than HTTP Basic's."""

    def wrap(handler):
        @csrf_exempt
        @functools.wraps(handler)
        async def view(request: HttpRequest, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return _method_not_allowed()
            caller: Account | None = None
            try:
                if key_in_path:
                    caller = await sync_to_async(_authenticate)(kwargs.pop("key"), errors.key_not_found())
                else:
                    caller = await sync_to_async(_authenticate)(_presented_key(request), errors.unauthorized())
                response = await handler(request, caller, **kwargs)
            except TinifyError as error:
                response = error.response()
            except Exception:
                # The clients parse every error body as JSON; a bare 500 page would reach them as a ParseError.
                log.exception("the Tinify face failed unexpectedly")
                response = errors.unexpected().response()
            return await _counted(response, caller)

        return view

    return wrap


@_answered("POST")
async def shrink(request: HttpRequest, caller: Account) -> HttpResponse:
    raw = _read_body(request)
    if not raw:
        raise TinifyError(400, "InputMissing", "Input file is empty")
    if request.content_type == "application/json":
        source: UrlSource | UploadSource = UrlSource(wire.source_url(wire.json_body(raw)))
    else:
        source = UploadSource(raw)
    item = await sync_to_async(_submit)(caller, WorkRequest(source=source, spec=wire.BASE_SPEC))
    await wait_until_settled([item.pk], settings.REDUCER_TINIFY_WAIT)
    return await sync_to_async(_shrunk)(item.pk)


@_answered("GET", key_in_path=True)
async def key_details(request: HttpRequest, caller: Account) -> HttpResponse:
    """GET /keys/<key>: how the WordPress plugin checks a key and reads the account's state (its
    Tiny_Compress_Client::validate). Tinify answers ``{}`` with the state in headers; an unknown
    key is 404, which the plugin reports as an invalid key."""
    plan = await Plan.objects.aget(account=caller)
    response = JsonResponse({})
    # The plugin shows the credits left, and warns before a bulk run that needs more, on a "free"
    # plan; a "paid" one has no limit to show.
    response["Paying-State"] = "paid" if plan.unlimited else "free"
    if not plan.unlimited:
        response["Compression-Count-Remaining"] = str(plan.available)
    if caller.email:
        response["Email-Address"] = caller.email
    return response


@_answered("GET", "POST")
async def output(request: HttpRequest, caller: Account, output_id: str) -> HttpResponseBase:
    raw = _read_body(request) if request.method == "POST" else b""
    commands = wire.commands(wire.json_body(raw)) if raw else None
    parent = await _settled(await sync_to_async(_owned)(caller, output_id))
    if commands is None:
        return await sync_to_async(_image)(parent, (None,))
    return await _commanded(caller, parent, commands)


async def _commanded(caller: Account, parent: Item, commands: wire.Commands) -> HttpResponseBase:
    """Transformations run on the original as a new item (idempotent: the same command again is
    answered by that item), one compression when it resizes or converts, else free; store alone
    writes the kept output, for free."""
    item = parent
    if commands.transforms:
        original = await sync_to_async(answers.original)(parent)
        work = WorkRequest(source=UploadSource(original), spec=commands.spec, charged=commands.charged)
        item = await _settled(await sync_to_async(_submit)(caller, work))
    if commands.store is None:
        return await sync_to_async(_image)(item, commands.allowed_formats)
    chosen = await sync_to_async(answers.chosen)(item, commands.allowed_formats)
    data = await sync_to_async(answers.read)(chosen)
    location = await sync_to_async(store.write)(caller, commands.store, data, CONTENT_TYPES[chosen.format])
    response = HttpResponse(status=200)
    response["Location"] = location
    response["Image-Width"] = str(chosen.width)
    response["Image-Height"] = str(chosen.height)
    return response


def _method_not_allowed() -> HttpResponse:
    return TinifyError(405, "MethodNotAllowed", "Method not allowed").response()


def _presented_key(request: HttpRequest) -> str:
    """The password of HTTP Basic auth; the clients send the user name ``api``, which is not checked."""
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        raise errors.unauthorized()
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise errors.unauthorized() from None
    return decoded.partition(":")[2]


def _authenticate(presented: str, refusal: TinifyError) -> Account:
    """The key's account, after counting the request against the key's rate limit; ``refusal``
    for a key that is unknown, revoked or not a key at all."""
    try:
        account = keys.authenticate(presented)
    except keys.KeyRejected:
        raise refusal from None
    limit = account.plan.rate_limit_per_minute  # the plan came with the key
    if not throttling.hit(keys.digest(presented), limit, time.time()).allowed:
        raise errors.rate_limited(limit)
    return account


def _read_body(request: HttpRequest) -> bytes:
    """The raw body, at most REDUCER_MAX_BYTES; read from the stream, as ``request.body`` refuses
    anything over Django's 2.5 MB DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.REDUCER_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    data = b"" if declared > limit else request.read(limit + 1)
    if declared > limit or len(data) > limit:
        raise TinifyError(413, "TooLarge", f"File is larger than {limit} bytes")
    return data


def _submit(account: Account, work: WorkRequest) -> Item:
    # The same bytes with the same options are the same item (a client retry is not charged twice);
    # a URL is fetched afresh each time, as its image may have changed.
    (submitted,) = submit(account, FACE, [work], dedupe=isinstance(work.source, UploadSource))
    if submitted.error == "no_credits":
        raise errors.limit_exceeded()
    if submitted.error:
        raise errors.from_item(submitted.error)
    return submitted.item


def _owned(account: Account, output_id: str) -> Item:
    try:
        pk = uuid.UUID(hex=output_id)
    except ValueError:
        raise errors.not_found() from None
    item = Item.objects.filter(pk=pk, account=account).first()
    if item is None or item.status == Item.Status.EXPIRED:
        raise errors.not_found()
    return item


async def _settled(item: Item) -> Item:
    """The item once done; its failure as a TinifyError; a ServerError if it is still at work."""
    await wait_until_settled([item.pk], settings.REDUCER_TINIFY_WAIT)
    item = await Item.objects.aget(pk=item.pk)
    if item.status == Item.Status.FAILED:
        raise errors.from_item(item.error_code)
    if item.status != Item.Status.DONE:
        raise TinifyError(503, "ServiceUnavailable", "The image is still being compressed; try again")
    return item


def _shrunk(item_id) -> HttpResponse:
    """201 Created for a settled (or still running) shrink, with the fields the clients read."""
    item = Item.objects.get(pk=item_id)
    if item.status == Item.Status.FAILED:
        raise errors.from_item(item.error_code)
    path = reverse("tinify:output", args=[item.pk.hex])
    body: dict = {"input": {"size": item.original_size or 0}}
    if item.status == Item.Status.DONE:
        chosen = answers.chosen(item, (None,))
        kind = CONTENT_TYPES[chosen.format]
        body["input"]["type"] = kind
        body["output"] = {
            "size": chosen.size,
            "type": kind,
            "width": chosen.width,
            "height": chosen.height,
            "ratio": round(chosen.size / item.original_size, 4) if item.original_size else 1.0,
            "url": settings.PUBLIC_URL + path,
        }
    response = JsonResponse(body, status=201)
    response["Location"] = _location(path)
    return response


def _location(path: str) -> str:
    """The output's address as the clients resolve it. The Python and PHP clients use a Location
    only when it starts with https:// and otherwise prefix their endpoint to it, so an http server
    answers with the path; the Node and Ruby clients resolve either against their endpoint."""
    base = settings.PUBLIC_URL
    return base + path if base.lower().startswith("https://") else path


def _image(item: Item, allowed: tuple) -> HttpResponseBase:
    chosen: Variant = answers.chosen(item, allowed)
    response = answers.streamed(chosen)
    response["Image-Width"] = str(chosen.width)
    response["Image-Height"] = str(chosen.height)
    return response


def _compression_count(account: Account) -> int:
    plan = Plan.objects.get(account=account)
    return plan.monthly_used + plan.onetime_used


async def _counted(response: HttpResponse, caller: Account | None) -> HttpResponse:
    """Compression-Count on every answer to a known key, as Tinify sends it."""
    if caller is not None:
        response["Compression-Count"] = str(await sync_to_async(_compression_count)(caller))
    return response
