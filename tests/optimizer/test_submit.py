"""submit(): one item per source + options, a reserved credit per new piece of work, queued after commit."""

from django.core.files.storage import default_storage
from django_q.brokers import get_broker

from accounts.models import CreditEntry, Plan
from optimizer import services
from optimizer.engine import Format, Mode, Spec, Target
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import LOSSY_JPEG, submit_upload


def test_a_new_upload_is_stored_queued_and_holds_a_credit(make_account):
    account, _ = make_account(monthly_quota=3)
    before = get_broker().queue_size()
    outcome = submit_upload(account, photo_bytes())
    item = outcome.item
    assert outcome.started and item.status == Item.Status.QUEUED
    assert default_storage.exists(item.source_name)
    assert Plan.objects.get(account=account).reserved == 1
    assert get_broker().queue_size() == before + 1


def test_the_same_source_and_options_return_the_same_item_without_a_second_hold(make_account):
    account, _ = make_account(monthly_quota=3)
    data = photo_bytes()
    first = submit_upload(account, data)
    again = submit_upload(account, data)
    assert again.item.pk == first.item.pk and not again.started
    assert Plan.objects.get(account=account).reserved == 1


def test_other_options_make_another_item(make_account):
    account, _ = make_account(monthly_quota=3)
    data = photo_bytes()
    first = submit_upload(account, data)
    webp = submit_upload(account, data, Spec(targets=(Target(Mode.LOSSY, Format.WEBP),)))
    assert webp.item.pk != first.item.pk


def test_refresh_redoes_a_finished_item_as_a_new_generation(make_account):
    account, _ = make_account(monthly_quota=3)
    data = photo_bytes()
    item = submit_upload(account, data).item
    Item.objects.filter(pk=item.pk).update(status=Item.Status.DONE)
    redone = submit_upload(account, data, refresh=True)
    assert redone.started and redone.item.pk == item.pk
    assert (redone.item.generation, redone.item.status) == (2, Item.Status.QUEUED)
    assert CreditEntry.objects.filter(item=item, kind="reserve").count() == 2


def test_refresh_leaves_work_in_progress_alone(make_account):
    account, _ = make_account(monthly_quota=3)
    data = photo_bytes()
    item = submit_upload(account, data).item
    again = submit_upload(account, data, refresh=True)
    assert not again.started and again.item.generation == item.generation


def test_without_credits_nothing_is_created_or_queued(make_account):
    account, _ = make_account(monthly_quota=0)
    before = get_broker().queue_size()
    outcome = submit_upload(account, photo_bytes())
    assert (outcome.item, outcome.error) == (None, "no_credits")
    assert not Item.objects.filter(account=account).exists()
    assert get_broker().queue_size() == before


def test_a_batch_gets_credits_in_order_until_they_run_out(make_account):
    account, _ = make_account(monthly_quota=2)
    requests = [services.WorkRequest(services.UploadSource(photo_bytes(40 + n, 30)), LOSSY_JPEG) for n in range(3)]
    outcomes = services.submit(account, "internal", requests)
    assert [bool(outcome.item) for outcome in outcomes] == [True, True, False]
    assert outcomes[2].error == "no_credits"


def test_without_dedupe_every_request_is_new_work(make_account):
    account, _ = make_account(monthly_quota=3)
    data = photo_bytes()
    first = submit_upload(account, data, dedupe=False)
    second = submit_upload(account, data, dedupe=False)
    assert first.item.pk != second.item.pk
