"""Test-wide safety net: nothing in the test run may reach past this machine.

Installed at pytest_configure, so it covers collection, fixtures and every test. Any connect,
connect_ex or sendto to an address that is not loopback, and any getaddrinfo for a name other than
localhost or an IP literal (a DNS query leaves the machine), raises NetworkGuardError before the
real call runs, and the test fails even if the code under test swallowed the error. Every connect
attempt is logged so a test can assert that a refusal happened before any connect.
Tests that need a name resolved must inject the answer instead.

Service processes that the tests start (web server, cluster) run under the same guard through
``python -m tests.guarded ...``; their refusals are appended to the file named by
GUARD_LOG_VARIABLE, which this plugin reads after every test.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest


class NetworkGuardError(AssertionError):
    """Raised instead of letting a test talk to a non-loopback address."""


connect_attempts: list[Any] = []  # every address passed to connect/connect_ex, this test
_violations: list[str] = []
_originals: dict[str, Any] = {}
_LOCAL_NAMES = ("localhost", "localhost.", "ip6-localhost")
GUARD_LOG_VARIABLE = "REDUCER_TEST_NETWORK_GUARD_LOG"
_service_log: list[str] = []  # set in service processes: where their refusals are reported


def take_violations() -> list[str]:
    """Hand over (and forget) the violations so far: for tests that provoke one on purpose."""
    taken = list(_violations)
    _violations.clear()
    return taken


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _check(sock: socket.socket, address: Any, action: str) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback(host):
        _refuse(f"{action} to {address!r}")


def _refuse(what: str) -> None:
    message = f"network guard: blocked {what}; tests must not leave this machine"
    _violations.append(message)
    if _service_log:
        with open(_service_log[0], "a") as log:
            log.write(f"[pid {os.getpid()}] {message}\n")
    raise NetworkGuardError(message)


def _guarded_connect(self: socket.socket, address: Any) -> None:
    connect_attempts.append(address)
    _check(self, address, "connect")
    return _originals["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    connect_attempts.append(address)
    _check(self, address, "connect")
    return _originals["connect_ex"](self, address)


def _guarded_sendto(self: socket.socket, data: bytes, *args: Any) -> int:
    _check(self, args[-1], "sendto")
    return _originals["sendto"](self, data, *args)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is not None and not _is_loopback(host) and not _is_ip_literal(host):
        _refuse(f"DNS lookup of {host!r} (inject the answer instead)")
    return _originals["getaddrinfo"](host, *args, **kwargs)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


def install(report_to: str | None = None) -> None:
    """Put the guard in place in this process (and the processes it forks).

    A service process passes ``report_to``: its refusals are also appended there, for the
    test run to find.
    """
    if report_to:
        _service_log.append(report_to)
    for name in ("connect", "connect_ex", "sendto"):
        _originals[name] = getattr(socket.socket, name)
    _originals["getaddrinfo"] = socket.getaddrinfo
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _guarded_sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _guarded_getaddrinfo


def pytest_configure(config: pytest.Config) -> None:
    install()
    descriptor, log_path = tempfile.mkstemp(prefix="network-guard-", suffix=".log")
    os.close(descriptor)
    os.environ[GUARD_LOG_VARIABLE] = log_path  # inherited by every process the tests start


def pytest_unconfigure(config: pytest.Config) -> None:
    for name in ("connect", "connect_ex", "sendto"):
        setattr(socket.socket, name, _originals.pop(name))
    socket.getaddrinfo = _originals.pop("getaddrinfo")
    os.unlink(os.environ.pop(GUARD_LOG_VARIABLE))


def _service_violations() -> list[str]:
    """Refusals logged by service processes since the last look (the log is emptied)."""
    log_path = os.environ[GUARD_LOG_VARIABLE]
    with open(log_path, "r+") as log:
        lines = log.read().splitlines()
        log.truncate(0)
    return lines


@pytest.fixture(autouse=True)
def _network_guard() -> Iterator[None]:
    connect_attempts.clear()
    yield
    violations = take_violations() + _service_violations()
    if violations:
        pytest.fail("\n".join(violations), pytrace=False)
