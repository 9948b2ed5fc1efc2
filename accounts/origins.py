"""Per-account source rules: which domains an account may optimize URLs from."""

from __future__ import annotations

from urllib.parse import urlsplit

from .models import AllowedOrigin


def allows(account_id: int, url: str) -> bool:
    """True when the account lists no domains, or the URL's host is one of them or below one."""
    domains = list(AllowedOrigin.objects.filter(account_id=account_id).values_list("domain", flat=True))
    if not domains:
        return True
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)
