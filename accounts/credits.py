"""reserve / settle / release / top_up: the only code that moves balances.

Each counter change is one conditional UPDATE on the plan row, so two processes can never both
take the last credit (no read-modify-write), on SQLite and PostgreSQL alike. Each writes its
ledger row in the same transaction; the ledger's unique (item, generation, kind) makes a
re-delivered task unable to charge twice, and the item's own state transition is the first guard.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from .models import Account, CreditEntry, Plan, add_month

_AVAILABLE = (
    Greatest(F("monthly_quota") - F("monthly_used"), Value(0))
    + Greatest(F("onetime_credits") - F("onetime_used"), Value(0))
    - F("reserved")
)


def renew_if_due(account_id: int) -> None:
    """Start a new monthly period when the renewal date has passed (idempotent under races)."""
    now = timezone.now()
    plan = Plan.objects.filter(account_id=account_id, renews_at__lte=now).first()
    if plan is None:
        return
    renews_at = plan.renews_at
    while renews_at <= now:
        renews_at = add_month(renews_at)
    with transaction.atomic():
        renewed = Plan.objects.filter(pk=plan.pk, renews_at=plan.renews_at).update(
            monthly_used=0, subscribed_at=plan.renews_at, renews_at=renews_at
        )
        if renewed:
            CreditEntry.objects.create(
                account_id=account_id,
                kind=CreditEntry.Kind.RENEWAL,
                pool=CreditEntry.Pool.MONTHLY,
                amount=0,
                note=f"new period until {renews_at:%Y-%m-%d}; {plan.monthly_used} used last period",
            )


def reserve(account_id: int, item_id, generation: int) -> bool:
    """Hold one credit for an item about to be queued. False when none is left."""
    renew_if_due(account_id)
    with transaction.atomic():
        held = (
            Plan.objects.filter(account_id=account_id)
            .filter(Q(unlimited=True) | GreaterThanOrEqual(_AVAILABLE, 1))
            .update(reserved=F("reserved") + 1)
        )
        if held:
            CreditEntry.objects.create(
                account_id=account_id, item_id=item_id, generation=generation, kind=CreditEntry.Kind.RESERVE, amount=1
            )
    return bool(held)


def settle(account_id: int, item_id, generation: int) -> None:
    """Turn an item's held credit into a charge: monthly credits first, then one-time credits.

    Call inside the transaction that marks the item done.
    """
    monthly_open = Q(unlimited=True) | Q(monthly_used__lt=F("monthly_quota"))
    held = Plan.objects.filter(account_id=account_id, reserved__gte=1)
    if held.filter(monthly_open).update(reserved=F("reserved") - 1, monthly_used=F("monthly_used") + 1):
        pool = CreditEntry.Pool.MONTHLY
    else:
        held.update(reserved=F("reserved") - 1, onetime_used=F("onetime_used") + 1)
        pool = CreditEntry.Pool.ONETIME
    CreditEntry.objects.create(
        account_id=account_id, item_id=item_id, generation=generation, kind=CreditEntry.Kind.SETTLE, pool=pool, amount=1
    )


def release(account_id: int, item_id, generation: int) -> None:
    """Give an item's held credit back (the item failed: failures are never charged).

    Call inside the transaction that marks the item failed.
    """
    Plan.objects.filter(account_id=account_id, reserved__gte=1).update(reserved=F("reserved") - 1)
    CreditEntry.objects.create(
        account_id=account_id, item_id=item_id, generation=generation, kind=CreditEntry.Kind.RELEASE, amount=1
    )


def top_up(account: Account, credits: int, note: str = "") -> None:
    """Add one-time credits (they do not expire with the month)."""
    if credits <= 0:
        raise ValueError("a top-up adds at least one credit")
    with transaction.atomic():
        Plan.objects.filter(account=account).update(onetime_credits=F("onetime_credits") + credits)
        CreditEntry.objects.create(
            account=account, kind=CreditEntry.Kind.TOPUP, pool=CreditEntry.Pool.ONETIME, amount=credits, note=note
        )
