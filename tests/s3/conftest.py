"""S3 write-back fixtures: a real S3-compatible server (moto's, in this process, on 127.0.0.1),
targets that point at it, and PUTs to the web server the way an S3-minded client sends them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import boto3
import pytest
import requests

from accounts import sealing
from accounts.models import Plan, S3Target
from tests.conftest import free_port

ACCESS_KEY_ID = "AKIATESTTESTTESTTEST"
SECRET_ACCESS_KEY = "moto-accepts-any-secret"


class S3Server:
    """moto's standalone S3 on a loopback port; it accepts any access key and secret."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def new_bucket(self) -> str:
        name = f"bucket-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=bucket)
        return [entry["Key"] for entry in listing.get("Contents", [])]

    def all_keys(self) -> list[str]:
        """Every object in every bucket of the server, as bucket/key."""
        buckets = [bucket["Name"] for bucket in self.client.list_buckets()["Buckets"]]
        return [f"{bucket}/{key}" for bucket in buckets for key in self.keys(bucket)]

    def get(self, bucket: str, key: str) -> tuple[bytes, str]:
        """The object's bytes and Content-Type."""
        found = self.client.get_object(Bucket=bucket, Key=key)
        return found["Body"].read(), found["ContentType"]

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_target(s3_server) -> Callable[..., S3Target]:
    """An S3Target of the account: a new bucket on the test server unless told otherwise."""

    def make(account, bucket: str = "", key_prefix: str = "optimized/", endpoint_url: str = "") -> S3Target:
        return S3Target.objects.create(
            account=account,
            bucket=bucket or s3_server.new_bucket(),
            endpoint_url=endpoint_url or s3_server.url,
            key_prefix=key_prefix,
            access_key_id=ACCESS_KEY_ID,
            secret_access_key=sealing.seal(SECRET_ACCESS_KEY),
        )

    return make


def put(web, key: str | None, bucket: str, object_key: str, data: bytes, **params: str) -> requests.Response:
    """PUT /s3/{bucket}/{key} with the image as the body, as S3 clients send it."""
    headers = {"Content-Type": "application/octet-stream"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    params.setdefault("type", "image")
    return requests.put(f"{web.url}/s3/{bucket}/{object_key}", data=data, params=params, headers=headers, timeout=90)


def counters(account) -> tuple[int, int]:
    """The plan's (monthly_used, reserved): what is charged and what is still held."""
    plan = Plan.objects.get(account=account)
    return plan.monthly_used, plan.reserved
