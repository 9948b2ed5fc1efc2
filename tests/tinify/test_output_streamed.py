"""GET /output/<id> streams the stored file in pieces of at most CHUNK_BYTES, never whole in memory,
with its exact Content-Length."""

import base64

from django.test import Client

from optimizer import storage
from tests.conftest import photo_bytes
from tests.v1.conftest import pieces

SMALL_CHUNK = 1024  # smaller than any output, so a whole-file read would show as one piece


def test_an_output_is_streamed_in_bounded_pieces(cluster, make_account, monkeypatch):
    monkeypatch.setattr(storage, "CHUNK_BYTES", SMALL_CHUNK)
    _, key = make_account()
    web = Client()
    auth = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}
    shrunk = web.post("/shrink", photo_bytes(), content_type="image/jpeg", **auth)
    assert shrunk.status_code == 201, shrunk.content
    output = shrunk.json()["output"]

    answer = web.get(shrunk["Location"], **auth)
    assert answer.status_code == 200 and answer.streaming
    sent = pieces(answer)
    assert len(sent) > 1 and max(map(len, sent)) <= SMALL_CHUNK
    assert len(b"".join(sent)) == int(answer["Content-Length"]) == output["size"]
    assert answer["Content-Type"] == "image/jpeg" and answer["Image-Width"] == "320"
