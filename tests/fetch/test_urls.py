"""URLs the fetcher refuses outright: nothing is resolved and nothing is connected."""

import pytest

from optimizer.fetch import FetchPolicy, fetch
from tests import network_guard

from .conftest import FakeDNS


@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        ("ftp://example.test/a.png", "invalid_url", "must start with http:// or https://"),
        ("file:///etc/passwd", "invalid_url", "must start with http:// or https://"),
        ("gopher://example.test:70/", "invalid_url", "must start with http:// or https://"),
        ("example.test/a.png", "invalid_url", "must start with http:// or https://"),
        ("http:///a.png", "invalid_url", "no host"),
        ("http://user:pw@example.test/a.png", "invalid_url", "user and pass"),
        ("http://user@example.test/a.png", "invalid_url", "user and pass"),
        ("http://example.test:99999/a.png", "invalid_url", "malformed"),
        ("http://example.test/a\r\nX-Injected: 1", "invalid_url", "control characters"),
        ("http://[::1/a.png", "invalid_url", "malformed"),
        ("http://exa mple.test/a.png", "invalid_url", "invalid host name"),
        ("http://ex%41mple.test/a.png", "invalid_url", "invalid host name"),
        ("http://example.test:25/a.png", "forbidden_address", "port 25"),
        ("https://example.test:22/a.png", "forbidden_address", "port 22"),
    ],
)
def test_refused_without_resolving_or_connecting(url, code, says):
    dns = FakeDNS({"example.test": ["8.8.8.8"]})
    with pytest.raises(Exception) as caught:
        fetch(url, FetchPolicy(), resolver=dns)
    assert caught.value.code == code
    assert says in caught.value.message
    assert dns.calls == []
    assert network_guard.connect_attempts == []


def test_blocked_ports_are_a_setting():
    policy = FetchPolicy(blocked_ports=frozenset({8080}))
    assert policy.allows_port(25)
    assert not policy.allows_port(8080)
    assert not policy.allows_port(0)
