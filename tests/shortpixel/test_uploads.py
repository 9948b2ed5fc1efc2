"""post-reducer.php: multipart uploads (with Expect: 100-continue), each result keyed by its part,
with a stable OriginalURL that later JSON polls with file_urls find."""

import http.client
import json
import uuid

from tests.conftest import photo_bytes
from tests.shortpixel.client import ITEM_FIELDS, call, codes, download


def upload(web, key: str, files: dict[str, bytes], **options) -> list[dict]:
    """Send files the way the SDK does: curl's multipart with Expect: 100-continue."""
    boundary = uuid.uuid4().hex
    fields = {"key": key, "lossy": "1", "plugin_version": "sp-sdk 1.9.2", **options}
    fields["file_paths"] = json.dumps({f"file{n}": f"/home/site/{name}" for n, name in enumerate(files, 1)})
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]  # fmt: skip
    for n, (name, data) in enumerate(files.items(), 1):
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file{n}"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n")  # fmt: skip
        parts.append(head.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=60)
    connection.putrequest("POST", "/v2/post-reducer.php")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(body)))
    connection.putheader("Expect", "100-continue")
    connection.endheaders()
    connection.sock.settimeout(10)
    interim = connection.sock.recv(64)
    assert interim.startswith(b"HTTP/1.1 100"), interim  # the server asks for the body
    connection.sock.sendall(body)
    response = http.client.HTTPResponse(connection.sock)
    response.begin()
    assert response.status == 200
    answer = json.loads(response.read())
    connection.close()
    return answer


def test_uploads_are_keyed_and_their_references_poll_to_done(web, cluster, make_account):
    _, key = make_account()
    first = upload(web, key, {"one.jpg": photo_bytes(240, 180), "two.png": photo_bytes(200, 160, "PNG")})
    assert [result["Key"] for result in first] == ["file1", "file2"]
    references = [result["OriginalURL"] for result in first]
    assert references[0].startswith(web.url) and references[0].endswith("/one.jpg")
    assert "/home/site" not in json.dumps(first)  # client paths are never echoed

    poll_body = {"key": key, "lossy": 1, "file_urls": {"url1": references[0], "url2": references[1]}, "wait": 25}
    results = call(web, "post-reducer.php", poll_body)
    assert codes(results) == ["2", "2"]
    assert [result["OriginalURL"] for result in results] == references
    for result in results:
        assert set(result) >= ITEM_FIELDS
        if result["LossyURL"] != result["OriginalURL"]:
            assert len(download(result["LossyURL"]).content) == int(result["LossySize"])


def test_an_identical_reupload_is_the_same_item(web, cluster, make_account):
    account, key = make_account()
    data = photo_bytes(220, 170)
    first = upload(web, key, {"same.jpg": data})
    again = upload(web, key, {"same.jpg": data}, wait="25")
    assert again[0]["OriginalURL"] == first[0]["OriginalURL"]
    assert codes(again) == ["2"]
    assert account.items.count() == 1
