"""The address guard runs on the injected DNS answer and refuses before any connect."""

import socket

import pytest

from optimizer.fetch import DownloadFailed, FetchPolicy, ForbiddenAddress, fetch
from tests import network_guard
from tests.network_guard import NetworkGuardError

from .conftest import LOOPBACK, FakeDNS


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["127.0.0.1"],
        ["100.64.1.1"],
        ["::1"],
        ["fe80::1%1"],
        ["::ffff:127.0.0.1"],
        ["64:ff9b::a00:1"],
        ["2002:a00:1::1"],
        ["2001:0:4136:e378:8000:63bf:80ff:fffe"],  # Teredo, client 127.0.0.1
        ["8.8.8.8", "10.0.0.1"],  # one bad answer spoils the lot
        ["not an address"],
    ],
)
def test_non_public_answer_is_refused_before_connect(answer):
    dns = FakeDNS({"images.example": answer})
    with pytest.raises(ForbiddenAddress) as caught:
        fetch("http://images.example/a.png", FetchPolicy(), resolver=dns)
    assert caught.value.code == "forbidden_address"
    assert caught.value.message == "images.example is not a publicly reachable address."
    assert dns.calls == ["images.example"]
    assert network_guard.connect_attempts == []


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0:8080/"]
)
def test_address_literal_is_checked_without_dns(url):
    dns = FakeDNS({})
    with pytest.raises(ForbiddenAddress):
        fetch(url, FetchPolicy(), resolver=dns)
    assert dns.calls == []
    assert network_guard.connect_attempts == []


def test_loopback_is_refused_by_default_even_with_a_server_listening(origin):
    with pytest.raises(ForbiddenAddress):
        fetch(origin.url("/bytes/10"), FetchPolicy())
    with pytest.raises(ForbiddenAddress):
        fetch(origin.url("/bytes/10", host="localhost"), FetchPolicy(), resolver=FakeDNS({"localhost": ["127.0.0.1"]}))
    assert network_guard.connect_attempts == []
    assert origin.log == []


def test_allow_cidrs_matches_only_its_own_family():
    dns = FakeDNS({"lan.test": ["::ffff:127.0.0.1"]})
    with pytest.raises(ForbiddenAddress):
        fetch("http://lan.test/", LOOPBACK, resolver=dns)
    assert network_guard.connect_attempts == []


def test_public_answer_is_connected_to_exactly_that_address():
    # The guard stops the connect, which shows where the fetcher was going: the checked address.
    dns = FakeDNS({"images.example": ["93.184.216.34"]})
    with pytest.raises(NetworkGuardError):
        fetch("http://images.example/a.png", FetchPolicy(), resolver=dns)
    assert network_guard.connect_attempts == [("93.184.216.34", 80)]
    assert len(network_guard.take_violations()) == 1


def test_ipv6_literal_is_dialled_as_given():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    policy = FetchPolicy(allow_cidrs=("::1/128",), deadline_seconds=2)
    with pytest.raises(DownloadFailed):  # nothing listens there
        fetch(f"http://[::1]:{port}/a.png", policy, resolver=FakeDNS({}))
    assert network_guard.connect_attempts == [("::1", port)]
