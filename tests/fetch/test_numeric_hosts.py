"""Numeric hosts are IP literals, read as browsers and inet_aton read them (decimal, octal, hex,
short forms, a trailing dot), and judged as addresses before any DNS lookup."""

import pytest

from optimizer.fetch import FetchPolicy, ForbiddenAddress, InvalidURL, check_url, fetch
from tests import network_guard

from .conftest import LOOPBACK, FakeDNS, pattern


@pytest.mark.parametrize(
    "host",
    [
        "0.0.0.0.",  # trailing dot: was looked up as a name and answered as a DNS failure
        "127.0.0.1.",
        "169.254.169.254.",
        "2130706433",  # decimal 127.0.0.1
        "0177.0.0.1",  # octal
        "0x7f.1",  # hex, short
        "0x7F000001",
        "127.1",  # short: the last part fills the rest
        "10.1",
        "0",
        "0x",  # "0x" alone is zero
        "0251.0376.0251.0376",  # octal 169.254.169.254
        "0xa9.0xfe.0xa9.0xfe",
        "0xa9fea9fe.",
    ],
)
def test_numeric_forms_are_refused_as_addresses_before_dns(host):
    dns = FakeDNS({})
    with pytest.raises(ForbiddenAddress) as caught:
        fetch(f"http://{host}:8080/a.png", FetchPolicy(), resolver=dns)
    assert caught.value.message.endswith("is not a publicly reachable address.")
    assert dns.calls == []
    assert network_guard.connect_attempts == []


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "256.0.0.1", "1.2.3.256", "1.2.65536", "4294967296", "0x100000000", "08.0.0.1", "a.123"]
)
def test_a_host_ending_in_a_number_that_is_no_address_is_invalid(host):
    # Browsers refuse these too; looking them up as names would be guessing.
    dns = FakeDNS({})
    with pytest.raises(InvalidURL, match="invalid IPv4 address"):
        fetch(f"http://{host}/a.png", FetchPolicy(), resolver=dns)
    assert dns.calls == []


@pytest.mark.parametrize("host", ["example.com.", "1.2.3.4.example", "0x1g", "cdn-1.example"])
def test_names_stay_names(host):
    dns = FakeDNS({host: ["10.0.0.1"]})
    with pytest.raises(ForbiddenAddress):
        fetch(f"http://{host}/a.png", FetchPolicy(), resolver=dns)
    assert dns.calls == [host]


@pytest.mark.parametrize("host", ["127.1", "0x7f.0.0.1", "2130706433", "127.0.0.1."])
def test_an_allowed_numeric_host_is_fetched_from_its_address(origin, host):
    got = fetch(f"http://{host}:{origin.port}/bytes/10", LOOPBACK, resolver=FakeDNS({}))
    assert got.data == pattern(10)
    assert network_guard.connect_attempts == [("127.0.0.1", origin.port)]
    ((_, headers),) = origin.log
    assert headers["Host"] == f"127.0.0.1:{origin.port}"  # the address, not the spelling


def test_check_url_reads_numeric_hosts_without_network():
    check_url("http://0x7f.1/a.png", FetchPolicy())
    with pytest.raises(InvalidURL):
        check_url("http://1.2.3.4.5/a.png", FetchPolicy())
