"""What the fetcher may reach: schemes, ports, address classes, byte and time budgets.

Decisions:
- Ports: any port except the Fetch Standard's "bad ports" (SMTP, IRC, SSH, ...), the same list
  browsers refuse. Images on :8080 are common; the address check, not the port, keeps requests
  off internal networks, and the bad-port list stops HTTP being aimed at other protocols.
- Addresses: only public unicast, decided by our own tables of the IANA special-purpose registries
  (IPv4 and IPv6), not by ``ipaddress.is_global``: its tables change between Python releases, and
  for IPv6 it calls anything outside a few named ranges global (multicast, ``4000::1``, ``1::1``).
  IPv6 is public only inside global unicast (2000::/3), minus its special-purpose blocks.
- IPv4 carried inside IPv6 is judged by that IPv4: mapped (::ffff:0:0/96, which the kernel sends
  as IPv4), NAT64 (64:ff9b::/96), 6to4 (2002::/16), Teredo (2001::/32: server and client) and
  ISATAP interface ids (…:0:5efe:a.b.c.d, also 200:5efe). The forms with no public route are
  refused whatever they carry: IPv4-compatible (::/96) and SIIT (::ffff:0:0:0/96) lie outside
  2000::/3, and in local-use NAT64 (64:ff9b:1::/48) the IPv4 sits where the operator chose, so it
  cannot be read safely.
- ``allow_cidrs`` lets an operator reach non-public addresses anyway (a LAN, loopback in
  development), optionally on one port only: ``192.168.1.0/24``, ``127.0.0.1:9000``,
  ``[::1]:8080``, ``fd00::/8``. An address matches only an entry of its own family, as written:
  allowing 127.0.0.0/8 does not allow ::1 or ::ffff:127.0.0.1.
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

# Special-purpose blocks and whether an image may be fetched from them. The most specific block
# holding an address decides; an IPv4 address in none of them is public. Blocks IANA calls
# globally reachable (AS112, AMT, ORCHIDv2, ...) are reachable anycast or unicast and stay
# allowed, except the protocol anycast addresses of 192.0.0.0/24 and 2001::/23 (PCP, TURN,
# DNS-SD): IANA calls them reachable, but no image is served from them.
_V4_BLOCKS: dict[str, bool] = {
    "0.0.0.0/8": False,          # "this network"; 0.0.0.0 reaches the local host on Linux
    "10.0.0.0/8": False,         # private
    "100.64.0.0/10": False,      # shared address space (CGNAT)
    "127.0.0.0/8": False,        # loopback
    "169.254.0.0/16": False,     # link-local, cloud metadata
    "172.16.0.0/12": False,      # private
    "192.0.0.0/24": False,       # IETF protocol assignments, all of it (see above)
    "192.0.2.0/24": False,       # documentation TEST-NET-1
    "192.88.99.0/24": False,     # deprecated 6to4 relay anycast
    "192.168.0.0/16": False,     # private
    "198.18.0.0/15": False,      # benchmarking
    "198.51.100.0/24": False,    # documentation TEST-NET-2
    "203.0.113.0/24": False,     # documentation TEST-NET-3
    "224.0.0.0/4": False,        # multicast (its own registry; `is_global` calls 224.0.0.1 global)
    "240.0.0.0/4": False,        # reserved, and 255.255.255.255 limited broadcast
}
_V6_BLOCKS: dict[str, bool] = {
    "::/0": False,               # outside global unicast: reserved, unassigned, ULA, link-local,
                                 # site-local, multicast, loopback, IPv4-compatible, SIIT
    "::ffff:0:0/96": True,       # IPv4-mapped: judged by the IPv4 inside
    "64:ff9b::/96": True,        # NAT64 well-known prefix: judged by the IPv4 inside
    "2000::/3": True,            # global unicast
    "2001::/23": False,          # IETF protocol assignments (incl. benchmarking 2001:2::/48,
                                 # deprecated ORCHID 2001:10::/28, PCP/TURN/DNS-SD anycast)
    "2001::/32": True,           # Teredo: judged by the server and client IPv4
    "2001:3::/32": True,         # AMT
    "2001:4:112::/48": True,     # AS112-v6
    "2001:20::/28": True,        # ORCHIDv2
    "2001:30::/28": True,        # drone remote ID entity tags
    "2001:db8::/32": False,      # documentation
    "2002::/16": True,           # 6to4: judged by the IPv4 inside
    "3fff::/20": False,          # documentation
    "5f00::/16": False,          # SRv6 SIDs
}


def _by_specificity(blocks: dict[str, bool]) -> tuple[tuple[IPNetwork, bool], ...]:
    parsed = ((ipaddress.ip_network(net), public) for net, public in blocks.items())
    return tuple(sorted(parsed, key=lambda row: row[0].prefixlen, reverse=True))


_V4_TABLE = _by_specificity(_V4_BLOCKS)
_V6_TABLE = _by_specificity(_V6_BLOCKS)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
_TEREDO = ipaddress.IPv6Network("2001::/32")
_ISATAP_MARK = 0x00005EFE  # RFC 5214 interface id: 00-00-5E-FE (or 02-00-5E-FE) then the IPv4
_ISATAP_MASK = 0xFCFFFFFF  # ignores the universal/local and group bits of the first octet


def is_public(ip: IPAddress) -> bool:
    """True when ``ip`` is public unicast, judging IPv4 embedded in IPv6 by that IPv4."""
    table = _V4_TABLE if ip.version == 4 else _V6_TABLE
    verdict = next((public for net, public in table if ip in net), True)
    if not verdict or ip.version == 4:
        return verdict
    return all(is_public(v4) for v4 in _embedded_ipv4(ip))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address ``ip`` can carry traffic to: a relay, translator or tunnel would reach it."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    found = []
    if ip in _MAPPED or ip in _NAT64:
        found.append(low32)
    if ip in _SIX_TO_FOUR:
        found.append(ip.sixtofour)
    if ip in _TEREDO:
        found.extend(ip.teredo)  # (server, client); the stdlib undoes the client's bit inversion
    if (int(ip) >> 32) & _ISATAP_MASK == _ISATAP_MARK:  # any prefix, 6to4 included
        found.append(low32)
    return found


def parse_allow_entry(entry: str) -> tuple[IPNetwork, int | None]:
    """One ``allow_cidrs`` entry as (range, port or None for any port).

    Accepted: ``10.0.0.0/8``, ``10.0.0.5``, ``10.0.0.5:9000``, ``10.0.0.0/24:9000``, ``fd00::/8``,
    ``::1``, ``[::1]:8080``, ``[fd00::/8]:8080``. A bare IPv6 entry has no port: its colons are
    the address's own. ValueError names the entry when it is none of these.
    """
    text = entry.strip()
    bracketed = text.startswith("[")
    port_text: str | None = None
    if bracketed:
        inside, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"{entry!r} is not an address, a range or address:port")
        text, port_text = inside, (rest[1:] if rest else None)
    elif text.count(":") == 1:
        text, port_text = text.split(":")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{entry!r} is not an address, a range or address:port") from None
    if bracketed and network.version != 6:
        raise ValueError(f"{entry!r}: brackets are for IPv6 addresses")
    if port_text is None:
        return network, None
    if not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
        raise ValueError(f"{entry!r} has an invalid port")
    return network, int(port_text)


@dataclass(frozen=True)
class FetchPolicy:
    schemes: frozenset[str] = frozenset({"http", "https"})
    blocked_ports: frozenset[int] = BAD_PORTS
    allow_cidrs: tuple[str, ...] = ()  # entries as parse_allow_entry reads them
    max_redirects: int = 10  # image hosts chain CDN, signed-URL and resizer redirects
    deadline_seconds: float = 20.0
    max_bytes: int = 50 * 1024 * 1024
    user_agent: str = "reducer-fetch/1.0"
    ca_file: str | None = None  # None: the system trust store
    _allowed: tuple[tuple[IPNetwork, int | None], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.schemes <= {"http", "https"}:
            raise ValueError("only http and https can be fetched")
        if self.max_redirects < 0 or self.deadline_seconds <= 0 or self.max_bytes <= 0:
            raise ValueError("max_redirects must be >= 0, deadline_seconds and max_bytes > 0")
        object.__setattr__(self, "_allowed", tuple(parse_allow_entry(entry) for entry in self.allow_cidrs))

    def allows_address(self, ip: IPAddress, port: int) -> bool:
        """Public, or allowed by an entry of the same family whose port (if it names one) is ``port``."""
        return is_public(ip) or any(
            ip.version == net.version and ip in net and allowed_port in (None, port)
            for net, allowed_port in self._allowed
        )

    def allows_port(self, port: int) -> bool:
        return 0 < port < 65536 and port not in self.blocked_ports
