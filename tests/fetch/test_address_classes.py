"""is_public: every class the fetcher must refuse, and public addresses that must pass."""

import ipaddress

import pytest

from optimizer.fetch import is_public

REFUSED = {
    # IPv4
    "unspecified": "0.0.0.0",
    "this network": "0.1.2.3",
    "private 10/8": "10.0.0.5",
    "private 172.16/12": "172.31.255.254",
    "private 192.168/16": "192.168.1.1",
    "CGNAT": "100.64.0.1",
    "CGNAT top": "100.127.255.254",
    "loopback": "127.0.0.1",
    "loopback other": "127.255.0.9",
    "link-local, cloud metadata": "169.254.169.254",
    "IETF protocol assignments": "192.0.0.9",
    "documentation TEST-NET-1": "192.0.2.10",
    "6to4 relay anycast": "192.88.99.1",
    "benchmarking": "198.18.0.1",
    "benchmarking top": "198.19.255.255",
    "documentation TEST-NET-2": "198.51.100.7",
    "documentation TEST-NET-3": "203.0.113.9",
    "multicast": "224.0.0.1",
    "multicast global scope": "239.255.255.250",
    "reserved": "240.0.0.1",
    "broadcast": "255.255.255.255",
    # IPv6
    "v6 unspecified": "::",
    "v6 loopback": "::1",
    "v6 link-local": "fe80::1",
    "v6 unique local": "fd00::1",
    "v6 site-local": "fec0::1",
    "v6 multicast": "ff02::1",
    "v6 multicast global": "ff0e::1",
    "v6 documentation": "2001:db8::1",
    "v6 documentation 3fff": "3fff::1",
    "v6 discard": "100::1",
    # IPv4 hidden in IPv6
    "mapped loopback": "::ffff:127.0.0.1",
    "mapped private": "::ffff:10.0.0.1",
    "mapped metadata": "::ffff:169.254.169.254",
    "compatible loopback": "::127.0.0.1",
    "compatible public (deprecated form)": "::8.8.8.8",
    "6to4 of private": "2002:0a00:0001::1",
    "6to4 of loopback": "2002:7f00:0001::1",
    "NAT64 of private": "64:ff9b::a00:1",
    "NAT64 of metadata": "64:ff9b::169.254.169.254",
    "NAT64 local-use": "64:ff9b:1::808:808",
    # Teredo: server 65.54.227.120, client 127.0.0.1 stored bit-inverted (0x80ff_fffe)
    "Teredo client loopback": "2001:0:4136:e378:8000:63bf:80ff:fffe",
    # Teredo: client 10.0.0.1 inverted is f5ff:fffe
    "Teredo client private": "2001:0:4136:e378:8000:63bf:f5ff:fffe",
    # Teredo: server 10.0.0.1, client 8.8.8.8 inverted is f7f7:f7f7
    "Teredo server private": "2001:0:a00:1:8000:63bf:f7f7:f7f7",
}

PUBLIC = {
    "v4 public": "8.8.8.8",
    "v4 just below CGNAT": "100.63.255.255",
    "v4 just above CGNAT": "100.128.0.1",
    "v4 just above 172.16/12": "172.32.0.1",
    "v4 just below benchmarking": "198.17.255.255",
    "v6 public": "2606:4700:4700::1111",
    "mapped public": "::ffff:8.8.8.8",
    "6to4 of public": "2002:0808:0808::1",
    "NAT64 of public": "64:ff9b::8.8.8.8",
    # Teredo: server 65.54.227.120, client 8.8.8.8 (inverted f7f7:f7f7)
    "Teredo client public": "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_refused(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC.values(), ids=PUBLIC.keys())
def test_public(address):
    assert is_public(ipaddress.ip_address(address))


def test_teredo_client_is_read_bit_inverted():
    server, client = ipaddress.ip_address(PUBLIC["Teredo client public"]).teredo
    assert (str(server), str(client)) == ("65.54.227.120", "8.8.8.8")
