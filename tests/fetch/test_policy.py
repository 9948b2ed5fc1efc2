"""FetchPolicy: safe defaults, and allow_cidrs as the one way to reach non-public ranges (all
ports, or one)."""

import ipaddress

import pytest

from optimizer.fetch import FetchPolicy


def test_defaults():
    policy = FetchPolicy()
    assert policy.schemes == {"http", "https"}
    assert policy.allow_cidrs == ()
    assert policy.max_redirects == 10
    assert policy.deadline_seconds == 20
    assert policy.max_bytes == 50 * 1024 * 1024
    assert policy.ca_file is None
    assert {22, 25, 6667}.issubset(policy.blocked_ports)
    assert {80, 443, 8080, 8443}.isdisjoint(policy.blocked_ports)


@pytest.mark.parametrize(
    ("cidrs", "address", "port", "allowed"),
    [
        ((), "192.168.1.20", 80, False),
        (("192.168.1.0/24",), "192.168.1.20", 80, True),
        (("192.168.1.0/24",), "192.168.2.20", 80, False),
        ((" 192.168.1.7/24 ",), "192.168.1.20", 80, True),  # host bits and spaces, as typed in an env var
        (("127.0.0.0/8",), "127.0.0.1", 80, True),
        (("127.0.0.0/8",), "::1", 80, False),
        (("127.0.0.0/8", "::1/128"), "::1", 80, True),
        (("fd00::/8",), "fd12::5", 80, True),
        ((), "8.8.8.8", 80, True),
        # one port of one address: a dev origin, not every service on that machine
        (("127.0.0.1:9000",), "127.0.0.1", 9000, True),
        (("127.0.0.1:9000",), "127.0.0.1", 6379, False),
        (("127.0.0.1:9000",), "127.0.0.2", 9000, False),
        (("10.0.0.0/24:8080",), "10.0.0.7", 8080, True),
        (("10.0.0.0/24:8080",), "10.0.0.7", 80, False),
        (("[::1]:8080",), "::1", 8080, True),
        (("[::1]:8080",), "::1", 8081, False),
        (("[fd00::/8]:443",), "fd00::1", 443, True),
        (("[::1]",), "::1", 1234, True),
        (("::1",), "::1", 1234, True),  # a bare IPv6 entry names no port: its colons are its own
        (("127.0.0.1:9000",), "::ffff:127.0.0.1", 9000, False),
        (("127.0.0.1:9000",), "8.8.8.8", 6379, True),  # public stays public on any port
    ],
)
def test_allow_cidrs(cidrs, address, port, allowed):
    assert FetchPolicy(allow_cidrs=cidrs).allows_address(ipaddress.ip_address(address), port) is allowed


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("not-a-range", "not an address"),
        ("127.0.0.1:", "invalid port"),
        ("127.0.0.1:0", "invalid port"),
        ("127.0.0.1:65536", "invalid port"),
        ("127.0.0.1:http", "invalid port"),
        ("[::1]:", "invalid port"),
        ("[::1", "not an address"),
        ("[::1]8080", "not an address"),
        ("[127.0.0.1]:80", "brackets are for IPv6"),
        ("host.example:80", "not an address"),
    ],
)
def test_a_bad_allow_entry_is_named(entry, says):
    with pytest.raises(ValueError, match=says) as caught:
        FetchPolicy(allow_cidrs=(entry,))
    assert repr(entry) in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"allow_cidrs": ("not-a-range",)},
        {"schemes": frozenset({"ftp"})},
        {"max_redirects": -1},
        {"deadline_seconds": 0},
        {"max_bytes": 0},
    ],
)
def test_invalid_settings_fail_loudly(kwargs):
    with pytest.raises(ValueError):
        FetchPolicy(**kwargs)


def test_policy_is_frozen():
    with pytest.raises(AttributeError):
        FetchPolicy().max_bytes = 1
