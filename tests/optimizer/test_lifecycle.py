"""The item state machine: attempts counted at start, transitions that a stale run cannot repeat."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from accounts.models import Plan
from optimizer import lifecycle
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import charges, optimized_to, submit_upload


def _expire_lease(item):
    Item.objects.filter(pk=item.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_a_claim_counts_the_attempt_when_it_starts(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    claim = lifecycle.claim(item.pk, 1)
    assert claim.attempt == 1
    item.refresh_from_db()
    assert (item.status, item.attempts) == (Item.Status.RUNNING, 1)
    assert item.worker == lifecycle.worker_name() and item.lease_expires_at > timezone.now()


def test_a_duplicate_delivery_of_a_leased_item_does_nothing(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    lifecycle.claim(item.pk, 1)
    assert lifecycle.claim(item.pk, 1) is None
    item.refresh_from_db()
    assert item.attempts == 1


def test_completion_happens_once_and_charges_once(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    claim = lifecycle.claim(item.pk, 1)
    assert lifecycle.complete(claim, optimized_to(claim, 100, 1000), original_size=1000, source_sha256="a")
    assert not lifecycle.complete(claim, optimized_to(claim, 100, 1000), original_size=1000, source_sha256="a")
    assert charges(item) == 1
    assert Plan.objects.get(account=account).reserved == 0


def test_a_result_that_saves_less_than_five_percent_is_free(make_account):
    account, _ = make_account(monthly_quota=1)
    item = submit_upload(account, photo_bytes()).item
    claim = lifecycle.claim(item.pk, 1)
    assert lifecycle.complete(claim, optimized_to(claim, 951, 1000), original_size=1000, source_sha256="a")
    assert charges(item) == 0
    assert Plan.objects.get(account=account).available == 1


def test_a_result_that_saves_five_percent_is_charged(make_account):
    account, _ = make_account(monthly_quota=1)
    item = submit_upload(account, photo_bytes()).item
    claim = lifecycle.claim(item.pk, 1)
    assert lifecycle.complete(claim, optimized_to(claim, 950, 1000), original_size=1000, source_sha256="a")
    assert charges(item) == 1
    assert Plan.objects.get(account=account).available == 0


def test_free_work_holds_a_credit_while_it_runs_and_is_never_charged(make_account):
    account, _ = make_account(monthly_quota=1)
    data = photo_bytes()
    free = submit_upload(account, data, charged=False).item
    assert Plan.objects.get(account=account).reserved == 1
    claim = lifecycle.claim(free.pk, 1)
    assert lifecycle.complete(claim, optimized_to(claim, 100, 1000), original_size=1000, source_sha256="a")
    assert charges(free) == 0
    assert Plan.objects.get(account=account).available == 1
    # The same source and options as charged work is another item, so neither answers for the other.
    assert submit_upload(account, data).item.pk != free.pk


def test_a_run_whose_lease_was_taken_over_cannot_finish_the_item(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    stale = lifecycle.claim(item.pk, 1)
    _expire_lease(item)
    fresh = lifecycle.claim(item.pk, 1)
    assert fresh.attempt == 2
    assert not lifecycle.complete(stale, optimized_to(stale, 100, 1000), original_size=1000, source_sha256="a")
    assert not lifecycle.fail(stale, "x", "late failure")
    assert lifecycle.complete(fresh, optimized_to(fresh, 100, 1000), original_size=1000, source_sha256="a")
    assert charges(item) == 1


def test_a_failure_keeps_its_code_and_gives_the_credit_back(make_account):
    account, _ = make_account(monthly_quota=1)
    item = submit_upload(account, photo_bytes()).item
    claim = lifecycle.claim(item.pk, 1)
    assert lifecycle.fail(claim, "corrupt_image", "The image is damaged.")
    item.refresh_from_db()
    assert (item.status, item.error_code) == (Item.Status.FAILED, "corrupt_image")
    assert charges(item) == 0
    assert Plan.objects.get(account=account).available == 1


@override_settings(REDUCER_MAX_ATTEMPTS=2)
def test_an_item_whose_workers_keep_dying_fails_as_poison(make_account):
    account, _ = make_account(monthly_quota=1)
    item = submit_upload(account, photo_bytes()).item
    for _ in range(2):  # each attempt "dies": it never reports back and its lease runs out
        assert lifecycle.claim(item.pk, 1) is not None
        _expire_lease(item)
    assert lifecycle.claim(item.pk, 1) is None
    item.refresh_from_db()
    assert (item.status, item.error_code, item.attempts) == (Item.Status.FAILED, lifecycle.POISON_CODE, 2)
    assert Plan.objects.get(account=account).available == 1


def test_a_claim_for_an_old_generation_does_nothing(make_account):
    account, _ = make_account()
    data = photo_bytes()
    item = submit_upload(account, data).item
    Item.objects.filter(pk=item.pk).update(status=Item.Status.DONE)
    submit_upload(account, data, refresh=True)
    assert lifecycle.claim(item.pk, 1) is None
    assert lifecycle.claim(item.pk, 2).attempt == 1
