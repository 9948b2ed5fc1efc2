"""Tinify-face fixtures: a reducer whose store writes to the S3 test server or to a Google Cloud
Storage emulator, and the official ``tinify`` Python client pointed at it the documented way
(``tinify.Client.API_ENDPOINT``)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
import tinify
from PIL import Image

from accounts.models import Plan
from reducer.webserver import PROTOCOL
from tests.conftest import ServiceProcess, WebServer, free_port, wait_for
from tests.s3.conftest import s3_server  # noqa: F401  (the fixture, reused: moto's S3 on loopback)


class TinifyServer(WebServer):
    """A real uvicorn like ``web``, with the HTTP protocol ``manage.py serve`` uses (its header
    names in canonical case) and store pointed at the S3 test server; ``tls`` serves https with a
    self-signed certificate (the Node client speaks nothing else)."""

    def __init__(self, s3_url: str, tls: tuple[str, str] | None = None, **env: str) -> None:
        self.port = free_port()
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        command = ["uvicorn", "reducer.asgi:application", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--http", PROTOCOL]
        if tls:
            command += ["--ssl-certfile", tls[0], "--ssl-keyfile", tls[1]]
        ServiceProcess.__init__(
            self,
            f"web-tinify-{scheme}",
            [*command, "--log-level", "warning"],
            REDUCER_PUBLIC_URL=self.url,
            REDUCER_TINIFY_S3_ENDPOINT=s3_url,
            REDUCER_TINIFY_WAIT="45",
            **env,
        )
        self.verify = tls[0] if tls else True
        wait_for(self._healthy, timeout=30, interval=0.1, message="the web server did not start")

    def _healthy(self) -> bool:
        import requests

        try:
            return requests.get(f"{self.url}/healthz", timeout=5, verify=self.verify).status_code == 200
        except requests.ConnectionError:
            return False


class GcsServer:
    """gcp-storage-emulator (Google Cloud Storage's JSON API, in memory) on a loopback port, in
    this process; like Google's, it stores what a multipart upload sends. It takes any token."""

    def __init__(self) -> None:
        from gcp_storage_emulator.server import create_server

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._server = create_server("127.0.0.1", port, in_memory=True)
        self._server.start()

    def new_bucket(self) -> str:
        name = f"bucket-{uuid.uuid4().hex[:12]}"
        created = requests.post(f"{self.url}/storage/v1/b", json={"name": name}, timeout=10)
        created.raise_for_status()
        return name

    def get(self, bucket: str, key: str) -> tuple[bytes, dict]:
        """The object's bytes and its metadata (contentType, cacheControl, ...)."""
        address = f"{self.url}/storage/v1/b/{bucket}/o/{quote(key, safe='')}"
        metadata = requests.get(address, timeout=10)
        metadata.raise_for_status()
        return requests.get(address, params={"alt": "media"}, timeout=10).content, metadata.json()

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[GcsServer]:
    server = GcsServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tinify_web(django_db_setup, django_db_blocker, s3_server, gcs_server) -> Iterator[TinifyServer]:  # noqa: F811
    server = TinifyServer(s3_server.url, REDUCER_TINIFY_GCS_ENDPOINT=gcs_server.url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(tinify_web, cluster, make_account) -> Iterator[tuple]:
    """The official client with a fresh account's key, talking to the test server: (account, key)."""
    account, key = make_account(monthly_quota=50)
    endpoint = tinify.Client.API_ENDPOINT
    tinify.Client.API_ENDPOINT = tinify_web.url
    tinify.key = key
    tinify.compression_count = None
    try:
        yield account, key
    finally:
        tinify.Client.API_ENDPOINT = endpoint
        tinify.key = None


def charged(account) -> int:
    plan = Plan.objects.get(account=account)
    return plan.monthly_used + plan.onetime_used


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
