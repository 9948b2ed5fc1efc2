"""The sweeper re-enqueues lost work and fails exhausted items; cleanup deletes expired results."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone
from django_q.brokers import get_broker

from optimizer import lifecycle, maintenance, pipeline
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import submit_upload

LONG_AGO = timedelta(hours=1)


def _drain_queue():
    broker = get_broker()
    while (task := broker.dequeue()) is not None:
        for task_id, _ in task:
            broker.acknowledge(task_id)


def _orphan(make_account) -> Item:
    """A running item whose worker died long ago: its lease has run out."""
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    lifecycle.claim(item.pk, 1)
    Item.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1), enqueued_at=timezone.now() - LONG_AGO
    )
    return item


def test_an_item_whose_worker_died_is_enqueued_again(make_account):
    _orphan(make_account)
    before = get_broker().queue_size()
    assert maintenance.sweep()["requeued_running"] == 1
    assert get_broker().queue_size() == before + 1
    assert maintenance.sweep()["requeued_running"] == 0  # not again until REQUEUE_AFTER has passed


@override_settings(REDUCER_MAX_ATTEMPTS=1)
def test_an_orphan_with_no_attempts_left_is_failed_as_poison(make_account):
    item = _orphan(make_account)
    assert maintenance.sweep()["poisoned"] == 1
    item.refresh_from_db()
    assert (item.status, item.error_code) == (Item.Status.FAILED, lifecycle.POISON_CODE)


def test_a_queued_item_lost_by_the_broker_is_enqueued_again_once_the_queue_is_empty(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    _drain_queue()  # the broker "lost" it
    Item.objects.filter(pk=item.pk).update(enqueued_at=timezone.now() - LONG_AGO)
    assert maintenance.sweep()["requeued_queued"] == 1
    assert get_broker().queue_size() == 1


def test_a_queued_item_is_left_alone_while_the_queue_is_busy(make_account):
    account, _ = make_account()
    item = submit_upload(account, photo_bytes()).item
    Item.objects.filter(pk=item.pk).update(enqueued_at=timezone.now() - LONG_AGO)
    assert get_broker().queue_size() >= 1
    assert maintenance.sweep()["requeued_queued"] == 0


def test_results_past_retention_are_deleted_and_the_item_expires(make_account):
    account, _ = make_account()
    old = submit_upload(account, photo_bytes(64, 48)).item
    recent = submit_upload(account, photo_bytes(48, 64)).item
    for item in (old, recent):
        pipeline.run(lifecycle.claim(item.pk, 1))
    files = [v.storage_name for v in old.variants.all() if v.storage_name] + [old.source_name]
    assert files and all(default_storage.exists(name) for name in files)
    Item.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=30))
    assert maintenance.clean_expired() == 1
    old.refresh_from_db()
    assert old.status == Item.Status.EXPIRED and not old.variants.exists()
    assert not any(default_storage.exists(name) for name in files)
    recent.refresh_from_db()
    assert recent.status == Item.Status.DONE and recent.variants.exists()


def test_an_expired_item_submitted_again_is_redone(make_account):
    account, _ = make_account()
    data = photo_bytes(64, 48)
    item = submit_upload(account, data).item
    pipeline.run(lifecycle.claim(item.pk, 1))
    Item.objects.filter(pk=item.pk).update(finished_at=timezone.now() - timedelta(days=30))
    maintenance.clean_expired()
    again = submit_upload(account, data)
    assert again.started and again.item.generation == 2
    assert default_storage.exists(again.item.source_name)


def test_schedules_for_sweeping_and_cleanup_exist_after_migrate(transactional_db):
    from django_q.models import Schedule

    funcs = set(Schedule.objects.values_list("func", flat=True))
    assert {"optimizer.tasks.sweep", "optimizer.tasks.clean_expired"} <= funcs
