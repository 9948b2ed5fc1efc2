"""Where the fetch policy is enforced.

One hop: validate the URL, resolve the host once, refuse unless every answer is allowed, then
connect to those checked addresses only (the Host header, TLS SNI and certificate check use the
name). Redirects are followed here, by hand, each hop checked again. One deadline covers DNS,
connects, TLS, headers and body of every hop: a watchdog shuts the socket when it passes, because
socket timeouts only bound a single read. Bodies are streamed against the byte cap, and a gzip or
deflate body is inflated in bounded steps, so a bomb stops at the cap. Only 200 is a success.

The resolver is injectable: ``(host, port) -> IP strings``; the default asks getaddrinfo.
``host_allowed`` lets the caller restrict the hosts of the URL and of every redirect target (an
account's source domains), so a redirect cannot carry a fetch outside them.

``post`` sends a body (webhooks) through the same guard, on one hop: a redirect is answered as
its status, never followed.

Credentials come only from ``auth``; URLs carrying ``user:pass@`` are refused so a secret never
travels in a URL that gets logged or echoed. ``auth`` is sent only while the redirect chain stays on
the original origin (an http -> https upgrade on the default ports counts as the same origin).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Self
from urllib.parse import quote, urljoin, urlsplit

from .errors import (
    DownloadFailed,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
    OriginNotAllowed,
    TooLarge,
)
from .policy import FetchPolicy, IPAddress

Resolver = Callable[[str, int], Iterable[str]]
HostRule = Callable[[str], bool]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_CHUNK = 64 * 1024
_HOST = re.compile(r"[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?")  # a name (after IDNA) or an IP
_KNOWN_STATUSES = frozenset(HTTPStatus)
# Characters kept as they are in a request target; anything else (spaces, non-ASCII) is escaped.
_SAFE = "/%:@!$&'()*+,;=-._~?"


@dataclass(frozen=True)
class Fetched:
    data: bytes
    final_url: str
    content_type: str | None
    status: int


@dataclass(frozen=True)
class _Target:
    url: str
    scheme: str
    host: str  # ASCII (IDNA), no brackets
    port: int
    path: str  # request target: path and query

    def same_origin(self, other: _Target) -> bool:
        if self.host != other.host:
            return False
        if (self.scheme, self.port) == (other.scheme, other.port):
            return True
        return (self.scheme, self.port, other.scheme, other.port) == ("http", 80, "https", 443)


def system_resolver(host: str, port: int) -> list[str]:
    """The default resolver: every distinct address the system resolver returns."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    auth: tuple[str, str] | None = None,
    resolver: Resolver | None = None,
    host_allowed: HostRule | None = None,
) -> Fetched:
    """Download ``url`` under ``policy``; raise a ``FetchError`` subclass on any refusal."""
    resolve = resolver or system_resolver
    target = _parse(url, policy, "The URL")
    _check_host(target, host_allowed)
    with _Deadline(policy.deadline_seconds) as deadline:
        for _ in range(policy.max_redirects + 1):
            result = _hop(target, policy, auth, resolve, deadline)
            if isinstance(result, Fetched):
                return result
            following = _parse(urljoin(target.url, result), policy, "The redirect target")
            _check_host(following, host_allowed)
            if auth is not None and not target.same_origin(following):
                auth = None  # never hand the credentials to another origin
            target = following
    raise DownloadFailed(f"The URL redirected more than {policy.max_redirects} times.")


