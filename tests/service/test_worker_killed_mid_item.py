"""SIGKILL of the worker in the middle of an item: the item still ends done, once, charged once."""

import pytest

from accounts.models import Plan
from optimizer.models import Item
from tests.accounts.ledger import assert_ledger_matches_counters
from tests.conftest import photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, charges, submit_upload
from tests.service.cluster_helpers import RECOVERY_TIMEOUT, kill_worker_running, wait_until_finished


@pytest.mark.backends
def test_an_item_survives_its_worker_being_killed(make_account, cluster):
    account, _ = make_account(monthly_quota=5)
    # Large enough that its first attempt is certainly still running when the test kills it.
    item = submit_upload(account, photo_bytes(1600, 1200), DEFAULT_SET).item
    kill_worker_running(item.pk, attempt=1, cluster=cluster)
    done = wait_until_finished(item.pk, cluster, timeout=RECOVERY_TIMEOUT)
    assert done.status == Item.Status.DONE, (done.error_code, done.error_message)
    assert done.attempts == 2
    assert charges(done) == 1
    assert Plan.objects.get(account=account).reserved == 0
    assert_ledger_matches_counters(account.pk)
