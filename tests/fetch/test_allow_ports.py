"""An allow-list entry may name one port: allowing a dev origin does not open every service on
that address, and a redirect to another port of it is refused before connecting."""

import ipaddress
import socket
from urllib.parse import quote

import pytest

from optimizer.fetch import FetchPolicy, ForbiddenAddress, fetch
from reducer import conf
from tests import network_guard

from .conftest import FakeDNS, pattern


def test_the_named_port_is_fetched_and_another_is_refused_before_connect(origin):
    policy = FetchPolicy(allow_cidrs=(f"127.0.0.1:{origin.port}",), deadline_seconds=5)
    assert fetch(origin.url("/bytes/10"), policy).data == pattern(10)
    with socket.create_server(("127.0.0.1", 0)) as other:  # a service listening on another port
        other_port = other.getsockname()[1]
        network_guard.connect_attempts.clear()
        with pytest.raises(ForbiddenAddress):
            fetch(f"http://127.0.0.1:{other_port}/", policy)
        location = quote(f"http://127.0.0.1:{other_port}/", safe="")
        with pytest.raises(ForbiddenAddress):
            fetch(origin.url(f"/redirect?to={location}"), policy)
    assert network_guard.connect_attempts == [("127.0.0.1", origin.port)]  # the redirecting hop only


def test_a_name_resolving_to_an_allowed_address_uses_the_entry_port_too(origin):
    dns = FakeDNS({"dev.test": ["127.0.0.1"]})
    policy = FetchPolicy(allow_cidrs=(f"127.0.0.1:{origin.port}",), deadline_seconds=5)
    assert fetch(origin.url("/bytes/5", host="dev.test"), policy, resolver=dns).data == pattern(5)
    with pytest.raises(ForbiddenAddress):
        fetch("http://dev.test:8080/", policy, resolver=dns)


def test_a_bad_entry_in_the_setting_stops_the_start_naming_it():
    with pytest.raises(conf.SettingError, match=r"REDUCER_FETCH_ALLOW_CIDRS: '127\.0\.0\.1:http' has an invalid port"):
        conf.load({"REDUCER_FETCH_ALLOW_CIDRS": "10.0.0.0/8, 127.0.0.1:http"})
    loaded = conf.load({"REDUCER_FETCH_ALLOW_CIDRS": "127.0.0.1:9000, [::1]:8080, 10.0.0.0/8"})
    assert FetchPolicy(allow_cidrs=loaded["REDUCER_FETCH_ALLOW_CIDRS"]).allows_address(
        ipaddress.ip_address("::1"), 8080
    )
