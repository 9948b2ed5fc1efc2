"""The fetch step: a URL item's task only nudges the worker's fetcher; the download is claimed from
the item table, its bytes kept with the item, and only then is the item queued for a CPU worker.
Each step counts its own attempts, transitions stay conditional, and lost work is found again at
either step."""

import time
from datetime import timedelta

from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone
from django_q.brokers import get_broker

from accounts.models import Plan
from optimizer import fetching, lifecycle, maintenance, services, storage, tasks
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import LOSSY_JPEG, charges, submit_upload
from tests.optimizer.test_maintenance import LONG_AGO, _drain_queue

LOOPBACK = override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.0/8",))


def _submit(account, url: str, **options) -> Item:
    request = services.WorkRequest(services.UrlSource(url), LOSSY_JPEG)
    (outcome,) = services.submit(account, "internal", [request], **options)
    return outcome.item


def _fetch(item: Item, generation: int = 1) -> None:
    fetching.run(lifecycle.claim(item.pk, generation, fetching=True))


def _expire_lease(item: Item) -> None:
    """Its worker died long ago, and the broker lost its task."""
    _drain_queue()
    past = timezone.now() - timedelta(seconds=1)
    Item.objects.filter(pk=item.pk).update(lease_expires_at=past, enqueued_at=timezone.now() - LONG_AGO)


@LOOPBACK
def test_a_url_is_fetched_kept_and_then_queued_for_a_cpu_worker(make_account, origin):
    account, _ = make_account()
    data = photo_bytes()
    item = _submit(account, origin.serve("/step/photo.jpg", data))
    assert fetching.needed(item.pk, 1)
    assert lifecycle.claim(item.pk, 1) is None  # no CPU worker takes a URL before its bytes are stored
    _drain_queue()

    _fetch(item)

    item.refresh_from_db()
    assert (item.status, item.fetched_generation, item.attempts) == (Item.Status.QUEUED, 1, 0)
    assert storage.read(item.source_name) == data and not fetching.needed(item.pk, 1)
    # the engine's expected CPU is kept with the download, for the estimates (tests/optimizer/test_estimates.py)
    assert item.expected_cpu_seconds > 0
    assert get_broker().queue_size() == 1  # its optimizing task
    tasks.process_item(str(item.pk), 1)
    item.refresh_from_db()
    assert (item.status, item.original_size, item.attempts) == (Item.Status.DONE, len(data), 1)
    assert charges(item) == 1


def test_a_url_task_only_nudges_the_fetcher_and_frees_its_worker(make_account, monkeypatch):
    nudges = []
    monkeypatch.setattr(fetching, "nudge", lambda: nudges.append(1))
    account, _ = make_account()
    url_item = _submit(account, "https://images.example.com/slow.jpg")
    started = time.monotonic()
    tasks.process_item(str(url_item.pk), 1)
    assert time.monotonic() - started < 1 and nudges == [1]
    url_item.refresh_from_db()
    assert (url_item.status, url_item.attempts) == (Item.Status.QUEUED, 0)  # the download is not started here

    upload = submit_upload(account, photo_bytes()).item
    tasks.process_item(str(upload.pk), 1)
    assert Item.objects.get(pk=upload.pk).status == Item.Status.DONE and nudges == [1]


def test_the_fetcher_takes_the_url_waiting_longest(make_account):
    account, _ = make_account()
    submit_upload(account, photo_bytes())  # an upload never waits for a download
    older = _submit(account, "https://images.example.com/older.jpg")
    _submit(account, "https://images.example.com/newer.jpg")
    Item.objects.filter(pk=older.pk).update(enqueued_at=timezone.now() - LONG_AGO)
    claim = lifecycle.claim_next_fetch()
    assert (claim.item.pk, claim.attempt, claim.fetching) == (older.pk, 1, True)
    assert Item.objects.get(pk=older.pk).status == Item.Status.RUNNING


