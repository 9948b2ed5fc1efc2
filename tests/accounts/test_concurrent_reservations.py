"""50 clients reserving at once against 100 credits: exactly 100 granted, ledger == counters."""

import threading

import pytest
from django.db import connection

from accounts import credits
from accounts.models import Plan
from optimizer.models import Item, Job
from tests.accounts.ledger import assert_ledger_matches_counters

CLIENTS = 50
TRIES_EACH = 4
QUOTA = 100


@pytest.mark.backends
def test_concurrent_reservations_never_overdraw(make_account):
    account, _ = make_account(monthly_quota=60, onetime_credits=QUOTA - 60)
    job = Job.objects.create(account=account, face="internal")
    items = Item.objects.bulk_create(
        Item(job=job, account=account, identity=f"c{n}", options={}) for n in range(CLIENTS * TRIES_EACH)
    )
    start = threading.Barrier(CLIENTS)
    granted: list[bool] = []
    errors: list[BaseException] = []

    def client(mine: list[Item]) -> None:
        try:
            start.wait()
            for item in mine:
                granted.append(credits.reserve(account.pk, item.pk, 1))
        except BaseException as error:  # reported below: a thread's exception would be lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(items[n::CLIENTS],)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert granted.count(True) == QUOTA
    assert granted.count(False) == CLIENTS * TRIES_EACH - QUOTA
    assert Plan.objects.get(account=account).reserved == QUOTA
    assert_ledger_matches_counters(account.pk)
