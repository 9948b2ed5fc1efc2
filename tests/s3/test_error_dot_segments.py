"""400 invalid_param: a key with a '..' segment would be written outside the target's prefix
(prefix/../../x.jpg), so it is refused before anything is queued. Sent as raw requests: HTTP
clients such as requests normalise dot segments away before they reach the server."""

import http.client
import json

import pytest

from optimizer.models import Item
from reducer.s3.views import _check_key
from tests.conftest import photo_bytes


def _raw_put(web, key: str, path: str) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    try:
        body = photo_bytes(64, 48)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/octet-stream"}
        connection.request("PUT", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "key_path",
    [
        "../../x.jpg",
        "a/../../x.jpg",
        "a/..",
        "%2e%2e/%2e%2e/x.jpg",
        "%2E%2E/x.jpg",
        "..%2f..%2fx.jpg",
        "a%2f..%2f..%2fx.jpg",
        "..%5cx.jpg",  # a backslash
    ],
)
def test_a_dot_dot_segment_is_refused(web, make_account, make_target, s3_server, key_path):
    account, key = make_account()
    target = make_target(account, key_prefix="optimized/")
    status, body = _raw_put(web, key, f"/s3/{target.bucket}/{key_path}?type=image")
    assert status == 400, body
    assert body["error"]["code"] == "invalid_param" and body["error"]["param"] == "key"
    assert "'..'" in body["error"]["message"]
    assert not Item.objects.filter(account=account).exists()
    assert s3_server.keys(target.bucket) == []


@pytest.mark.parametrize("key", ["photo.jpg", "a..b.jpg", "..photo.jpg", "photos/.../x.jpg", "a/./b.jpg"])
def test_dots_inside_a_segment_are_fine(key):
    _check_key(key)
