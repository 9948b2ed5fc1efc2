"""Leases are short and renewed by each worker's keeper: a killed worker's item is taken again
within lease + heartbeat seconds, not after the task timeout."""

import time

import pytest
from django.conf import settings

from optimizer.models import Item, WorkerBeat
from tests.conftest import photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, charges, submit_upload
from tests.service.cluster_helpers import kill_worker_running, wait_until_finished


@pytest.mark.backends
def test_a_killed_workers_item_is_taken_again_within_its_lease(make_account, cluster):
    account, _ = make_account(monthly_quota=5)
    item = submit_upload(account, photo_bytes(1600, 1200), DEFAULT_SET).item
    kill_worker_running(item.pk, attempt=1, cluster=cluster)
    killed = time.monotonic()
    done = wait_until_finished(item.pk, cluster, timeout=120)
    recovered = time.monotonic() - killed
    assert done.status == Item.Status.DONE and done.attempts == 2 and charges(done) == 1
    # Lease + one heartbeat to notice + the run itself, far below the task timeout's lease of old.
    bound = settings.REDUCER_LEASE_SECONDS + settings.REDUCER_HEARTBEAT_SECONDS + 40
    assert recovered < bound, recovered
    assert WorkerBeat.objects.exists()  # the keepers mark their workers alive
