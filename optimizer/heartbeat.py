"""Each task worker process's keeper thread: leases, timeouts, liveness and the graceful drain.

Every ``REDUCER_HEARTBEAT_SECONDS`` the keeper renews the short leases (``REDUCER_LEASE_SECONDS``)
of the items its process runs, fails those past ``REDUCER_TASK_TIMEOUT`` as ``timeout``, writes its
``WorkerBeat`` row (read by /healthz) and re-enqueues any item whose lease ran out: its worker died,
in this cluster or another. A killed worker's item is thus taken again within lease + heartbeat
seconds, whatever the task timeout, on either broker. The keeper is a thread of the worker process:
it dies with it, and then the leases it renewed run out.

Graceful drain: SIGTERM to the cluster's main process sets an event every worker process shares
(it is made before the cluster forks them). From then on a worker takes no new item (a task it is
handed goes back to the broker for another cluster), its keeper lets the running item finish for up
to ``REDUCER_DRAIN_GRACE`` seconds, and then gives it back (``lifecycle.release``) and ends the
process, so that django-q2's own shutdown does not wait for it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_q.cluster import Cluster

from . import lifecycle, maintenance
from .models import Item, WorkerBeat

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between a keeper's looks at the drain flag (and, draining, at its items)

# Made at import, in the cluster's main process, so the sentinel and workers forked from it share
# it. A lock-free byte, not a multiprocessing.Event: setting an Event waits for every process
# waiting on it to wake, and a SIGKILLed worker never does.
_draining = multiprocessing.get_context("fork").RawValue("b", 0)


_working = threading.Event()  # this process is inside a task


@contextlib.contextmanager
def working() -> Iterator[None]:
    """Around a task's work: a draining keeper ends a process that is still inside one."""
    _working.set()
    try:
        yield
    finally:
        _working.clear()


def draining() -> bool:
    """Whether this cluster is stopping: take no new work."""
    return bool(_draining.value)


def install_drain() -> None:
    """Make SIGTERM (or Ctrl-C) of the cluster's main process start a drain before django-q2 stops."""
    stop = Cluster.sig_handler

    def drain_then_stop(cluster: Cluster, signum: int, frame) -> None:
        _draining.value = 1
        stop(cluster, signum, frame)  # stops the pusher, then waits for the workers to end

    Cluster.sig_handler = drain_then_stop


class _Keeper:
    def __init__(self) -> None:
        self.name = lifecycle.worker_name()
        threading.Thread(target=self._run, name="reducer-keeper", daemon=True).start()

    def _run(self) -> None:
        drain_ends = None
        next_beat = 0.0
        while True:
            now = time.monotonic()
            if drain_ends is None and draining():
                drain_ends = now + settings.REDUCER_DRAIN_GRACE
                next_beat = 0.0  # tell /healthz at once
            try:
                if now >= next_beat:
                    self._beat()
                    next_beat = now + settings.REDUCER_HEARTBEAT_SECONDS
                if drain_ends is not None:
                    self._drain(drain_ends)
            except Exception:
                log.exception("worker keeper %s failed; trying again", self.name)
                connections.close_all()  # this thread's own connection: the next beat opens a new one
            time.sleep(POLL)

    def _beat(self) -> None:
        WorkerBeat.objects.update_or_create(
            name=self.name, defaults={"seen_at": timezone.now(), "draining": draining()}
        )
        lifecycle.time_out(self.name)
        lifecycle.renew(self.name)
        if not draining():
            maintenance.recover_orphans()

    def _drain(self, ends: float) -> None:
        if not _working.is_set():
            return  # idle: django-q2's STOP ends this process
        held = Item.objects.filter(status=Item.Status.RUNNING, worker=self.name).exists()
        if held and time.monotonic() < ends:
            return  # within the grace
        if held:
            released = lifecycle.release(self.name)
            log.warning("drain: %s gave back %d running item(s)", self.name, released)
        connections.close_all()
        # The task may be stuck in a long C call, on an item that is no longer its own (given back,
        # timed out): nothing it does now counts, and django-q2's shutdown would wait for it.
        os._exit(0)


def start_in_worker(**_signal_kwargs) -> None:
    """django-q2's post_spawn receiver: every task worker process gets its keeper."""
    _Keeper()
