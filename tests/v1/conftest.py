"""v1 fixtures and helpers: an account with its key, and calls to the API in-process."""

from __future__ import annotations

import io
import json

import pytest
from asgiref.sync import async_to_sync
from PIL import Image

from tests.conftest import photo_bytes


@pytest.fixture
def key(make_account) -> str:
    _, plain_key = make_account(monthly_quota=20)
    return plain_key


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def upload(data: bytes | None = None, name: str = "photo.jpg") -> io.BytesIO:
    handle = io.BytesIO(photo_bytes() if data is None else data)
    handle.name = name
    return handle


def compress(client, key: str, field: str = "file", data: bytes | None = None, **options):
    """POST /api/v1/compress with a multipart upload and form options."""
    return client.post("/api/v1/compress", {field: upload(data), **options}, **bearer(key))


def compress_json(client, key: str, body: dict):
    return client.post("/api/v1/compress", json.dumps(body), content_type="application/json", **bearer(key))


def pieces(response) -> list[bytes]:
    """The pieces a streamed answer (a file: an async iterator) is sent in."""

    async def collect() -> list[bytes]:
        return [piece async for piece in response.streaming_content]

    return async_to_sync(collect)()


def body(response) -> bytes:
    return b"".join(pieces(response)) if response.streaming else response.content


def image(response) -> Image.Image:
    assert response.status_code == 200, response.content
    return Image.open(io.BytesIO(body(response)))


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    return body
