"""Per-account source rules: which domains an account may optimize URLs from."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from .models import AllowedOrigin


def rule(account_id: int) -> Callable[[str], bool]:
    """The account's test for source URLs: True when it lists no domains, or the URL's host is
    one of them or below one. Read once, applied to every URL of a request."""
    domains = tuple(AllowedOrigin.objects.filter(account_id=account_id).values_list("domain", flat=True))

    def allows(url: str) -> bool:
        if not domains:
            return True
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
        return any(host == domain or host.endswith("." + domain) for domain in domains)

    return allows
