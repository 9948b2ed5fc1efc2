"""IPv6 outside global unicast, or carrying a non-public IPv4, is refused before any connect:
for downloads and for webhook deliveries (``post``), as a DNS answer and as a URL literal."""

import pytest

from optimizer.fetch import FetchPolicy, ForbiddenAddress, fetch, post
from tests import network_guard

from .conftest import FakeDNS

# Each of these was once judged public (``ipaddress.is_global`` says so) and dialled.
ONCE_DIALLED = [
    "::5efe:127.0.0.1",  # ISATAP interface id of loopback
    "::ffff:0:127.0.0.1",  # SIIT IPv4-translated loopback
    "::1:7f00:1",  # reserved ::/8
    "1::1",  # reserved
    "4000::1",  # unassigned
    "8000::1",  # unassigned
    "ff0e::1",  # global-scope multicast
    "2001:4860::200:5efe:a9fe:a9fe",  # ISATAP of metadata under a global prefix
]


@pytest.mark.parametrize("answer", ONCE_DIALLED)
def test_download_refuses_the_answer_before_connecting(answer):
    dns = FakeDNS({"images.example": [answer]})
    with pytest.raises(ForbiddenAddress):
        fetch("http://images.example/a.png", FetchPolicy(), resolver=dns)
    assert network_guard.connect_attempts == []


@pytest.mark.parametrize("answer", ONCE_DIALLED)
def test_webhook_delivery_refuses_the_answer_before_connecting(answer):
    dns = FakeDNS({"hooks.example": [answer]})
    with pytest.raises(ForbiddenAddress):
        post("https://hooks.example/in", FetchPolicy(), b"{}", {}, resolver=dns)
    assert network_guard.connect_attempts == []


@pytest.mark.parametrize("address", ONCE_DIALLED)
def test_literal_is_refused_without_dns_or_connect(address):
    dns = FakeDNS({})
    with pytest.raises(ForbiddenAddress):
        fetch(f"http://[{address}]:8080/a.png", FetchPolicy(), resolver=dns)
    with pytest.raises(ForbiddenAddress):
        post(f"https://[{address}]/in", FetchPolicy(), b"{}", {}, resolver=dns)
    assert dns.calls == []
    assert network_guard.connect_attempts == []
