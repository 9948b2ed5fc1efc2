"""is_public, table-driven over both IANA special-purpose registries (IPv4 and IPv6) plus the
multicast and unassigned space around them: representative addresses, edges included.

The verdicts are ours, not ``ipaddress.is_global``'s: Python calls IPv6 multicast, reserved and
unassigned space global (``4000::1``, ``1::1``, ``ff0e::1``), and IPv4 multicast too, and its
tables differ between releases. Rows where the two disagree say so.
"""

import ipaddress

import pytest

from optimizer.fetch import is_public

# (address, allowed, why)
IPV4 = [
    # 0.0.0.0/8 "this network" (0.0.0.0/32 "this host"): connecting to 0.0.0.0 reaches this machine
    ("0.0.0.0", False, "this host on this network"),
    ("0.1.2.3", False, "this network"),
    ("0.255.255.255", False, "this network, top"),
    ("1.0.0.0", True, "just above 0.0.0.0/8"),
    ("10.0.0.0", False, "private 10/8"),
    ("10.255.255.255", False, "private 10/8, top"),
    ("9.255.255.255", True, "just below 10/8"),
    ("11.0.0.0", True, "just above 10/8"),
    ("100.64.0.0", False, "shared address space (CGNAT)"),
    ("100.127.255.255", False, "shared address space, top"),
    ("100.63.255.255", True, "just below CGNAT"),
    ("100.128.0.0", True, "just above CGNAT"),
    ("127.0.0.1", False, "loopback"),
    ("127.255.255.254", False, "loopback, elsewhere in 127/8"),
    ("126.255.255.255", True, "just below loopback"),
    ("128.0.0.0", True, "just above loopback"),
    ("169.254.169.254", False, "link-local: cloud metadata"),
    ("169.254.0.1", False, "link-local"),
    ("169.253.255.255", True, "just below link-local"),
    ("169.255.0.0", True, "just above link-local"),
    ("172.16.0.1", False, "private 172.16/12"),
    ("172.31.255.254", False, "private 172.16/12, top"),
    ("172.15.255.255", True, "just below 172.16/12"),
    ("172.32.0.1", True, "just above 172.16/12"),
    ("192.0.0.1", False, "IPv4 service continuity prefix 192.0.0.0/29"),
    ("192.0.0.8", False, "IPv4 dummy address"),
    # IANA calls these two globally reachable; they are protocol anycast, never an image host
    ("192.0.0.9", False, "port control protocol anycast (is_global: True on 3.11+)"),
    ("192.0.0.10", False, "TURN anycast (is_global: True on 3.11+)"),
    ("192.0.0.170", False, "NAT64/DNS64 discovery"),
    ("192.0.0.171", False, "NAT64/DNS64 discovery"),
    ("192.0.0.255", False, "IETF protocol assignments 192.0.0.0/24, unlisted"),
    ("192.0.1.1", True, "just above 192.0.0.0/24"),
    ("192.0.2.10", False, "documentation TEST-NET-1"),
    ("192.31.196.1", True, "AS112-v4 (globally reachable)"),
    ("192.52.193.1", True, "AMT (globally reachable)"),
    ("192.88.99.1", False, "deprecated 6to4 relay anycast"),
    ("192.88.99.2", False, "6a44 relay anycast, inside the deprecated block"),
    ("192.168.1.1", False, "private 192.168/16"),
    ("192.167.255.255", True, "just below 192.168/16"),
    ("192.169.0.0", True, "just above 192.168/16"),
    ("192.175.48.1", True, "direct delegation AS112 (globally reachable)"),
    ("198.18.0.1", False, "benchmarking"),
    ("198.19.255.255", False, "benchmarking, top"),
    ("198.17.255.255", True, "just below benchmarking"),
    ("198.20.0.0", True, "just above benchmarking"),
    ("198.51.100.7", False, "documentation TEST-NET-2"),
    ("203.0.113.9", False, "documentation TEST-NET-3"),
    ("224.0.0.1", False, "multicast, local (is_global: True)"),
    ("239.255.255.250", False, "multicast, SSDP"),
    ("223.255.255.255", True, "just below multicast"),
    ("240.0.0.1", False, "reserved for future use"),
    ("255.255.255.254", False, "reserved, top"),
    ("255.255.255.255", False, "limited broadcast"),
    ("8.8.8.8", True, "public"),
    ("1.1.1.1", True, "public"),
]

