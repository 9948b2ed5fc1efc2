"""Opening an account: the account, its plan, its opening credits and a first key, together."""

from __future__ import annotations

from django.db import transaction

from . import credits, keys
from .models import Account, Plan


@transaction.atomic
def open_account(
    name: str, *, email: str = "", monthly_quota: int | None = None, onetime_credits: int = 0
) -> tuple[Account, str]:
    """Create an account ready to call the API; returns it with its plain key (shown once)."""
    account = Account.objects.create(name=name, email=email)
    plan_fields = {} if monthly_quota is None else {"monthly_quota": monthly_quota}
    Plan.objects.create(account=account, **plan_fields)
    credits.grant_first_period(account.pk)
    if onetime_credits:
        credits.top_up(account, onetime_credits, note="opening credits")
    _, plain_key = keys.issue(account, label="first key")
    return account, plain_key