@LOOPBACK
def test_a_refresh_fetches_again_and_drops_the_earlier_download(make_account, origin):
    account, _ = make_account()
    url = origin.serve("/step/refreshed.jpg", photo_bytes(64, 48))
    item = _submit(account, url)
    _fetch(item)
    tasks.process_item(str(item.pk), 1)
    first = Item.objects.get(pk=item.pk).source_name

    newer = photo_bytes(48, 64)
    origin.serve("/step/refreshed.jpg", newer)
    assert _submit(account, url, refresh=True).generation == 2
    assert fetching.needed(item.pk, 2) and lifecycle.claim(item.pk, 2) is None
    _fetch(item, 2)
    tasks.process_item(str(item.pk), 2)

    item.refresh_from_db()
    assert (item.status, item.original_size, item.fetched_generation) == (Item.Status.DONE, len(newer), 2)
    assert storage.read(item.source_name) == newer and not default_storage.exists(first)


@LOOPBACK
def test_a_download_lost_with_its_worker_is_taken_again(make_account, origin):
    account, _ = make_account()
    item = _submit(account, origin.serve("/step/orphan.jpg", photo_bytes()))
    assert lifecycle.claim(item.pk, 1, fetching=True).attempt == 1  # then its worker died
    _expire_lease(item)

    assert maintenance.sweep()["requeued_running"] == 1  # its task is sent again, to nudge a fetcher
    claim = lifecycle.claim_next_fetch()
    assert (claim.item.pk, claim.attempt) == (item.pk, 2)
    fetching.run(claim)
    tasks.process_item(str(item.pk), 1)
    assert Item.objects.get(pk=item.pk).status == Item.Status.DONE


@LOOPBACK
def test_a_fetched_item_whose_task_was_lost_is_found_by_the_sweeper(make_account, origin):
    account, _ = make_account()
    item = _submit(account, origin.serve("/step/lost.jpg", photo_bytes()))
    _fetch(item)
    _drain_queue()
    Item.objects.filter(pk=item.pk).update(enqueued_at=timezone.now() - LONG_AGO)

    assert maintenance.sweep()["requeued_queued"] == 1
    tasks.process_item(str(item.pk), 1)
    assert Item.objects.get(pk=item.pk).status == Item.Status.DONE


@LOOPBACK
def test_a_stale_fetch_attempt_changes_nothing(make_account, origin):
    account, _ = make_account()
    item = _submit(account, origin.serve("/step/stale.jpg", photo_bytes()))
    stale = lifecycle.claim(item.pk, 1, fetching=True)
    _expire_lease(item)
    fetching.run(lifecycle.claim_next_fetch())  # attempt 2 takes over and finishes the step
    assert not lifecycle.fetched(stale, "fetched/elsewhere", {})
    assert not lifecycle.fail(stale, "timeout", "late")
    item.refresh_from_db()
    assert (item.status, item.fetched_generation, item.attempts) == (Item.Status.QUEUED, 1, 0)


@override_settings(REDUCER_MAX_ATTEMPTS=1)
def test_a_download_that_keeps_killing_its_worker_fails_as_poison_uncharged(make_account):
    account, _ = make_account()
    item = _submit(account, "https://images.example.com/never-answers.jpg")
    lifecycle.claim(item.pk, 1, fetching=True)
    _expire_lease(item)
    assert lifecycle.claim_next_fetch() is None
    assert maintenance.sweep()["poisoned"] == 1
    item.refresh_from_db()
    assert (item.status, item.error_code) == (Item.Status.FAILED, lifecycle.POISON_CODE)
    assert charges(item) == 0 and Plan.objects.get(account=account).reserved == 0


def test_a_refused_url_fails_in_the_fetch_step_uncharged(make_account, origin):
    account, _ = make_account()
    item = _submit(account, origin.serve("/step/loopback.jpg", photo_bytes()))  # loopback: not allowed here
    _fetch(item)
    item.refresh_from_db()
    assert (item.status, item.error_code, item.source_name) == (Item.Status.FAILED, "forbidden_address", "")
    assert charges(item) == 0
