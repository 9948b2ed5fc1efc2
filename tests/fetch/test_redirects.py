"""Redirects are followed by hand: every hop is parsed, resolved once and checked again."""

from urllib.parse import quote

import pytest

from optimizer.fetch import DownloadFailed, FetchPolicy, ForbiddenAddress, InvalidURL, OriginNotAllowed, fetch
from tests import network_guard

from .conftest import LOOPBACK, FakeDNS, pattern


def redirect(origin, to, code=302):
    return origin.url(f"/redirect?code={code}&to={quote(to, safe='')}")


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_follows_a_redirect_to_an_allowed_host(origin, code):
    dns = FakeDNS({"cdn.test": ["127.0.0.1"]})
    target = origin.url("/bytes/10", host="cdn.test")
    got = fetch(redirect(origin, target, code), LOOPBACK, resolver=dns)
    assert got.data == pattern(10)
    assert got.final_url == target
    assert dns.calls == ["cdn.test"]


def test_relative_locations_resolve_against_the_current_url(origin):
    got = fetch(origin.url("/chain/3"), LOOPBACK)
    assert got.data == b"end of chain"
    assert got.final_url == origin.url("/chain/0")


def test_redirect_to_a_name_resolving_inside_is_refused_before_connect(origin):
    dns = FakeDNS({"internal.test": ["10.1.2.3"]})
    with pytest.raises(ForbiddenAddress, match=r"internal\.test is not a publicly reachable"):
        fetch(redirect(origin, "http://internal.test/admin"), LOOPBACK, resolver=dns)
    assert dns.calls == ["internal.test"]
    assert network_guard.connect_attempts == [("127.0.0.1", origin.port)]  # the first hop only


def test_redirect_to_metadata_literal_is_refused(origin):
    with pytest.raises(ForbiddenAddress):
        fetch(redirect(origin, "http://169.254.169.254/latest/meta-data/"), LOOPBACK)
    assert len(network_guard.connect_attempts) == 1


def test_redirect_back_to_loopback_is_refused_when_only_the_first_hop_was_allowed(origin):
    policy = FetchPolicy(allow_cidrs=("127.0.0.1/32",))
    dns = FakeDNS({"sneaky.test": ["127.0.0.9"]})
    with pytest.raises(ForbiddenAddress):
        fetch(redirect(origin, "http://sneaky.test/"), policy, resolver=dns)


@pytest.mark.parametrize(
    ("location", "error"),
    [("file:///etc/passwd", InvalidURL), ("gopher://127.0.0.1:70/", InvalidURL), ("http://a:b@127.0.0.1/", InvalidURL)],
)
def test_redirect_to_another_scheme_or_with_credentials_is_refused(origin, location, error):
    with pytest.raises(error, match="The redirect target"):
        fetch(redirect(origin, location), LOOPBACK)


def test_at_most_max_redirects_are_followed(origin):
    assert LOOPBACK.max_redirects == 10  # the default
    assert fetch(origin.url("/chain/10"), LOOPBACK).data == b"end of chain"
    assert len(origin.log) == 11
    with pytest.raises(DownloadFailed, match="redirected more than 10 times"):
        fetch(origin.url("/chain/11"), LOOPBACK)
    no_redirects = FetchPolicy(allow_cidrs=("127.0.0.0/8",), max_redirects=0)
    with pytest.raises(DownloadFailed, match="more than 0 times"):
        fetch(origin.url("/chain/1"), no_redirects)


def test_redirect_loop_stops(origin):
    with pytest.raises(DownloadFailed, match="redirected more than"):
        fetch(origin.url("/loop"), LOOPBACK)
    assert len(origin.log) == LOOPBACK.max_redirects + 1


def test_host_rule_applies_to_redirect_targets(origin):
    dns = FakeDNS({"cdn.test": ["127.0.0.1"], "elsewhere.test": ["127.0.0.1"]})
    allowed = {"cdn.test", "127.0.0.1"}.__contains__
    ok = fetch(redirect(origin, origin.url("/bytes/5", host="cdn.test")), LOOPBACK, resolver=dns, host_allowed=allowed)
    assert ok.data == pattern(5)
    with pytest.raises(OriginNotAllowed, match=r"elsewhere\.test is not one of the domains"):
        away = redirect(origin, origin.url("/bytes/5", host="elsewhere.test"))
        fetch(away, LOOPBACK, resolver=dns, host_allowed=allowed)
    assert "elsewhere.test" not in dns.calls  # refused before resolving, let alone connecting


def test_host_rule_applies_to_the_url_itself(origin):
    with pytest.raises(OriginNotAllowed):
        fetch(origin.url("/bytes/5"), LOOPBACK, host_allowed=lambda host: False)
    assert network_guard.connect_attempts == []


def test_the_last_allowed_hop_is_checked_too(origin):
    dns = FakeDNS({"internal.test": ["10.1.2.3"]})
    url = "http://internal.test/admin"
    for _ in range(LOOPBACK.max_redirects):
        url = redirect(origin, url)
    with pytest.raises(ForbiddenAddress):
        fetch(url, LOOPBACK, resolver=dns)
    assert network_guard.connect_attempts == [("127.0.0.1", origin.port)] * LOOPBACK.max_redirects
