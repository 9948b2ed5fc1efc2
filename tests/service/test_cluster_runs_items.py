"""A real qcluster takes an item from queued to done and charges it once."""

import pytest
from django.core.files.storage import default_storage

from accounts.models import Plan
from optimizer.models import Item
from tests.accounts.ledger import assert_ledger_matches_counters
from tests.conftest import photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, charges, submit_upload
from tests.service.cluster_helpers import wait_until_finished


@pytest.mark.backends
def test_an_item_goes_from_queued_to_done_on_a_real_cluster(make_account, cluster):
    account, _ = make_account(monthly_quota=5)
    item = submit_upload(account, photo_bytes(), DEFAULT_SET).item
    assert item.status == Item.Status.QUEUED
    done = wait_until_finished(item.pk, cluster)
    assert done.status == Item.Status.DONE, (done.error_code, done.error_message)
    assert done.attempts == 1
    stored = [variant for variant in done.variants.all() if variant.storage_name]
    assert stored, "no variant was worth storing"
    for variant in stored:
        assert default_storage.size(variant.storage_name) == variant.size < done.original_size
    assert charges(done) == 1
    assert Plan.objects.get(account=account).reserved == 0
    assert_ledger_matches_counters(account.pk)


@pytest.mark.backends
def test_a_broken_image_fails_on_the_cluster_without_a_charge(make_account, cluster):
    account, _ = make_account(monthly_quota=5)
    item = submit_upload(account, photo_bytes()[:500]).item
    failed = wait_until_finished(item.pk, cluster)
    assert failed.status == Item.Status.FAILED and failed.error_code
    assert charges(failed) == 0
    assert Plan.objects.get(account=account).available == 5
