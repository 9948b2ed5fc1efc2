"""FetchPolicy: safe defaults, and allow_cidrs as the one way to reach non-public ranges."""

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
    ("cidrs", "address", "allowed"),
    [
        ((), "192.168.1.20", False),
        (("192.168.1.0/24",), "192.168.1.20", True),
        (("192.168.1.0/24",), "192.168.2.20", False),
        ((" 192.168.1.7/24 ",), "192.168.1.20", True),  # host bits and spaces, as typed in an env var
        (("127.0.0.0/8",), "127.0.0.1", True),
        (("127.0.0.0/8",), "::1", False),
        (("127.0.0.0/8", "::1/128"), "::1", True),
        (("fd00::/8",), "fd12::5", True),
        ((), "8.8.8.8", True),
    ],
)
def test_allow_cidrs(cidrs, address, allowed):
    assert FetchPolicy(allow_cidrs=cidrs).allows_address(ipaddress.ip_address(address)) is allowed


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
