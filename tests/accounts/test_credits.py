"""reserve / settle / release: holds, charges monthly before one-time credits, never overdraws."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError
from django.utils import timezone

from accounts import credits
from accounts.models import CreditEntry, Plan
from optimizer.models import Item, Job
from tests.accounts.ledger import assert_ledger_matches_counters


def _items(account, count):
    job = Job.objects.create(account=account, face="internal")
    return [Item.objects.create(job=job, account=account, identity=f"i{n}", options={}) for n in range(count)]


def test_reservations_stop_at_the_available_credits(make_account):
    account, _ = make_account(monthly_quota=2, onetime_credits=1)
    items = _items(account, 4)
    granted = [credits.reserve(account.pk, item.pk, 1) for item in items]
    assert granted == [True, True, True, False]
    assert Plan.objects.get(account=account).reserved == 3
    assert_ledger_matches_counters(account.pk)


def test_settle_spends_monthly_credits_first_then_one_time_credits(make_account):
    account, _ = make_account(monthly_quota=1, onetime_credits=1)
    first, second = _items(account, 2)
    for item in (first, second):
        credits.reserve(account.pk, item.pk, 1)
        credits.settle(account.pk, item.pk, 1)
    plan = Plan.objects.get(account=account)
    assert (plan.monthly_used, plan.onetime_used, plan.reserved, plan.available) == (1, 1, 0, 0)
    assert_ledger_matches_counters(account.pk)


def test_release_gives_the_credit_back(make_account):
    account, _ = make_account(monthly_quota=1)
    (item,) = _items(account, 1)
    credits.reserve(account.pk, item.pk, 1)
    assert Plan.objects.get(account=account).available == 0
    credits.release(account.pk, item.pk, 1)
    plan = Plan.objects.get(account=account)
    assert (plan.available, plan.monthly_used) == (1, 0)
    assert_ledger_matches_counters(account.pk)


def test_the_same_item_generation_cannot_be_charged_twice(make_account):
    account, _ = make_account(monthly_quota=5)
    (item,) = _items(account, 1)
    credits.reserve(account.pk, item.pk, 1)
    credits.settle(account.pk, item.pk, 1)
    with pytest.raises(IntegrityError):
        credits.settle(account.pk, item.pk, 1)


def test_unlimited_plans_always_reserve(make_account):
    account, _ = make_account(monthly_quota=0)
    Plan.objects.filter(account=account).update(unlimited=True)
    assert all(credits.reserve(account.pk, item.pk, 1) for item in _items(account, 3))


def test_a_passed_renewal_date_starts_a_new_month(make_account):
    account, _ = make_account(monthly_quota=1)
    first, second = _items(account, 2)
    credits.reserve(account.pk, first.pk, 1)
    credits.settle(account.pk, first.pk, 1)
    assert not credits.reserve(account.pk, second.pk, 1)
    Plan.objects.filter(account=account).update(renews_at=timezone.now() - timedelta(days=1))
    assert credits.reserve(account.pk, second.pk, 1)
    plan = Plan.objects.get(account=account)
    assert plan.monthly_used == 0 and plan.renews_at > timezone.now()
    # The first period's grant and the new period's; the used-up month left nothing to expire.
    assert CreditEntry.objects.filter(account=account, kind="renewal").count() == 2
    assert not CreditEntry.objects.filter(account=account, kind="expiry").exists()
    assert_ledger_matches_counters(account.pk)


def test_the_ledger_adds_up_to_the_credits_available_through_a_month(make_account):
    account, _ = make_account(monthly_quota=10, onetime_credits=5)
    first, second, third, fourth = _items(account, 4)
    for item in (first, second, third):
        credits.reserve(account.pk, item.pk, 1)
    credits.settle(account.pk, first.pk, 1)
    credits.release(account.pk, second.pk, 1)
    Plan.objects.filter(account=account).update(renews_at=timezone.now() - timedelta(days=1))
    credits.reserve(account.pk, fourth.pk, 1)  # renews: the 9 monthly credits left expire, 10 come
    credits.settle(account.pk, third.pk, 1)
    credits.change_monthly_quota(account.pk, 4)
    plan = Plan.objects.get(account=account)
    assert (plan.monthly_left, plan.onetime_left, plan.reserved, plan.available) == (3, 5, 1, 7)
    balances = (
        CreditEntry.objects.filter(account=account)
        .exclude(kind__in=["reserve", "settle", "release"])
        .annotate(signed=credits.SIGNED_AMOUNT)
        .order_by("id")
    )
    signed = [(entry.kind, entry.signed) for entry in balances]
    assert signed == [("renewal", 10), ("topup", 5), ("expiry", -9), ("renewal", 10), ("adjustment", -6)]
    assert_ledger_matches_counters(account.pk)


def test_the_migration_carries_an_older_ledger_s_balance_into_it(make_account):
    migration = importlib.import_module("accounts.migrations.0006_ledger_signed_balance")
    account, _ = make_account(monthly_quota=10, onetime_credits=5)
    (item,) = _items(account, 1)
    credits.reserve(account.pk, item.pk, 1)
    # Before it, a period's monthly credits were not written into the ledger.
    CreditEntry.objects.filter(account=account, kind="renewal").delete()
    migration.carry_balances_into_the_ledger(django_apps, None)
    carried = CreditEntry.objects.get(account=account, kind="adjustment")
    assert carried.amount == 10
    assert_ledger_matches_counters(account.pk)


def test_top_up_adds_one_time_credits(make_account):
    account, _ = make_account(monthly_quota=0)
    credits.top_up(account, 25, note="bought")
    assert Plan.objects.get(account=account).available == 25
    with pytest.raises(ValueError):
        credits.top_up(account, 0)
    assert_ledger_matches_counters(account.pk)
