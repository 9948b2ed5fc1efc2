"""The S3 endpoint passes the fetcher's address guard before boto3 connects: metadata, loopback
and other non-public endpoints are refused as a failed write (nothing dialled) and as an admin
form error, unless REDUCER_FETCH_ALLOW_CIDRS allows that address (and port)."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from accounts.models import S3Target
from optimizer import s3
from tests import network_guard
from tests.admin_forms import account_page
from tests.s3.test_admin_secret import _new_target, _save

DATA = b"optimized bytes"


def _moto_port(s3_server) -> int:
    return urlsplit(s3_server.url).port


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://169.254.169.254",
        "http://169.254.169.254.",
        "http://[::ffff:169.254.169.254]",
        "http://127.0.0.1:{port}",  # the real test server: refused although it would answer
        "http://0x7f.1:{port}",
        "http://localhost:{port}",
        "http://[::1]:{port}",
        "http://10.0.0.5:9000",
        "http://127.0.0.1:25",  # a blocked port
    ],
)
@override_settings(REDUCER_FETCH_ALLOW_CIDRS=())
def test_a_non_public_endpoint_fails_the_write_before_any_connect(make_account, make_target, s3_server, endpoint):
    account, _ = make_account()
    target = make_target(account)  # a bucket on the test server
    target.endpoint_url = endpoint.format(port=_moto_port(s3_server))
    network_guard.connect_attempts.clear()
    with pytest.raises(s3.WriteFailed) as refused:
        s3.put(target, "optimized/a.jpg", DATA, "image/jpeg")
    assert target.bucket in refused.value.message and "REDUCER_FETCH_ALLOW_CIDRS" in refused.value.message
    assert "169.254" not in refused.value.message and "127.0.0.1" not in refused.value.message
    assert network_guard.connect_attempts == []
    assert s3_server.keys(target.bucket) == []


def test_an_endpoint_allowed_with_its_port_is_written(make_account, make_target, s3_server):
    account, _ = make_account()
    target = make_target(account)
    port = _moto_port(s3_server)
    with override_settings(REDUCER_FETCH_ALLOW_CIDRS=(f"127.0.0.1:{port}",)):
        s3.put(target, "optimized/a.jpg", DATA, "image/jpeg")
    assert s3_server.get(target.bucket, "optimized/a.jpg")[0] == DATA
    with override_settings(REDUCER_FETCH_ALLOW_CIDRS=(f"127.0.0.1:{port + 1}",)), pytest.raises(s3.WriteFailed):
        s3.put(target, "optimized/b.jpg", DATA, "image/jpeg")  # the same address on another port only
    assert s3_server.keys(target.bucket) == ["optimized/a.jpg"]


@override_settings(REDUCER_FETCH_ALLOW_CIDRS=())
@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("http://169.254.169.254", "169.254.169.254 is not a publicly reachable address."),
        ("http://127.0.0.1:9000", "127.0.0.1 is not a publicly reachable address."),
        ("http://[::1]:9000", "::1 is not a publicly reachable address."),
        ("https://minio.example:22", "port 22"),
    ],
)
def test_the_admin_form_refuses_a_non_public_endpoint(admin_client, make_account, endpoint, says):
    account, _ = make_account()
    _, data = account_page(admin_client, account)
    refused = _save(admin_client, account, _new_target(data, endpoint_url=endpoint, secret="s"))
    html = refused.content.decode()
    assert refused.status_code == 200 and says in html and "REDUCER_FETCH_ALLOW_CIDRS" in html
    assert not S3Target.objects.exists()
    assert network_guard.connect_attempts == []


@override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.1:9000",))
def test_the_admin_form_takes_an_allowed_private_endpoint(admin_client, make_account):
    account, _ = make_account()
    _, data = account_page(admin_client, account)
    saved = _save(admin_client, account, _new_target(data, endpoint_url="http://127.0.0.1:9000", secret="s"))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert S3Target.objects.get(account=account).endpoint_url == "http://127.0.0.1:9000"
