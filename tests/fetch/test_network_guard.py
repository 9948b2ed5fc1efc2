"""The test-wide guard refuses to let anything leave this machine, and lets loopback through."""

import socket

import pytest

from tests import network_guard
from tests.network_guard import NetworkGuardError


@pytest.mark.parametrize(
    ("family", "address"),
    [
        (socket.AF_INET, ("10.0.0.1", 80)),
        (socket.AF_INET, ("93.184.216.34", 443)),
        (socket.AF_INET6, ("2606:2800:220:1::1", 443)),
        (socket.AF_INET6, ("::ffff:10.0.0.1", 80)),
    ],
)
@pytest.mark.parametrize("method", ["connect", "connect_ex"])
def test_connect_off_machine_raises_before_the_real_connect(family, address, method):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setblocking(False)  # a real connect would return at once; the guard must raise first
        with pytest.raises(NetworkGuardError, match="blocked connect"):
            getattr(sock, method)(address)
    assert network_guard.connect_attempts == [address]
    assert len(network_guard.take_violations()) == 1


def test_udp_datagram_off_machine_is_refused():
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock,
        pytest.raises(NetworkGuardError, match="blocked sendto"),
    ):
        sock.sendto(b"query", ("8.8.8.8", 53))
    network_guard.take_violations()


def test_dns_lookup_of_a_real_name_is_refused():
    with pytest.raises(NetworkGuardError, match="DNS lookup"):
        socket.getaddrinfo("example.com", 80)
    network_guard.take_violations()


def test_create_connection_is_covered():
    with pytest.raises(NetworkGuardError):
        socket.create_connection(("192.168.1.1", 80), timeout=0.1)
    network_guard.take_violations()


def test_loopback_and_unix_sockets_pass():
    with socket.create_server(("127.0.0.1", 0)) as server, socket.socket() as client:
        client.connect(server.getsockname())
    assert socket.getaddrinfo("localhost", 80)
    left, right = socket.socketpair()
    left.close()
    right.close()
    assert network_guard.take_violations() == []
