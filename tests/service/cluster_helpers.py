"""Watching items that a real cluster works on."""

import os
import signal

from optimizer.models import Item
from tests.conftest import wait_for

# Room for the Redis broker, where a killed worker's task is only found again by the sweeper
# (scheduled every minute, checked every 30 s) after the item's lease has run out.
RECOVERY_TIMEOUT = 180


def item_state(item_id) -> Item:
    return Item.objects.get(pk=item_id)


def wait_until_finished(item_id, cluster, timeout: float = 60) -> Item:
    finished = {Item.Status.DONE, Item.Status.FAILED}
    return wait_for(
        lambda: (item := item_state(item_id)).status in finished and item,
        timeout,
        interval=0.1,
        message=f"item {item_id} did not finish; cluster log:\n{cluster.log_tail()}",
    )


def kill_worker_running(item_id, attempt: int, cluster, timeout: float = 90) -> int:
    """Wait until the item's ``attempt`` is running, then SIGKILL the worker holding it."""
    running = wait_for(
        lambda: (item := item_state(item_id)).status == Item.Status.RUNNING and item.attempts == attempt and item,
        timeout,
        interval=0.02,
        message=f"attempt {attempt} of item {item_id} never ran; cluster log:\n{cluster.log_tail()}",
    )
    pid = int(running.worker.rsplit(":", 1)[1])
    assert pid in cluster.worker_pids(), "the lease names a process that is not a worker of our cluster"
    os.kill(pid, signal.SIGKILL)
    return pid
