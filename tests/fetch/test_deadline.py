"""One deadline for the whole fetch, not per read: a server that drips bytes still times out."""

import threading
import time

import pytest

from optimizer.fetch import FetchPolicy, FetchTimeout, fetch

from .conftest import FakeDNS

QUICK = FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=1)


@pytest.mark.parametrize("route", ["/drip", "/drip-headers"])
def test_dripping_server_times_out_at_the_deadline(origin, route):
    # One byte every 0.2 s: each read is quick, the whole takes 20 s.
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as caught:
        fetch(origin.url(route), QUICK)
    elapsed = time.monotonic() - started
    assert caught.value.code == "timeout"
    assert caught.value.message == "The download did not finish within 1 seconds."
    assert 0.9 < elapsed < 1.6


def test_slow_dns_counts_against_the_deadline():
    release = threading.Event()

    def stuck(host, port):
        release.wait(10)
        return ["127.0.0.1"]

    started = time.monotonic()
    try:
        with pytest.raises(FetchTimeout, match=r"Resolving slow\.test took too long"):
            fetch("http://slow.test/", QUICK, resolver=stuck)
    finally:
        release.set()
    assert time.monotonic() - started < 1.6


def test_redirect_hops_share_one_deadline(origin):
    # Each hop is quick; the time spent across hops is what counts.
    dns = FakeDNS({"hop.test": ["127.0.0.1"]})

    def slow_dns(host, port):
        time.sleep(0.4)
        return dns(host, port)

    policy = FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=1, max_redirects=5)
    with pytest.raises(FetchTimeout):
        fetch(origin.url("/chain/4", host="hop.test"), policy, resolver=slow_dns)
    assert 2 <= len(dns.calls) <= 3
