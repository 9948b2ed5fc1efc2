"""The plugin's first call does not wait for the answer: the work must start anyway."""

import json
import socket

from optimizer.models import Item
from tests.conftest import photo_bytes, wait_for


def test_work_starts_even_when_the_client_hangs_up_at_once(web, cluster, origin, make_account):
    account, key = make_account()
    url = origin.serve("/fire.jpg", photo_bytes(180, 120))
    body = json.dumps({"key": key, "urllist": [url], "refresh": True}).encode()
    request = (
        f"POST /v2/reducer.php HTTP/1.1\r\nHost: 127.0.0.1:{web.port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", web.port)) as client:
        client.sendall(request)
    # the connection is gone before any answer was read
    done = wait_for(
        lambda: Item.objects.filter(account=account, status=Item.Status.DONE).first(), timeout=60, interval=0.2
    )
    assert done.source_url == url
