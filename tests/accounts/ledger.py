"""Reconcile an account's counters with its ledger (used by the credit tests)."""

from django.db.models import Sum

from accounts.credits import SIGNED_AMOUNT
from accounts.models import CreditEntry, Plan


def assert_ledger_matches_counters(account_id: int) -> None:
    plan = Plan.objects.get(account_id=account_id)
    entries = CreditEntry.objects.filter(account_id=account_id)

    def total(**match) -> int:
        return entries.filter(**match).aggregate(total=Sum("amount"))["total"] or 0

    K = CreditEntry.Kind
    assert plan.reserved == total(kind=K.RESERVE) - total(kind=K.SETTLE) - total(kind=K.RELEASE)
    # Monthly credits used count from the start of the current period.
    period = entries.filter(kind=K.RENEWAL).order_by("-id").values_list("id", flat=True).first() or 0
    assert plan.monthly_used == total(kind=K.SETTLE, pool="monthly", id__gt=period)
    assert plan.onetime_used == total(kind=K.SETTLE, pool="onetime")
    assert plan.onetime_credits == total(kind=K.TOPUP)
    if not plan.unlimited:
        assert plan.available == entries.aggregate(total=Sum(SIGNED_AMOUNT))["total"]
