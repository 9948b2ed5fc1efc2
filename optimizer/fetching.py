"""The fetch step: URL sources are downloaded outside the CPU workers' time.

A URL item's task does not download: it nudges this worker process's fetcher and returns at once,
so the worker goes back to optimizing while a slow or hostile origin holds only a fetch thread (up
to REDUCER_FETCH_DEADLINE). The queue of downloads is the item table itself: a fetcher claims the
URL item that has waited longest (counting the attempt, with a lease just past the deadline) only
when one of its threads is free, downloads it, stores the bytes with the item (kept as long as
its results) and queues the item again, now for a CPU worker. Nothing unclaimed waits in memory.

Each fetcher looks for waiting URLs when nudged (a task, a finished download) and every
``IDLE_POLL`` seconds, so an idle process takes what a busy one was nudged about. Its threads are
daemons: a worker process that exits drops the downloads it held, whose leases then run out and
whose items any fetcher (or the sweeper's re-sent task) takes again. Nothing else is needed to run
this: every task worker of every cluster has its fetcher, on either broker.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connections, transaction

from optimizer.fetch import FetchError

from . import estimates, heartbeat, lifecycle, observe, sources, storage
from .lifecycle import Claim
from .models import Item
from .options import spec_from_json
from .pipeline import INTERNAL_ERROR
from .queue import enqueue

log = logging.getLogger(__name__)

IDLE_POLL = 1.0  # seconds between a fetcher's own looks for waiting URLs


def needed(item_id, generation: int) -> bool:
    """Whether the item generation is a URL still waiting for its download."""
    waiting = Item.objects.filter(
        pk=item_id, generation=generation, status__in=[Item.Status.QUEUED, Item.Status.RUNNING]
    ).exclude(lifecycle.SOURCE_READY)
    return waiting.exists()


def run(claim: Claim) -> None:
    """One attempt of the fetch step: download, store the bytes with the item, queue it for a CPU
    worker; a failed download fails the item (its credit goes back)."""
    item = claim.item
    try:
        data = sources.fetch_source(item)
        name = storage.write(sources.fetched_name(item, claim.generation), data)
    except FetchError as error:
        observe.fetched(error.code)
        lifecycle.fail(claim, error.code, error.message)
        return
    except DatabaseError:
        raise  # transient: keep the lease; it runs out and the download is taken again
    except Exception:
        log.exception("fetching item %s failed unexpectedly", item.pk)
        lifecycle.fail(claim, INTERNAL_ERROR, "The image could not be downloaded because of an internal error.")
        return
    observe.fetched("ok")
    with transaction.atomic():
        if lifecycle.fetched(claim, name, estimates.source_fields(data, spec_from_json(item.options))):
            transaction.on_commit(partial(enqueue, item.pk, claim.generation))
            if item.source_name and item.source_name != name:  # the download of an earlier generation
                transaction.on_commit(partial(storage.delete_all, [item.source_name]))


class _Fetcher:
    """This process's fetch threads and the one thread that claims work for them."""

    def __init__(self, threads: int) -> None:
        self.pid = os.getpid()
        self._free = threading.Semaphore(threads)
        self._nudged = threading.Event()
        self._claimed: queue.SimpleQueue[Claim] = queue.SimpleQueue()
        threading.Thread(target=self._dispatch, name="reducer-fetch-claims", daemon=True).start()
        for number in range(threads):
            threading.Thread(target=self._download, name=f"reducer-fetch-{number}", daemon=True).start()

    def nudge(self) -> None:
        self._nudged.set()

    def _dispatch(self) -> None:
        while True:
            self._nudged.wait(IDLE_POLL)
            self._nudged.clear()
            if heartbeat.draining():
                continue  # the cluster is stopping: downloads in flight end, no new one starts
            # Claim only what a free thread starts at once: a lease then covers one download.
            while self._free.acquire(blocking=False):
                claim = self._claim_next()
                if claim is None:
                    self._free.release()
                    break
                self._claimed.put(claim)

    def _claim_next(self) -> Claim | None:
        try:
            return lifecycle.claim_next_fetch()
        except Exception:
            log.exception("claiming a download failed")
            connections.close_all()  # this thread's own connection: the next look opens a new one
            return None

    def _download(self) -> None:
        while True:
            claim = self._claimed.get()
            try:
                run(claim)
            except Exception:
                log.exception("fetch step of item %s failed", claim.item.pk)
            finally:
                connections.close_all()  # an idle thread holds no connection
                self._free.release()
                self._nudged.set()  # a thread is free: look for the next download


_fetcher: _Fetcher | None = None
_fetcher_lock = threading.Lock()


def nudge() -> None:
    """Tell this process's fetcher (started on first use) that a URL waits for its download."""
    global _fetcher
    with _fetcher_lock:
        # Made in the process that uses it: threads do not survive a fork.
        if _fetcher is None or _fetcher.pid != os.getpid():
            _fetcher = _Fetcher(settings.REDUCER_FETCH_THREADS)
    _fetcher.nudge()
