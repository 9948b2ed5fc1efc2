"""Sealing secrets kept in the database (source passwords): a dump alone does not reveal them.

Fernet (AES-128-CBC + HMAC-SHA256) keyed from REDUCER_SECRET_KEY: changing that key makes the
sealed values unreadable, so keep it stable (it is generated once into the data folder).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"reducer sealing v1\0" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet().decrypt(sealed.encode()).decode()