def post(
    url: str,
    policy: FetchPolicy,
    body: bytes,
    headers: dict[str, str],
    *,
    resolver: Resolver | None = None,
) -> int:
    """POST ``body`` to ``url`` under ``policy`` and return the answer's status code.

    Redirects are returned, not followed. Up to 64 KiB of the answer is read and dropped.
    Refusals and transport failures raise a ``FetchError`` subclass, as ``fetch`` does.
    """
    target = _parse(url, policy, "The URL")
    with _Deadline(policy.deadline_seconds) as deadline:
        conn = _connect(target, policy, resolver or system_resolver, deadline)
        sent = {"User-Agent": policy.user_agent, **headers, "Connection": "close"}
        try:
            conn.request("POST", target.path, body=body, headers=sent)
            response = conn.getresponse()
            response.read(_CHUNK)
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            raise _transport_error(exc, target, deadline, doing="deliver to") from exc
        finally:
            conn.close()


def check_url(url: str, policy: FetchPolicy, what: str = "The URL") -> None:
    """Refuse a URL the policy can never fetch (scheme, syntax, credentials, port) without any
    network traffic; its addresses are checked when it is used."""
    _parse(url, policy, what)


def checked_addresses(
    url: str, policy: FetchPolicy, what: str = "The URL", *, resolver: Resolver | None = None
) -> list[IPAddress]:
    """Resolve ``url``'s host once and return its addresses if ``policy`` allows every one.

    For a client that makes its own connections (boto3 to an S3 endpoint): the same refusals as
    ``fetch`` (InvalidURL, ForbiddenAddress, DownloadFailed, FetchTimeout) before it is used. That
    client resolves again, so unlike ``fetch`` its connection is not pinned to these addresses.
    """
    target = _parse(url, policy, what)
    with _Deadline(policy.deadline_seconds) as deadline:
        return _checked_addresses(target, policy, resolver or system_resolver, deadline)


def _check_host(target: _Target, host_allowed: HostRule | None) -> None:
    if host_allowed is not None and not host_allowed(target.host):
        raise OriginNotAllowed(f"{target.host} is not one of the domains this account may fetch from.")


def _parse(url: str, policy: FetchPolicy, what: str) -> _Target:
    """``what`` names the URL in refusals ("The URL", "The redirect target")."""
    if any((ord(c) < 0x21 and c != " ") or ord(c) == 0x7F for c in url):
        raise InvalidURL(f"{what} contains control characters.")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, as JSON's "\\ud800" decodes to
        raise InvalidURL(f"{what} is malformed.") from None
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname
    except ValueError as exc:
        raise InvalidURL(f"{what} is malformed.") from exc
    scheme = parts.scheme.lower()
    if scheme not in policy.schemes:
        prefixes = " or ".join(f"{s}://" for s in sorted(policy.schemes))
        raise InvalidURL(f"{what} must start with {prefixes}.")
    if not hostname:
        raise InvalidURL(f"{what} has no host.")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL(f"{what} contains credentials; send them as user and pass instead.")
    try:
        host = hostname.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    if not _HOST.fullmatch(host):
        raise InvalidURL(f"{what} has an invalid host name.")
    if ":" not in host and _ends_in_number(host):
        host = str(_ipv4_literal(host, what))
    port = port if port is not None else _DEFAULT_PORTS[scheme]
    if not policy.allows_port(port):
        raise ForbiddenAddress(f"{what} uses port {port}, which is not allowed.")
    path = quote(parts.path or "/", safe=_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE)
    return _Target(parts._replace(fragment="").geturl(), scheme, host, port, path)


def _ends_in_number(host: str) -> bool:
    """The URL Standard's test for a host that must be an IPv4 address (``127.1``, ``0x7f.1``,
    ``2130706433``, ``0.0.0.0.``), as browsers and inet_aton read it, not a name to look up."""
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()  # one trailing dot, as in a fully qualified name
    last = labels[-1]
    return (last != "" and last.isascii() and last.isdigit()) or _ipv4_number(last) is not None


def _ipv4_number(part: str) -> int | None:
    """One dotted part: decimal, octal with a leading 0, or hex with 0x; None if it is none."""
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0 if base == 16 else None  # "0x" alone is zero; an empty part is no number
    if not (digits.isascii() and digits.isalnum()):  # int() would also take signs, spaces and _
        return None
    try:
        return int(digits, base)
    except ValueError:
        return None


