"""Bytes flow from a real origin server on loopback, allowed through allow_cidrs."""

import pytest

from optimizer.fetch import DownloadFailed, fetch

from .conftest import LOOPBACK, FakeDNS, pattern


def test_fetches_the_bytes_with_their_type(origin):
    got = fetch(origin.url("/bytes/70000"), LOOPBACK)
    assert got.data == pattern(70000)
    assert got.status == 200
    assert got.content_type == "image/png"
    assert got.final_url == origin.url("/bytes/70000")


def test_sends_the_name_as_host_and_identifies_itself(origin):
    dns = FakeDNS({"images.example": ["127.0.0.1"]})
    got = fetch(origin.url("/bytes/5#fragment", host="images.example"), LOOPBACK, resolver=dns)
    assert got.data == pattern(5)
    assert got.final_url == origin.url("/bytes/5", host="images.example")
    path, headers = origin.log[0]
    assert path == "/bytes/5"
    assert headers["Host"] == f"images.example:{origin.port}"
    assert headers["User-Agent"] == LOOPBACK.user_agent
    assert headers["Accept-Encoding"] == "identity"
    assert "Authorization" not in headers


def test_escapes_spaces_and_non_ascii_in_the_path(origin):
    with pytest.raises(DownloadFailed, match="404"):
        fetch(origin.url("/missing/a b/é.png?q=ü"), LOOPBACK)
    assert origin.log[0][0] == "/missing/a%20b/%C3%A9.png?q=%C3%BC"


@pytest.mark.parametrize("route", ["/chunked/200000", "/stream/200000"])
def test_chunked_and_close_delimited_bodies(origin, route):
    assert fetch(origin.url(route), LOOPBACK).data == pattern(200000)
