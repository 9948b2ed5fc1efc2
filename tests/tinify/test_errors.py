"""Each error class of the official client, from the answers Tinify gives: AccountError for a bad
key (401), a spent quota or the rate limit (429); ClientError for what is wrong with the request
or the image (4xx); ServerError (5xx); ConnectionError. Failures are never charged."""

from __future__ import annotations

import uuid

import pytest
import requests
import tinify

from accounts.models import Plan
from optimizer import maintenance
from optimizer.models import Item, Job
from tests.conftest import free_port, photo_bytes

from .conftest import charged


def test_a_bad_key_is_an_account_error(client, tinify_web):
    tinify.key = "A" * 20

    with pytest.raises(tinify.AccountError) as raised:
        tinify.validate()

    assert raised.value.status == 401 and raised.value.message == "Credentials are invalid"
    response = requests.post(f"{tinify_web.url}/shrink", data=b"x", auth=("api", "nope"), timeout=30)
    assert (response.status_code, response.json()) == (
        401,
        {"error": "Unauthorized", "message": "Credentials are invalid"},
    )
    assert "Compression-Count" not in response.headers
    assert requests.post(f"{tinify_web.url}/shrink", data=b"x", timeout=30).status_code == 401


def test_a_spent_quota_is_an_account_error_and_validate_still_accepts_the_key(client):
    account, _ = client
    Plan.objects.filter(account=account).update(monthly_quota=0)

    with pytest.raises(tinify.AccountError) as raised:
        tinify.from_buffer(photo_bytes(64, 48))

    assert raised.value.status == 429
    assert raised.value.message == "Your monthly limit has been exceeded"
    assert tinify.validate() is True
    assert charged(account) == 0


def test_the_rate_limit_is_an_account_error(client):
    account, _ = client
    Plan.objects.filter(account=account).update(rate_limit_per_minute=1)
    tinify.validate()

    with pytest.raises(tinify.AccountError) as raised:
        tinify.from_buffer(photo_bytes(64, 48))

    assert raised.value.status == 429 and raised.value.kind == "TooManyRequests"


@pytest.mark.parametrize(
    ("data", "status", "kind"),
    [
        (b"just some text, not an image", 415, "UnsupportedFile"),
        (photo_bytes(64, 48)[:300], 400, "DecodeError"),
    ],
)
def test_unsupported_and_broken_images_are_client_errors(client, data, status, kind):
    account, _ = client

    with pytest.raises(tinify.ClientError) as raised:
        tinify.from_buffer(data)

    assert (raised.value.status, raised.value.kind) == (status, kind)
    assert charged(account) == 0


def test_an_unreachable_url_is_a_client_error(client, origin):
    account, _ = client

    with pytest.raises(tinify.ClientError) as raised:
        tinify.from_url(origin.url("/tinify/missing.jpg")).to_buffer()

    assert raised.value.status == 400 and raised.value.kind == "Source not found"
    assert charged(account) == 0


def test_bad_json_is_a_bad_request(client, tinify_web):
    account, key = client
    headers = {"Content-Type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b'{"source": {}}'):
        response = requests.post(f"{tinify_web.url}/shrink", data=body, headers=headers, auth=("api", key), timeout=30)
        assert response.status_code == 400, body
        assert response.json()["error"] == "BadRequest"
    assert requests.post(
        f"{tinify_web.url}/shrink", data=b"{not json", headers=headers, auth=("api", key), timeout=30
    ).json() == {"error": "BadRequest", "message": "Request body is not valid JSON"}
    location = tinify.from_buffer(photo_bytes(64, 48)).url
    response = requests.post(tinify_web.url + location, data=b"{oops", auth=("api", key), timeout=30)
    assert (response.status_code, response.json()["error"]) == (400, "BadRequest")
    assert charged(account) == 1


@pytest.mark.parametrize(
    "command",
    [
        lambda source: source.resize(method="stretch", width=10, height=10),
        lambda source: source.resize(method="scale", width=10, height=10),
        lambda source: source.resize(method="cover", width=10),
        lambda source: source.resize(method="fit", width=0, height=10),
        lambda source: source.convert(type="image/bmp"),
        lambda source: source.convert(type=[]),
        lambda source: source.transform(background="red").convert(type="image/jpeg"),
        lambda source: source.transform(background="#ff00"),
        lambda source: source.transform(background=[0, 0, 0]),
        lambda source: source.transform(colour="white"),
        lambda source: source.preserve("everything"),
    ],
)
def test_bad_resize_convert_and_other_options_are_client_errors(client, command):
    account, _ = client
    source = tinify.from_buffer(photo_bytes(64, 48))

    with pytest.raises(tinify.ClientError) as raised:
        command(source).to_buffer()

    assert raised.value.status == 400 and raised.value.kind == "BadRequest"
    assert charged(account) == 1  # the compression only


def test_store_without_credentials_a_path_or_a_known_service_is_a_client_error(client):
    account, _ = client
    source = tinify.from_buffer(photo_bytes(64, 48))
    for options in (
        {"service": "s3", "path": "bucket/key.jpg"},
        {"service": "gcs", "path": "bucket/key.jpg"},
        {"service": "gcs", "gcp_access_token": "t"},
        {"service": "azure", "path": "bucket/key.jpg"},
    ):
        with pytest.raises(tinify.ClientError) as raised:
            source.store(**options)
        assert (raised.value.status, raised.value.kind) == (400, "BadRequest")
    assert charged(account) == 1


def test_a_bucket_google_cloud_storage_refuses_is_a_store_error(client, gcs_server):
    account, _ = client
    source = tinify.from_buffer(photo_bytes(64, 48))

    with pytest.raises(tinify.ClientError) as raised:
        source.store(service="gcs", gcp_access_token="t", path="no-such-bucket/x.jpg")

    assert (raised.value.status, raised.value.kind) == (400, "StoreError")
    assert "no-such-bucket" in raised.value.message and "answered 404" in raised.value.message
    assert charged(account) == 1


def test_an_unknown_output_is_a_client_error(client, tinify_web):
    _, key = client
    for output_id in (uuid.uuid4().hex, "not-an-id"):
        response = requests.get(f"{tinify_web.url}/output/{output_id}", auth=("api", key), timeout=30)
        assert (response.status_code, response.json()["error"]) == (404, "NotFound")


def test_an_item_that_failed_inside_is_a_server_error(client):
    account, _ = client
    job = Job.objects.create(account=account, face=Job.Face.TINIFY)
    item = Item.objects.create(
        job=job, account=account, identity=uuid.uuid4().hex, options={}, status="failed", error_code="internal_error"
    )

    with pytest.raises(tinify.ServerError) as raised:
        tinify.Source(f"/output/{item.pk.hex}").to_buffer()

    assert raised.value.status == 503


def test_no_server_is_a_connection_error(client):
    tinify.Client.API_ENDPOINT = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(tinify.ConnectionError):
        tinify.from_buffer(photo_bytes(64, 48))


def test_an_output_past_its_retention_is_not_found(client):
    source = tinify.from_buffer(photo_bytes(64, 48))
    source.to_buffer()
    assert maintenance.expire(Item.objects.get(pk=source.url.rsplit("/", 1)[1]))

    for attempt in (source.to_buffer, lambda: source.resize(method="scale", width=32).to_buffer()):
        with pytest.raises(tinify.ClientError) as raised:
            attempt()
        assert (raised.value.status, raised.value.kind) == (404, "NotFound")
