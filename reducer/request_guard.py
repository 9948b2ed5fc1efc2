"""Refuse request bodies before they are read: too large, or sent without a valid key.

Django reads every body whole (spooling it to disk) before any view runs, so a refusal there comes
only after the upload. This ASGI layer decides from the headers alone where it can: a
Content-Length over the cap is refused at once, a chunked body is cut as soon as it passes the
cap, and the native and S3 faces, whose keys travel in headers or the query string, have their
key checked before a byte of the body is read. The ShortPixel face carries its key in the body,
so only the cap applies there. Each face is answered in its own dialect.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from rest_framework.request import Request

from accounts import keys
from reducer.shortpixel.status import Status, status_body
from reducer.v1.auth import presented_key
from reducer.v1.errors import STATUS as V1_STATUS
from reducer.v1.errors import ApiError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# What the compress view allows beyond a base64 image: form fields and JSON framing.
ONE_IMAGE_FRAMING = 64 * 1024


@dataclass(frozen=True)
class Refusal:
    status: int
    content_type: str
    body: bytes

    async def send(self, send: Send) -> None:
        # Connection: close, because the rest of the body is never read: the connection cannot
        # carry another request.
        headers = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def _json(status: int, body: dict) -> Refusal:
    return Refusal(status, "application/json", json.dumps(body).encode())


def _v1_error(code: str, message: str, param: str | None = None) -> Refusal:
    return _json(V1_STATUS[code], ApiError(code, message, param).body())


def _too_large_message(declared: int | None, cap: int) -> str:
    if declared is None:
        return f"The request body is larger than {cap} bytes."
    return f"The request has {declared} bytes; the limit is {cap} bytes."


@dataclass(frozen=True)
class Face:
    """Where a face is mounted (see reducer/urls.py), its cap, and how it says "too large"."""

    prefix: str
    keyed: bool  # the key travels in headers or the query string: checked before the body
    cap: Callable[[], int]
    too_large: Callable[[int | None, int], Refusal]


def _request_cap() -> int:
    return settings.REDUCER_MAX_REQUEST_BYTES


FACES = (
    Face(
        "/api/v1/",
        keyed=True,
        cap=lambda: min(_request_cap(), settings.REDUCER_MAX_BYTES * 4 // 3 + ONE_IMAGE_FRAMING),
        too_large=lambda declared, cap: _v1_error("file_too_large", _too_large_message(declared, cap), "file"),
    ),
    Face(
        "/s3/",
        keyed=True,
        cap=lambda: min(_request_cap(), settings.REDUCER_MAX_BYTES),  # the raw image is the body
        too_large=lambda declared, cap: _v1_error("file_too_large", _too_large_message(declared, cap)),
    ),
    Face(
        "/v2/",
        keyed=False,  # the key is a field of the body
        cap=_request_cap,
        too_large=lambda declared, cap: _json(200, {"Status": status_body(Status.FILE_TOO_BIG)}),
    ),
    *(
        # the Tinify face's routes: its clients read {"error", "message"}, and a 413 as a ClientError
        Face(
            prefix,
            keyed=False,  # checked by the face itself (HTTP Basic)
            cap=lambda: min(_request_cap(), settings.REDUCER_MAX_BYTES * 4 // 3 + ONE_IMAGE_FRAMING),
            too_large=lambda declared, cap: _json(
                413, {"error": "TooLarge", "message": _too_large_message(declared, cap)}
            ),
        )
        for prefix in ("/shrink", "/output/")
    ),
)
OTHER = Face(
    "/",
    keyed=False,
    cap=_request_cap,
    too_large=lambda declared, cap: Refusal(413, "text/plain", _too_large_message(declared, cap).encode()),
)


def face_of(path: str) -> Face:
    return next((face for face in FACES if path.startswith(face.prefix)), OTHER)


def _declared_length(scope: Scope) -> tuple[bool, int | None]:
    """(whether a body comes, its Content-Length if declared)."""
    headers = dict(scope["headers"])
    if b"transfer-encoding" in headers:
        return True, None
    try:
        length = int(headers.get(b"content-length", b"0"))
    except ValueError:  # the server's parser refuses these; count the body if one gets through
        return True, None
    return length > 0, length


async def _key_refusal(scope: Scope) -> Refusal | None:
    """The face's own 401 when the key in the headers or query string does not authenticate."""
    try:
        # The request Django would build, over an empty body: the key is read exactly as the view reads it.
        request = Request(ASGIRequest(scope, io.BytesIO()))
    except UnicodeDecodeError:
        return None  # Django answers a path it cannot decode with its own 400
    try:
        await sync_to_async(keys.authenticate)(presented_key(request))
    except keys.KeyRejected as rejected:
        return _v1_error("unauthorized", rejected.message)
    return None


class RefuseBodiesEarly:
    """ASGI middleware: refuse on the headers what would otherwise be refused after the upload."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        has_body, declared = _declared_length(scope)
        if not has_body:
            await self.app(scope, receive, send)
            return
        face = face_of(scope["path"])
        cap = face.cap()
        if declared is not None and declared > cap:
            await face.too_large(declared, cap).send(send)
            return
        if face.keyed:
            refusal = await _key_refusal(scope)
            if refusal is not None:
                await refusal.send(send)
                return
        received = 0

        async def receive_up_to_cap() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    # Django reads the whole body before it answers, so nothing has been sent yet.
                    # Answer here; the disconnect makes Django drop the request unanswered.
                    await face.too_large(None, cap).send(send)
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, receive_up_to_cap, send)
