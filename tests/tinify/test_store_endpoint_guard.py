"""store writes through the S3 write-back writer, so REDUCER_TINIFY_S3_ENDPOINT passes the same
address guard, and so does REDUCER_TINIFY_GCS_ENDPOINT: a loopback endpoint that
REDUCER_FETCH_ALLOW_CIDRS does not allow is refused before anything is sent, as a ClientError,
and the object never appears."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import tinify

from tests.conftest import photo_bytes

from .conftest import TinifyServer, charged


@pytest.fixture(scope="module")
def guarded_web(django_db_setup, django_db_blocker, s3_server, gcs_server) -> Iterator[TinifyServer]:
    server = TinifyServer(s3_server.url, REDUCER_FETCH_ALLOW_CIDRS="", REDUCER_TINIFY_GCS_ENDPOINT=gcs_server.url)
    try:
        yield server
    finally:
        server.stop()


def test_a_store_endpoint_the_guard_refuses(guarded_web, client, s3_server):
    account, _ = client
    tinify.Client.API_ENDPOINT = guarded_web.url
    bucket = s3_server.new_bucket()
    source = tinify.from_buffer(photo_bytes(64, 48))

    with pytest.raises(tinify.ClientError) as raised:
        source.store(service="s3", aws_access_key_id="a", aws_secret_access_key="b", path=f"{bucket}/x.jpg")

    assert (raised.value.status, raised.value.kind) == (400, "StoreError")
    assert "not a public address" in raised.value.message
    assert s3_server.keys(bucket) == []
    assert charged(account) == 1  # the compression; the refused store costs nothing


def test_a_google_cloud_storage_endpoint_the_guard_refuses(guarded_web, client, gcs_server):
    account, _ = client
    tinify.Client.API_ENDPOINT = guarded_web.url
    bucket = gcs_server.new_bucket()
    source = tinify.from_buffer(photo_bytes(64, 48))

    with pytest.raises(tinify.ClientError) as raised:
        source.store(service="gcs", gcp_access_token="t", path=f"{bucket}/x.jpg")

    assert (raised.value.status, raised.value.kind) == (400, "StoreError")
    assert "not a public address" in raised.value.message
    assert requests.get(f"{gcs_server.url}/storage/v1/b/{bucket}/o/x.jpg", timeout=10).status_code == 404
    assert charged(account) == 1
