"""Failures on the way map to download_failed with a message naming the host the user gave."""

import socket

import pytest

from optimizer.fetch import DownloadFailed, fetch

from .conftest import LOOPBACK, FakeDNS


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "Not Found"), (500, "Internal Server Error"), (204, "No Content"), (599, "")]
)
def test_non_200_status_fails(origin, status, reason):
    with pytest.raises(DownloadFailed) as caught:
        fetch(origin.url(f"/status/{status}"), LOOPBACK)
    assert caught.value.code == "download_failed"
    assert caught.value.message.startswith(f"127.0.0.1 answered HTTP {status}")
    assert reason in caught.value.message


def test_connection_refused_fails():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again on leaving: nothing listens there
    with pytest.raises(DownloadFailed, match=r"Could not download from closed\.test"):
        fetch(f"http://closed.test:{port}/a.png", LOOPBACK, resolver=FakeDNS({"closed.test": ["127.0.0.1"]}))


def test_unresolvable_name_fails():
    with pytest.raises(DownloadFailed, match=r"Could not resolve nowhere\.test"):
        fetch("http://nowhere.test/a.png", LOOPBACK, resolver=FakeDNS({}))


def test_body_shorter_than_its_length_fails(origin):
    with pytest.raises(DownloadFailed, match="closed before the file was complete"):
        fetch(origin.url("/short"), LOOPBACK)


@pytest.mark.parametrize("encoding", ["br", "compress", "gzip, gzip"])
def test_unsupported_content_encoding_fails(origin, encoding):
    with pytest.raises(DownloadFailed, match="unsupported Content-Encoding"):
        fetch(origin.url(f"/encoded?as={encoding}"), LOOPBACK)


def test_redirect_without_location_fails(origin):
    with pytest.raises(DownloadFailed, match="redirect without a Location"):
        fetch(origin.url("/status/302"), LOOPBACK)
