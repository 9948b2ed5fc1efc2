"""An item that runs past the task timeout fails once as `processing_timeout` (its keeper fails it),
not as a poison input after its worker was stopped again and again; nothing is charged.

A module of its own: no other cluster may take the item."""

import pytest

from optimizer import lifecycle
from optimizer.models import Item
from tests.conftest import ROOT, ServiceProcess, photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, charges, submit_upload
from tests.service.cluster_helpers import wait_until_finished

TASK_TIMEOUT = 1  # second: shorter than the default set takes on a large photo


@pytest.fixture(scope="module")
def impatient_cluster(django_db_setup, django_db_blocker):
    running = ServiceProcess(
        "cluster-timeout",
        [str(ROOT / "manage.py"), "qcluster"],
        REDUCER_TASK_TIMEOUT=str(TASK_TIMEOUT),
        REDUCER_HEARTBEAT_SECONDS="1",
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.backends
def test_an_item_past_the_task_timeout_fails_once_as_processing_timeout(make_account, impatient_cluster):
    account, _ = make_account(monthly_quota=5)
    item = submit_upload(account, photo_bytes(3000, 2400), DEFAULT_SET).item
    failed = wait_until_finished(item.pk, impatient_cluster, timeout=60)
    assert (failed.status, failed.error_code) == (Item.Status.FAILED, lifecycle.TIMEOUT_CODE), failed.error_message
    assert failed.attempts == 1
    assert charges(failed) == 0