def _ipv4_literal(host: str, what: str) -> ipaddress.IPv4Address:
    """The address a numeric host names; InvalidURL when it is numeric but no address (as browsers)."""
    labels = host.split(".")
    if labels[-1] == "":
        labels.pop()
    numbers = [_ipv4_number(label) for label in labels]
    invalid = InvalidURL(f"{what} has an invalid IPv4 address as its host.")
    if len(numbers) > 4 or None in numbers:
        raise invalid
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise invalid
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(leading))
    return ipaddress.IPv4Address(value)


def _hop(
    target: _Target,
    policy: FetchPolicy,
    auth: tuple[str, str] | None,
    resolve: Resolver,
    deadline: _Deadline,
) -> Fetched | str:
    """One request: the Fetched result, or the Location of a redirect."""
    conn = _connect(target, policy, resolve, deadline)
    headers = {"User-Agent": policy.user_agent, "Accept": "image/*,*/*;q=0.8", "Connection": "close"}
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    try:
        conn.request("GET", target.path, headers=headers)
        response = conn.getresponse()
        if response.status in _REDIRECTS:
            location = response.getheader("Location")
            if not location:
                raise DownloadFailed(f"{target.host} sent a redirect without a Location.")
            return location
        if response.status != 200:
            # The standard phrase, not the server's: its reason text is not ours to show.
            phrase = HTTPStatus(response.status).phrase if response.status in _KNOWN_STATUSES else ""
            raise DownloadFailed(f"{target.host} answered HTTP {response.status} {phrase}".rstrip() + ".")
        data = _read_body(response, target, policy, deadline)
        content_type = response.getheader("Content-Type")
        return Fetched(
            data=data,
            final_url=target.url,
            content_type=content_type.split(";")[0].strip().lower() if content_type else None,
            status=response.status,
        )
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, zlib.error) as exc:
        raise _transport_error(exc, target, deadline) from exc
    finally:
        conn.close()


def _connect(target: _Target, policy: FetchPolicy, resolve: Resolver, deadline: _Deadline) -> _PinnedConnection:
    addresses = _checked_addresses(target, policy, resolve, deadline)
    tls = None
    if target.scheme == "https":
        tls = ssl.create_default_context(cafile=policy.ca_file)
    return _PinnedConnection(target.host, target.port, addresses, deadline, tls)


def _transport_error(exc: Exception, target: _Target, deadline: _Deadline, doing: str = "download from") -> FetchError:
    if deadline.expired or isinstance(exc, TimeoutError):
        return deadline.error()
    if isinstance(exc, ssl.SSLCertVerificationError):
        return DownloadFailed(f"The TLS certificate of {target.host} is not valid.")
    if isinstance(exc, zlib.error):
        return DownloadFailed(f"{target.host} sent a corrupt compressed body.")
    return DownloadFailed(f"Could not {doing} {target.host}.")


def _checked_addresses(
    target: _Target, policy: FetchPolicy, resolve: Resolver, deadline: _Deadline
) -> list[IPAddress]:
    try:
        addresses = [ipaddress.ip_address(target.host)]
    except ValueError:
        addresses = _resolve(target.host, target.port, resolve, deadline)
    # Refuse if any answer is off limits: with a mixed answer the address used would be luck.
    if not all(policy.allows_address(ip, target.port) for ip in addresses):
        raise ForbiddenAddress(f"{target.host} is not a publicly reachable address.")
    return addresses


