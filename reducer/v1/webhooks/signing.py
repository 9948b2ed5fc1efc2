"""The Standard Webhooks headers: webhook-id, webhook-timestamp and webhook-signature."""

from __future__ import annotations

from datetime import datetime

from standardwebhooks import Webhook

from accounts import signing_secrets


def headers(account_id: int, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """Headers for one attempt; signed by every live secret, so a rotation never breaks receivers."""
    signatures = [Webhook(secret).sign(message_id, now, body) for secret in signing_secrets.signing(account_id)]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
