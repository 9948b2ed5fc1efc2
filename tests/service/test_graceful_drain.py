"""SIGTERM drains a cluster: it takes no new work, lets its running item finish within the grace,
and past the grace gives the item back at once (not after its lease) for another cluster to finish."""

import signal
import time

import pytest

from optimizer.models import Item
from tests.conftest import ROOT, ServiceProcess, photo_bytes, wait_for
from tests.optimizer.helpers import DEFAULT_SET, charges, submit_upload
from tests.service.cluster_helpers import wait_until_finished

LONG_LEASE = "120"  # seconds: a given-back item that waited for its lease would take this long


def _cluster(name: str, grace: int) -> ServiceProcess:
    return ServiceProcess(
        name, [str(ROOT / "manage.py"), "qcluster"], REDUCER_DRAIN_GRACE=str(grace), REDUCER_LEASE_SECONDS=LONG_LEASE
    )


def _running(item_id, cluster: ServiceProcess) -> Item:
    return wait_for(
        lambda: (item := Item.objects.get(pk=item_id)).status == Item.Status.RUNNING and item,
        timeout=60,
        interval=0.05,
        message=f"the item never ran; cluster log:\n{cluster.log_tail()}",
    )


def _exits(cluster: ServiceProcess, timeout: float) -> float:
    started = time.monotonic()
    cluster.process.wait(timeout=timeout)
    return time.monotonic() - started


@pytest.mark.backends
def test_a_running_item_finishes_within_the_grace(django_db_setup, make_account):
    account, _ = make_account(monthly_quota=5)
    cluster = _cluster("cluster-drain-finish", grace=60)
    try:
        item = submit_upload(account, photo_bytes(1600, 1200), DEFAULT_SET).item
        _running(item.pk, cluster)
        cluster.process.send_signal(signal.SIGTERM)
        _exits(cluster, timeout=60)
        done = Item.objects.get(pk=item.pk)
        assert done.status == Item.Status.DONE, (done.status, done.error_code, cluster.log_tail())
        assert done.attempts == 1 and charges(done) == 1
    finally:
        cluster.stop()


@pytest.mark.backends
def test_past_the_grace_the_item_is_given_back_and_another_cluster_finishes_it(django_db_setup, make_account):
    account, _ = make_account(monthly_quota=5)
    first = _cluster("cluster-drain-release", grace=1)
    try:
        # Large enough to be still running when the grace has passed.
        item = submit_upload(account, photo_bytes(3000, 2400), DEFAULT_SET).item
        worker = _running(item.pk, first).worker
        first.process.send_signal(signal.SIGTERM)
        assert _exits(first, timeout=14) < 14
    finally:
        first.stop()
    released = Item.objects.get(pk=item.pk)
    assert (released.status, released.attempts, released.worker) == (Item.Status.QUEUED, 0, "")
    second = _cluster("cluster-drain-takeover", grace=30)
    try:
        done = wait_until_finished(item.pk, second, timeout=90)  # far less than the lease
        assert done.status == Item.Status.DONE, (done.error_code, done.error_message)
        assert done.worker != worker and done.attempts == 1 and charges(done) == 1
    finally:
        second.stop()
