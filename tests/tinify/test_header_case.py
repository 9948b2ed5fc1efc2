"""Header names go out in their usual spelling, not uvicorn's lower case: the official Ruby client
(tinify-ruby ``Source.from_buffer``) reads ``response.headers["Location"]`` from httpclient's
case-keeping hash, and ``headers["Compression-Count"]`` likewise, so in lower case it found no
output to fetch. Read here as raw header lines, as that client does."""

from __future__ import annotations

import base64
import http.client
from urllib.parse import urlsplit

from reducer.webserver import canonical_head
from tests.conftest import photo_bytes


def _raw_headers(url: str, key: str, method: str, path: str, body: bytes = b"") -> dict[str, str]:
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    auth = base64.b64encode(f"api:{key}".encode()).decode()
    connection.request(method, path, body=body, headers={"Authorization": f"Basic {auth}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return dict(response.getheaders())  # the names exactly as they came


def test_the_headers_tinify_clients_read_keep_their_spelling(client, tinify_web):
    _, key = client

    shrunk = _raw_headers(tinify_web.url, key, "POST", "/shrink", photo_bytes(64, 48))
    output = _raw_headers(tinify_web.url, key, "GET", shrunk["Location"])

    assert shrunk["Location"].startswith("/output/") and shrunk["Compression-Count"] == "1"
    assert output["Content-Type"] == "image/jpeg"
    assert {"Image-Width", "Image-Height", "Content-Length", "Compression-Count"} <= set(output)


def test_canonical_head_spells_each_name_and_leaves_the_rest():
    head = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-request-id: aB-c:d\r\n\r\n"

    assert canonical_head(head) == (
        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Request-Id: aB-c:d\r\n\r\n"
    )