IPV6 = [
    # --- outside global unicast (2000::/3): never public, whatever it carries -------------------
    ("::", False, "unspecified"),
    ("::1", False, "loopback"),
    ("::127.0.0.1", False, "IPv4-compatible (deprecated) of loopback"),
    ("::8.8.8.8", False, "IPv4-compatible of a public IPv4: no route, refused"),
    ("::ffff:0:127.0.0.1", False, "SIIT IPv4-translated of loopback (is_global: True)"),
    ("::ffff:0:8.8.8.8", False, "SIIT of a public IPv4: no route, refused"),
    ("::5efe:127.0.0.1", False, "ISATAP interface id of loopback, no prefix (is_global: True)"),
    ("::200:5efe:808:808", False, "ISATAP of a public IPv4 outside 2000::/3"),
    ("::1:7f00:1", False, "reserved ::/8 (is_global: True)"),
    ("64:ff9b:1::808:808", False, "local-use NAT64: the IPv4's position is the operator's choice"),
    ("64:ff9b:1:808:800:8::", False, "local-use NAT64, a /48-style embedding"),
    ("100::1", False, "discard-only"),
    ("100::ffff:ffff:ffff:ffff", False, "discard-only, top"),
    ("100:0:0:1::1", False, "dummy IPv6 prefix"),
    ("1::1", False, "reserved ::/8 (is_global: True)"),
    ("200::1", False, "reserved 200::/7 (is_global: True)"),
    ("400::1", False, "reserved 400::/6"),
    ("800::1", False, "reserved 800::/5"),
    ("1000::1", False, "reserved 1000::/4"),
    ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", False, "just below 2000::/3"),
    ("4000::1", False, "unassigned 4000::/3 (is_global: True)"),
    ("4000::", False, "just above 2000::/3"),
    ("5f00::1", False, "SRv6 SIDs"),
    ("6000::1", False, "unassigned 6000::/3"),
    ("8000::1", False, "unassigned 8000::/3 (is_global: True)"),
    ("a000::1", False, "unassigned a000::/3"),
    ("c000::1", False, "unassigned c000::/3"),
    ("e000::1", False, "unassigned e000::/4"),
    ("f000::1", False, "unassigned f000::/5"),
    ("f800::1", False, "unassigned f800::/6"),
    ("fc00::1", False, "unique local"),
    ("fd12:3456::1", False, "unique local"),
    ("fe00::1", False, "unassigned fe00::/9"),
    ("fe80::1", False, "link-local"),
    ("febf:ffff::1", False, "link-local, top"),
    ("fec0::1", False, "deprecated site-local"),
    ("ff02::1", False, "multicast, link scope"),
    ("ff0e::1", False, "multicast, global scope (is_global: True)"),
    # --- judged by the IPv4 inside ----------------------------------------------------------------
    ("::ffff:127.0.0.1", False, "IPv4-mapped loopback"),
    ("::ffff:10.0.0.1", False, "IPv4-mapped private"),
    ("::ffff:169.254.169.254", False, "IPv4-mapped metadata"),
    ("::ffff:0.0.0.0", False, "IPv4-mapped this-host"),
    ("::ffff:8.8.8.8", True, "IPv4-mapped public"),
    ("64:ff9b::127.0.0.1", False, "NAT64 of loopback"),
    ("64:ff9b::a00:1", False, "NAT64 of private"),
    ("64:ff9b::169.254.169.254", False, "NAT64 of metadata"),
    ("64:ff9b::8.8.8.8", True, "NAT64 of public"),
    ("2002::1", False, "6to4 of 0.0.0.0"),
    ("2002:a00:1::1", False, "6to4 of private"),
    ("2002:7f00:1::1", False, "6to4 of loopback"),
    ("2002:a9fe:a9fe::1", False, "6to4 of metadata"),
    ("2002:808:808::1", True, "6to4 of public"),
    ("2002:808:808::5efe:a00:1", False, "6to4 of public, ISATAP interface id of private"),
    # Teredo: server in bits 32-63, client in the last 32 bits, bit-inverted
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", False, "Teredo, client 127.0.0.1"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False, "Teredo, client 10.0.0.1"),
    ("2001:0:a00:1:8000:63bf:f7f7:f7f7", False, "Teredo, server 10.0.0.1"),
    ("2001:0:a9fe:a9fe:8000:63bf:f7f7:f7f7", False, "Teredo, server 169.254.169.254"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", True, "Teredo, server and client public"),
    # ISATAP: 0000:5efe or 0200:5efe (u/g bits ignored) then the IPv4, under any prefix
    ("2001:4860::5efe:7f00:1", False, "ISATAP of loopback"),
    ("2001:4860::200:5efe:a00:1", False, "ISATAP (u bit) of private"),
    ("2001:4860::100:5efe:a00:1", False, "ISATAP (g bit) of private"),
    ("2001:4860::300:5efe:a9fe:a9fe", False, "ISATAP (u and g bits) of metadata"),
    ("2001:4860::200:5efe:808:808", True, "ISATAP of public"),
    # --- special-purpose blocks inside 2000::/3 ---------------------------------------------------
    ("2001:1::1", False, "PCP anycast: globally reachable per IANA, never an image host"),
    ("2001:1::2", False, "TURN anycast: as above"),
    ("2001:1::3", False, "DNS-SD service registration anycast: as above"),
    ("2001:2::1", False, "benchmarking"),
    ("2001:3::1", True, "AMT (globally reachable; is_global: False on 3.11.7)"),
    ("2001:4:112::1", True, "AS112-v6 (globally reachable)"),
    ("2001:10::1", False, "deprecated ORCHID"),
    ("2001:20::1", True, "ORCHIDv2 (globally reachable)"),
    ("2001:30::1", True, "drone remote ID entity tags (globally reachable)"),
    ("2001:100::1", False, "IETF protocol assignments 2001::/23, unlisted"),
    ("2001:1ff:ffff::1", False, "IETF protocol assignments, top"),
    ("2001:200::1", True, "just above 2001::/23"),
    ("2001:db8::1", False, "documentation"),
    ("2001:db8:ffff::1", False, "documentation, top"),
    ("2001:db9::1", True, "just above documentation"),
    ("2620:4f:8000::1", True, "direct delegation AS112 (globally reachable)"),
    ("3fff::1", False, "documentation 3fff::/20"),
    ("3fff:fff::1", False, "documentation 3fff::/20, top"),
    ("3fff:1000::1", True, "just above 3fff::/20"),
    ("2000::1", True, "global unicast, bottom"),
    ("3ffe::1", True, "global unicast (former 6bone)"),
    ("2606:4700:4700::1111", True, "public"),
    ("2a00:1450:4001::1", True, "public"),
]


@pytest.mark.parametrize(("address", "allowed", "why"), IPV4 + IPV6, ids=[row[0] for row in IPV4 + IPV6])
def test_address_class(address, allowed, why):
    assert is_public(ipaddress.ip_address(address)) is allowed, why


def test_teredo_client_is_read_bit_inverted():
    server, client = ipaddress.ip_address("2001:0:4136:e378:8000:63bf:f7f7:f7f7").teredo
    assert (str(server), str(client)) == ("65.54.227.120", "8.8.8.8")
