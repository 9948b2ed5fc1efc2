"""checked_addresses: the guard alone, for clients that connect by themselves (S3 endpoints)."""

import ipaddress

import pytest

from optimizer.fetch import DownloadFailed, FetchPolicy, ForbiddenAddress, InvalidURL, checked_addresses
from tests import network_guard

from .conftest import FakeDNS


def test_returns_the_checked_answers_without_connecting():
    dns = FakeDNS({"s3.example": ["8.8.8.8", "2606:4700:4700::1111"]})
    got = checked_addresses("https://s3.example", FetchPolicy(), resolver=dns)
    assert got == [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("2606:4700:4700::1111")]
    assert dns.calls == ["s3.example"]
    assert network_guard.connect_attempts == []


@pytest.mark.parametrize(
    ("url", "answers", "error"),
    [
        ("http://minio.example:9000", ["10.0.0.5"], ForbiddenAddress),
        ("http://169.254.169.254", [], ForbiddenAddress),
        ("http://minio.example:25", ["8.8.8.8"], ForbiddenAddress),
        ("http://[::1/", [], InvalidURL),
        ("http://gone.example", None, DownloadFailed),
    ],
)
def test_refuses_as_fetch_does(url, answers, error):
    dns = FakeDNS({} if answers is None else {"minio.example": answers})
    with pytest.raises(error, match=r"The S3 endpoint|not a publicly reachable|resolve"):
        checked_addresses(url, FetchPolicy(), "The S3 endpoint", resolver=dns)
    assert network_guard.connect_attempts == []


def test_the_allow_list_with_a_port_admits_a_private_store():
    dns = FakeDNS({"minio.example": ["10.0.0.5"]})
    policy = FetchPolicy(allow_cidrs=("10.0.0.5:9000",))
    assert checked_addresses("http://minio.example:9000", policy, resolver=dns) == [ipaddress.ip_address("10.0.0.5")]
    with pytest.raises(ForbiddenAddress):
        checked_addresses("http://minio.example:9001", policy, resolver=dns)
