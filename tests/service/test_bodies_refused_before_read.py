"""Bodies are refused on their headers, before they are read: a Content-Length over the cap is
answered at once, a chunked body is cut as soon as it passes the cap, and the native and S3 faces
refuse a missing or wrong key before the upload. Each face answers in its own dialect.

The client promises a large body and sends only a little: a server that read before refusing
would wait for the rest and never answer."""

import json

import pytest

from tests.service.web_helpers import OwnWebServer, chunked, raw_exchange

REQUEST_CAP = 1_000_000
MAX_BYTES = 500_000
V1_CAP = MAX_BYTES * 4 // 3 + 64 * 1024  # one base64 image and its framing
GIB = 1024**3
QUICKLY = 5  # seconds: an answer that did not wait for a body that never comes


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    running = OwnWebServer("web-bodies", REDUCER_MAX_REQUEST_BYTES=str(REQUEST_CAP), REDUCER_MAX_BYTES=str(MAX_BYTES))
    yield running
    running.stop()


def head(method: str, path: str, *headers: str) -> str:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *headers])


def v1_error(answer, status: int, code: str) -> dict:
    assert answer.status == status, answer
    assert answer.seconds < QUICKLY, answer.seconds
    error = json.loads(answer.body)["error"]
    assert error["code"] == code and error["message"]
    return error


def shortpixel_status(answer) -> dict:
    assert answer.status == 200, answer
    assert answer.seconds < QUICKLY, answer.seconds
    return json.loads(answer.body)["Status"]


def test_a_2_gib_upload_to_v1_is_refused_on_its_content_length(server, make_account):
    _, key = make_account()
    request = head(
        "POST",
        "/api/v1/compress",
        f"Authorization: Bearer {key}",
        "Content-Type: multipart/form-data; boundary=b",
        f"Content-Length: {2 * GIB}",
    )
    answer = raw_exchange(server.port, request, [b"--b\r\n" + b"x" * 1024])
    error = v1_error(answer, 413, "file_too_large")
    assert str(V1_CAP) in error["message"]
    assert answer.headers["connection"] == "close"


def test_a_1_gib_post_reducer_is_refused_in_the_shortpixel_dialect(server):
    request = head(
        "POST",
        "/v2/post-reducer.php",
        "Content-Type: multipart/form-data; boundary=b",
        f"Content-Length: {GIB}",
    )
    status = shortpixel_status(raw_exchange(server.port, request, [b"--b\r\n" + b"x" * 1024]))
    assert status == {"Code": "-111", "Message": "The file is too big."}


def test_a_1_gib_shrink_is_refused_in_the_tinify_dialect(server):
    request = head("POST", "/shrink", "Authorization: Basic YXBpOmtleQ==", f"Content-Length: {GIB}")
    answer = raw_exchange(server.port, request, [b"\xff\xd8" + b"x" * 1024])
    assert answer.status == 413, answer
    assert answer.seconds < QUICKLY, answer.seconds
    assert json.loads(answer.body)["error"] == "TooLarge"


def test_an_s3_put_over_the_image_limit_is_refused_on_its_content_length(server, make_account):
    _, key = make_account()
    request = head("PUT", "/s3/bucket/photo.jpg", f"X-API-Key: {key}", f"Content-Length: {MAX_BYTES + 1}")
    v1_error(raw_exchange(server.port, request, [b"x" * 1024]), 413, "file_too_large")


@pytest.mark.parametrize(
    "path, credentials",
    [
        ("/api/v1/compress", ""),
        ("/api/v1/compress", "Authorization: Bearer AAAAAAAAAAAAAAAAAAAA"),
        ("/api/v1/compress?api_key=AAAAAAAAAAAAAAAAAAAA", ""),
        ("/api/v1/compress", "X-API-Key: not-a-key"),
    ],
)
def test_v1_refuses_a_bad_key_before_the_body(server, path, credentials):
    request = head("POST", path, *filter(None, [credentials]), "Content-Length: 100000")
    v1_error(raw_exchange(server.port, request, [b"x" * 1024]), 401, "unauthorized")


def test_s3_refuses_a_missing_key_before_the_body(server):
    request = head("PUT", "/s3/bucket/photo.jpg", "Content-Length: 100000")
    v1_error(raw_exchange(server.port, request, [b"x" * 1024]), 401, "unauthorized")


def test_a_disabled_account_is_refused_before_the_body(server, make_account):
    account, key = make_account()
    account.is_active = False
    account.save()
    request = head("POST", "/api/v1/compress", f"Authorization: Bearer {key}", "Content-Length: 100000")
    v1_error(raw_exchange(server.port, request, [b"x" * 1024]), 401, "unauthorized")


def test_a_chunked_post_reducer_is_cut_at_the_cap(server):
    request = head("POST", "/v2/post-reducer.php", "Content-Type: application/json", "Transfer-Encoding: chunked")
    status = shortpixel_status(raw_exchange(server.port, request, chunked(REQUEST_CAP + 1)))
    assert status["Code"] == "-111"


def test_a_chunked_v1_upload_is_cut_at_its_cap(server, make_account):
    _, key = make_account()
    request = head(
        "POST",
        "/api/v1/compress",
        f"Authorization: Bearer {key}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
    )
    v1_error(raw_exchange(server.port, request, chunked(V1_CAP + 1)), 413, "file_too_large")


def test_bodies_within_the_caps_reach_the_faces(server, make_account):
    _, key = make_account()
    body = b"{}"
    request = head(
        "POST",
        "/api/v1/compress",
        f"Authorization: Bearer {key}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
    )
    v1_error(raw_exchange(server.port, request, [body]), 400, "missing_source")
    request = head(
        "POST",
        "/v2/post-reducer.php",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "Connection: close",
    )
    body = json.dumps({"key": "AAAAAAAAAAAAAAAAAAAA", "file_urls": ["x"]}).encode()
    parts = [b"%x\r\n" % len(body) + body + b"\r\n", b"0\r\n\r\n"]
    assert shortpixel_status(raw_exchange(server.port, request, parts))["Code"] == "-401"