def _resolve(host: str, port: int, resolve: Resolver, deadline: _Deadline) -> list[IPAddress]:
    # getaddrinfo has no timeout of its own: wait for it only as long as the deadline allows.
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["answers"] = list(resolve(host, port))
        except Exception as exc:  # re-raised in the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="fetch-resolve", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise FetchTimeout(f"Resolving {host} took too long.")
    error = outcome.get("error")
    if isinstance(error, OSError):
        raise DownloadFailed(f"Could not resolve {host}.") from error
    if error is not None:
        raise error
    answers = outcome["answers"]
    if not answers:
        raise DownloadFailed(f"Could not resolve {host}.")
    try:
        return [ipaddress.ip_address(a) for a in answers]
    except ValueError as exc:  # fail closed on an answer we cannot judge
        raise ForbiddenAddress(f"{host} is not a publicly reachable address.") from exc


def _read_body(
    response: http.client.HTTPResponse, target: _Target, policy: FetchPolicy, deadline: _Deadline
) -> bytes:
    cap = policy.max_bytes
    too_large = TooLarge(f"The file at {target.host} is larger than {_size(cap)}.")
    length = _content_length(response, target)
    if length is not None and length > cap:
        raise too_large
    inflater = _inflater(response.getheader("Content-Encoding"), target)
    body = bytearray()
    received = 0
    while chunk := response.read1(_CHUNK):
        deadline.remaining()
        received += len(chunk)
        if received > cap:  # wire bytes are capped too, not only what they inflate to
            raise too_large
        body += inflater.feed(chunk, cap - len(body) + 1) if inflater else chunk
        if len(body) > cap:
            raise too_large
    if deadline.expired:  # the watchdog cut the body short
        raise deadline.error()
    if (length is not None and received != length) or (inflater and not inflater.complete):
        raise DownloadFailed(f"The connection to {target.host} closed before the file was complete.")
    return bytes(body)


def _content_length(response: http.client.HTTPResponse, target: _Target) -> int | None:
    if response.chunked:
        return None
    value = response.getheader("Content-Length")
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        length = -1
    if length < 0:
        raise DownloadFailed(f"{target.host} sent an invalid Content-Length.")
    return length


class _Inflater:
    """gzip or zlib-wrapped deflate, inflated at most ``limit`` bytes per call."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # accepts gzip and zlib headers
        self.complete = False  # the last stream ended and nothing followed it

    def feed(self, data: bytes, limit: int) -> bytes:
        out = bytearray()
        while data and len(out) < limit:
            out += self._inflate.decompress(data, limit - len(out))
            if self._inflate.eof:  # a gzip body may hold several members in a row
                data = self._inflate.unused_data
                self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)
                self.complete = not data
            else:
                data = self._inflate.unconsumed_tail
                self.complete = False
        return bytes(out)


def _inflater(encoding: str | None, target: _Target) -> _Inflater | None:
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Inflater()
    raise DownloadFailed(f"{target.host} sent an unsupported Content-Encoding.")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n} bytes"


class _Deadline:
    """The monotonic end of the whole fetch, plus a watchdog that shuts the live socket at that end."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self._seconds = seconds
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0 or self.expired:
            raise self.error()
        return left

    def error(self) -> FetchTimeout:
        return FetchTimeout(f"The download did not finish within {self._seconds:g} seconds.")

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                _shutdown(self._sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected yet or already closed: connect has a timeout
        sock.shutdown(socket.SHUT_RDWR)


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to pre-checked addresses; the name serves only Host, SNI and TLS."""

    def __init__(
        self,
        host: str,
        port: int,
        addresses: list[IPAddress],
        deadline: _Deadline,
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__(host, port)
        self._addresses = addresses
        self._deadline = deadline
        self._tls = tls
        self.default_port = 443 if tls else 80  # Host header without the default port

    def connect(self) -> None:
        sock = self._open()
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def _open(self) -> socket.socket:
        error: OSError | None = None
        for ip in self._addresses:
            family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            self._deadline.watch(sock)
            try:
                sock.settimeout(self._deadline.remaining())
                sock.connect((str(ip), self.port))
                return sock
            except OSError as exc:
                sock.close()
                error = exc
            except BaseException:
                sock.close()
                raise
        assert error is not None
        raise error
