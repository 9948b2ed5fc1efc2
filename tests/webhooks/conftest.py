"""A real webhook receiver on 127.0.0.1 that verifies signatures and counts deliveries, and
ways to make finished v1 jobs without a cluster."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from accounts import signing_secrets
from optimizer import lifecycle
from optimizer.models import Item, Job, WebhookEvent


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    def verifies_with(self, secret: str) -> bool:
        try:
            Webhook(secret).verify(self.body, self.headers)
        except WebhookVerificationError:
            return False
        return True

    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """Answers each path with the statuses queued for it (then 200), recording every POST."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.answers: dict[str, list[int]] = {}
        self.redirect_to = ""
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.deliveries.append(Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                queued = receiver.answers.get(self.path) or [200]
                status = queued.pop(0) if len(queued) > 1 else queued[0]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url("/moved"))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def answer(self, path: str, *statuses: int) -> str:
        """Answer ``path`` with these statuses in turn, the last one for ever after."""
        self.answers[path] = list(statuses)
        return self.url(path)

    def to(self, path: str) -> list[Delivery]:
        return [delivery for delivery in self.deliveries if delivery.path == path]


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


def secret_of(account) -> str:
    return signing_secrets.current(account.pk)


def failed_v1_job(account, webhook_url: str = "") -> Item:
    """A v1 job whose item failed through the lifecycle (no cluster, no image work needed)."""
    job = Job.objects.create(account=account, face=Job.Face.V1, webhook_url=webhook_url)
    item = Item.objects.create(
        job=job, account=account, identity=job.pk.hex, options={}, source_url="https://images.example/broken.jpg"
    )
    claim = lifecycle.claim(item.pk, item.generation, fetching=True)  # a URL: its first step is the download
    assert lifecycle.fail(claim, "corrupt_image", "The file is not a valid image.")
    return Item.objects.get(pk=item.pk)


def event_of(item: Item) -> WebhookEvent:
    return WebhookEvent.objects.get(item=item)
