"""The account's webhook signing secrets (``whsec_`` + base64 of 32 random bytes, sealed at rest).

One secret is current; a rotation gives the account a new one and lets the old one keep
signing until ``REDUCER_WEBHOOK_SECRET_OVERLAP`` has passed, so a receiver can switch over
without rejecting a single delivery.
"""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import sealing
from .models import Account, SigningSecret

PREFIX = "whsec_"


def _new(account_id: int) -> SigningSecret:
    plain = PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    return SigningSecret.objects.create(account_id=account_id, secret=sealing.seal(plain))


def current(account_id: int) -> str:
    """The secret receivers should be given now (created on first use)."""
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account_id)  # one creator at a time
        latest = SigningSecret.objects.filter(account_id=account_id, expires_at=None).first()
        return sealing.unseal((latest or _new(account_id)).secret)


def signing(account_id: int) -> list[str]:
    """Every secret that signs a delivery now: the current one first, then any still overlapping."""
    live = SigningSecret.objects.filter(Q(expires_at=None) | Q(expires_at__gt=timezone.now()), account_id=account_id)
    secrets_now = [sealing.unseal(row.secret) for row in live.order_by(F("expires_at").asc(nulls_first=True))]
    return secrets_now if secrets_now else [current(account_id)]


def rotate(account_id: int) -> str:
    """Start a new current secret; the old one retires after the overlap. Returns the new one."""
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account_id)
        retiring = timezone.now() + timedelta(seconds=settings.REDUCER_WEBHOOK_SECRET_OVERLAP)
        SigningSecret.objects.filter(account_id=account_id, expires_at=None).update(expires_at=retiring)
        return sealing.unseal(_new(account_id).secret)
