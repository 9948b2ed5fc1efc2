"""post(): a body sent through the same guard as downloads, one hop, the answer's status back."""

import socket
from urllib.parse import quote

import pytest

from optimizer.fetch import DownloadFailed, FetchPolicy, ForbiddenAddress, InvalidURL, check_url, post
from tests import network_guard

from .conftest import LOOPBACK, FakeDNS

JSON = {"Content-Type": "application/json"}


def test_sends_the_body_and_headers_and_returns_the_status(origin):
    status = post(origin.url("/status/204"), LOOPBACK, b'{"a": 1}', {**JSON, "webhook-id": "msg_1"})
    assert status == 204
    ((path, headers, body),) = origin.posts
    assert (path, body) == ("/status/204", b'{"a": 1}')
    assert headers["webhook-id"] == "msg_1" and headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("status", [410, 500])
def test_error_statuses_are_returned_not_raised(origin, status):
    assert post(origin.url(f"/status/{status}"), LOOPBACK, b"{}", JSON) == status


def test_a_redirect_is_answered_as_its_status_and_not_followed(origin):
    target = origin.url("/status/200")
    status = post(origin.url(f"/redirect?code=307&to={quote(target, safe='')}"), LOOPBACK, b"{}", JSON)
    assert status == 307
    assert [path for path, _, _ in origin.posts] == [f"/redirect?code=307&to={quote(target, safe='')}"]


def test_a_private_address_is_refused_before_connecting():
    dns = FakeDNS({"hooks.test": ["10.1.2.3"]})
    with pytest.raises(ForbiddenAddress):
        post("https://hooks.test/in", FetchPolicy(), b"{}", JSON, resolver=dns)
    assert dns.calls == ["hooks.test"]
    assert network_guard.connect_attempts == []


def test_a_closed_port_fails_naming_the_host():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(DownloadFailed, match=r"Could not deliver to hooks\.test"):
        post(f"http://hooks.test:{port}/in", LOOPBACK, b"{}", JSON, resolver=FakeDNS({"hooks.test": ["127.0.0.1"]}))


@pytest.mark.parametrize(
    "url", ["ftp://hooks.test/in", "https://user:pw@hooks.test/in", "https://hooks.test:25/in", "https:///in"]
)
def test_check_url_refuses_what_can_never_be_fetched_without_any_traffic(url):
    with pytest.raises((InvalidURL, ForbiddenAddress)):
        check_url(url, FetchPolicy())
    assert network_guard.connect_attempts == []


def test_check_url_accepts_a_plain_https_url():
    check_url("https://hooks.example.com/reducer?x=1", FetchPolicy())
