"""What the fetcher may reach: schemes, ports, address classes, byte and time budgets.

Decisions:
- Ports: any port except the Fetch Standard's "bad ports" (SMTP, IRC, SSH, ...), the same list
  browsers refuse. Images on :8080 are common; the address check, not the port, keeps requests
  off internal networks, and the bad-port list stops HTTP being aimed at other protocols.
- Addresses: only public unicast. IPv4 hidden in IPv6 is judged by the IPv4 inside it.
  IPv4-compatible (::/96, deprecated) and local-use NAT64 (64:ff9b:1::/48, where the IPv4 sits at
  an operator-chosen position) are refused outright.
- ``allow_cidrs`` lets an operator reach ranges anyway (a LAN, loopback in development). An address
  matches only a range of its own family, as written: allowing 127.0.0.0/8 does not allow ::1 or
  ::ffff:127.0.0.1.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# https://fetch.spec.whatwg.org/#bad-port
BAD_PORTS = frozenset({
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
    103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
    512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
    995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
    6669, 6679, 6697, 10080,
})

# Listed explicitly although `is_global` covers most of them: its tables differ between Python
# releases and it calls multicast global.
_NOT_PUBLIC_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8",          # "this network", unspecified
    "10.0.0.0/8",         # private
    "100.64.0.0/10",      # CGNAT shared space
    "127.0.0.0/8",        # loopback
    "169.254.0.0/16",     # link-local, cloud metadata
    "172.16.0.0/12",      # private
    "192.0.0.0/24",       # IETF protocol assignments
    "192.0.2.0/24",       # documentation TEST-NET-1
    "192.88.99.0/24",     # deprecated 6to4 relay anycast
    "192.168.0.0/16",     # private
    "198.18.0.0/15",      # benchmarking
    "198.51.100.0/24",    # documentation TEST-NET-2
    "203.0.113.0/24",     # documentation TEST-NET-3
    "224.0.0.0/4",        # multicast
    "240.0.0.0/4",        # reserved, includes broadcast 255.255.255.255
))
_NOT_PUBLIC_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/96",              # unspecified, loopback, deprecated IPv4-compatible
    "64:ff9b:1::/48",     # local-use NAT64
    "100::/64",           # discard-only
    "2001:db8::/32",      # documentation
    "3fff::/20",          # documentation
    "5f00::/16",          # SRv6 SIDs
    "fc00::/7",           # unique local
    "fe80::/10",          # link-local
    "fec0::/10",          # deprecated site-local
    "ff00::/8",           # multicast
))
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")


def is_public(ip: IPAddress) -> bool:
    """True when ``ip`` is public unicast, judging IPv4 embedded in IPv6 by that IPv4."""
    if ip.version == 4:
        return ip.is_global and not any(ip in net for net in _NOT_PUBLIC_V4)
    if any(ip in net for net in _NOT_PUBLIC_V6):
        return False
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return all(is_public(v4) for v4 in embedded)
    return ip.is_global


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...] | None:
    if ip in _MAPPED:
        return (ip.ipv4_mapped,)
    if ip in _NAT64:
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip in _SIX_TO_FOUR:
        return (ip.sixtofour,)
    if ip in _TEREDO:
        server, client = ip.teredo  # the client address is stored bit-inverted; stdlib undoes it
        return (server, client)
    return None


@dataclass(frozen=True)
class FetchPolicy:
    schemes: frozenset[str] = frozenset({"http", "https"})
    blocked_ports: frozenset[int] = BAD_PORTS
    allow_cidrs: tuple[str, ...] = ()
    max_redirects: int = 3
    deadline_seconds: float = 20.0
    max_bytes: int = 50 * 1024 * 1024
    user_agent: str = "reducer-fetch/1.0"
    ca_file: str | None = None  # None: the system trust store
    _allowed_networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.schemes <= {"http", "https"}:
            raise ValueError("only http and https can be fetched")
        if self.max_redirects < 0 or self.deadline_seconds <= 0 or self.max_bytes <= 0:
            raise ValueError("max_redirects must be >= 0, deadline_seconds and max_bytes > 0")
        networks = tuple(ipaddress.ip_network(c.strip(), strict=False) for c in self.allow_cidrs)
        object.__setattr__(self, "_allowed_networks", networks)

    def allows_address(self, ip: IPAddress) -> bool:
        return is_public(ip) or any(
            ip.version == net.version and ip in net for net in self._allowed_networks
        )

    def allows_port(self, port: int) -> bool:
        return 0 < port < 65536 and port not in self.blocked_ports
