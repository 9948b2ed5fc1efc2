"""API keys: made, stored as a digest, looked up, revoked.

ShortPixel clients (the WordPress plugin, the SDK's CLI) accept only 20 alphanumeric characters,
so every key has exactly that shape. 20 characters from 62 give about 119 bits, enough that a
plain SHA-256 digest is a safe thing to store and index.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from datetime import timedelta

from django.utils import timezone

from .models import Account, ApiKey

KEY_LENGTH = 20
_ALPHABET = string.ascii_letters + string.digits
_KEY_SHAPE = re.compile(rf"[A-Za-z0-9]{{{KEY_LENGTH}}}")
# last_used_at is a hint for the operator; writing it on every call would cost a write per request.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyRejected(Exception):
    """Why a presented key does not authenticate: missing, malformed, unknown, revoked or inactive."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(account: Account, label: str = "") -> tuple[ApiKey, str]:
    """Create a key for the account; the plain key is returned here and never again."""
    plain = "".join(secrets.choice(_ALPHABET) for _ in range(KEY_LENGTH))
    api_key = ApiKey.objects.create(account=account, label=label, prefix=plain[:4], digest=digest(plain))
    return api_key, plain


def revoke(api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate(presented: str | None) -> Account:
    """The active account that owns ``presented``, or KeyRejected saying why not."""
    if not presented:
        raise KeyRejected("missing", "No API key was given.")
    if not isinstance(presented, str) or not _KEY_SHAPE.fullmatch(presented):
        raise KeyRejected("malformed", "The API key must be 20 letters and digits.")
    wanted = digest(presented)
    # The plan comes in the same query: every face reads its limits and balances next.
    api_key = ApiKey.objects.select_related("account__plan").filter(digest=wanted).first()
    if api_key is None or not hmac.compare_digest(api_key.digest, wanted):
        raise KeyRejected("unknown", "The API key is not valid.")
    if api_key.is_revoked:
        raise KeyRejected("revoked", "The API key has been revoked.")
    if not api_key.account.is_active:
        raise KeyRejected("inactive", "The account of this API key is disabled.")
    now = timezone.now()
    # Decided on the row just read, not in the UPDATE's WHERE: an UPDATE that changes no row still
    # takes SQLite's one write lock, and every poll would queue on it.
    if api_key.last_used_at is None or api_key.last_used_at < now - _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key.account
