"""HTTP basic auth from the request's user/pass, kept to the origin it was given for."""

from urllib.parse import quote

import pytest

from optimizer.fetch import DownloadFailed, fetch

from .conftest import CREDENTIALS, LOOPBACK, FakeDNS


def test_credentials_are_sent_as_basic_auth(origin):
    assert fetch(origin.url("/auth"), LOOPBACK, auth=CREDENTIALS).data == b"private image"


def test_without_credentials_the_server_refuses(origin):
    with pytest.raises(DownloadFailed, match="HTTP 401"):
        fetch(origin.url("/auth"), LOOPBACK)


def test_credentials_follow_a_redirect_on_the_same_origin(origin):
    to = quote(origin.url("/auth"), safe="")
    got = fetch(origin.url(f"/redirect?to={to}"), LOOPBACK, auth=CREDENTIALS)
    assert got.data == b"private image"


def test_credentials_are_dropped_when_a_redirect_changes_host(origin):
    dns = FakeDNS({"images.test": ["127.0.0.1"], "elsewhere.test": ["127.0.0.1"]})
    to = quote(origin.url("/bytes/3", host="elsewhere.test"), safe="")
    fetch(origin.url(f"/redirect?to={to}", host="images.test"), LOOPBACK, auth=CREDENTIALS, resolver=dns)
    sent = [(headers["Host"].split(":")[0], "Authorization" in headers) for _, headers in origin.log]
    assert sent == [("images.test", True), ("elsewhere.test", False)]


def test_credentials_stay_dropped_when_the_chain_comes_back(origin):
    dns = FakeDNS({"images.test": ["127.0.0.1"], "elsewhere.test": ["127.0.0.1"]})
    back = quote(origin.url("/auth", host="images.test"), safe="")
    away = quote(origin.url(f"/redirect?to={back}", host="elsewhere.test"), safe="")
    with pytest.raises(DownloadFailed, match="HTTP 401"):
        fetch(origin.url(f"/redirect?to={away}", host="images.test"), LOOPBACK, auth=CREDENTIALS, resolver=dns)
