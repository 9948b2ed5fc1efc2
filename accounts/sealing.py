"""Sealing secrets kept in the database (source passwords, S3 secret keys, webhook signing
secrets): a database dump alone does not reveal them.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from Django's SECRET_KEY. To rotate that key,
the old one moves to SECRET_KEY_FALLBACKS (REDUCER_SECRET_KEY_FALLBACKS): the newest key seals,
every listed key still opens, and ``manage.py reseal_secrets`` re-seals what is stored under the
newest key, after which the old one can be dropped.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"reducer sealing v1\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    # The first key seals; each is tried in turn to open.
    return MultiFernet([_fernet(key) for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)])


def seal(plain: str) -> str:
    return _keys().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    """The plain secret; cryptography's InvalidToken when no configured key opens it."""
    return _keys().decrypt(sealed.encode()).decode()


def reseal(sealed: str) -> str:
    """The same secret sealed under the newest key; InvalidToken when no configured key opens it."""
    return _keys().rotate(sealed.encode()).decode()
