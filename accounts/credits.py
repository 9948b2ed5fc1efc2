"""reserve / settle / release / top_up, a period's renewal and a quota change: the only code that
moves balances.

Each per-item counter change is one conditional UPDATE on the plan row, so two processes can never
both take the last credit (no read-modify-write), on SQLite and PostgreSQL alike; a renewal and a
quota change read the plan row under a lock, since their ledger rows depend on it. Each writes its
ledger row in the same transaction; the ledger's unique (item, generation, kind) makes a
re-delivered task unable to charge twice, and the item's own state transition is the first guard.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from .models import Account, CreditEntry, Plan, add_month

# How each kind of ledger row changes the credits available: a reserve holds credits and an expiry
# takes away the monthly credits a period left unused; a settle turns a hold into a charge, which
# leaves the credits available as they were; a release, a top-up and a period's quota add; an
# adjustment carries its own sign. Summed over an account: its Plan.available (unlimited plans
# aside).
SIGNED_AMOUNT = Case(
    When(kind__in=[CreditEntry.Kind.RESERVE, CreditEntry.Kind.EXPIRY], then=-F("amount")),
    When(kind=CreditEntry.Kind.SETTLE, then=Value(0)),
    default=F("amount"),
    output_field=IntegerField(),
)

_AVAILABLE = (
    Greatest(F("monthly_quota") - F("monthly_used"), Value(0))
    + Greatest(F("onetime_credits") - F("onetime_used"), Value(0))
    - F("reserved")
)


def renew_if_due(account_id: int) -> None:
    """Start a new monthly period when the renewal date has passed (idempotent under races).

    The ledger writes the end of a period as two movements: the monthly credits left unused
    expire, and the new period's quota is granted.
    """
    now = timezone.now()
    if not Plan.objects.filter(account_id=account_id, renews_at__lte=now).exists():
        return
    with transaction.atomic():
        # Locked, so the credits that expire are those left when the period ends, not a moment before.
        plan = Plan.objects.select_for_update().filter(account_id=account_id, renews_at__lte=now).first()
        if plan is None:
            return  # another process renewed it first
        renews_at = plan.renews_at
        while renews_at <= now:
            renews_at = add_month(renews_at)
        Plan.objects.filter(pk=plan.pk).update(monthly_used=0, subscribed_at=plan.renews_at, renews_at=renews_at)
        if plan.monthly_left:
            CreditEntry.objects.create(
                account_id=account_id,
                kind=CreditEntry.Kind.EXPIRY,
                pool=CreditEntry.Pool.MONTHLY,
                amount=plan.monthly_left,
                note=f"unused at the end of the period; {plan.monthly_used} used",
            )
        _grant_period(plan, until=renews_at)


def grant_first_period(account_id: int) -> None:
    """Write a new plan's first monthly quota into the ledger (call once, when the plan is created)."""
    plan = Plan.objects.get(account_id=account_id)
    _grant_period(plan, until=plan.renews_at)


def _grant_period(plan: Plan, until) -> None:
    if plan.monthly_quota:
        CreditEntry.objects.create(
            account_id=plan.account_id,
            kind=CreditEntry.Kind.RENEWAL,
            pool=CreditEntry.Pool.MONTHLY,
            amount=plan.monthly_quota,
            note=f"monthly credits until {until:%Y-%m-%d}",
        )


def change_monthly_quota(account_id: int, quota: int) -> None:
    """Set the plan's monthly quota; the ledger gains the change in the monthly credits left."""
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(account_id=account_id)
        if quota == plan.monthly_quota:
            return
        change = max(quota - plan.monthly_used, 0) - plan.monthly_left
        Plan.objects.filter(pk=plan.pk).update(monthly_quota=quota)
        if change:
            CreditEntry.objects.create(
                account_id=account_id,
                kind=CreditEntry.Kind.ADJUSTMENT,
                pool=CreditEntry.Pool.MONTHLY,
                amount=change,
                note=f"monthly quota {plan.monthly_quota} -> {quota}",
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
