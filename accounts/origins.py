"""Per-account source rules: which domains an account may optimize URLs from, and the
credentials it holds for sources behind a password. A domain covers its subdomains."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from . import sealing
from .models import AllowedOrigin, SourceCredential


def covers(domain: str, host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == domain or host.endswith("." + domain)


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def host_rule(account_id: int) -> Callable[[str], bool]:
    """The account's test for source hosts: True when it lists no domains, or the host is one of
    them or below one. Read once, applied to every URL of a request and every redirect."""
    domains = tuple(AllowedOrigin.objects.filter(account_id=account_id).values_list("domain", flat=True))
    return lambda host: not domains or any(covers(domain, host) for domain in domains)


def rule(account_id: int) -> Callable[[str], bool]:
    """``host_rule`` for whole URLs."""
    allows_host = host_rule(account_id)
    return lambda url: allows_host(host_of(url))


def credentials_for(account_id: int, url: str) -> tuple[str, str] | None:
    """The account's basic-auth credentials for the URL's host: the most specific domain wins."""
    host = host_of(url)
    matching = [
        credential
        for credential in SourceCredential.objects.filter(account_id=account_id)
        if covers(credential.domain, host)
    ]
    if not matching:
        return None
    best = max(matching, key=lambda credential: len(credential.domain))
    return best.username, sealing.unseal(best.password)


def set_credential(account_id: int, domain: str, username: str, password: str) -> SourceCredential:
    """Store (or replace) the account's credentials for ``domain``, the password sealed."""
    credential, _ = SourceCredential.objects.update_or_create(
        account_id=account_id,
        domain=domain.strip().strip(".").lower(),
        defaults={"username": username, "password": sealing.seal(password)},
    )
    return credential
