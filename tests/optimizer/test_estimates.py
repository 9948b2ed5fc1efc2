"""How long an item is expected to take: more pixels and more variants cost more, a resize costs
the output's size, a conversion the memory budget leaves out costs nothing, the engine's expected
CPU is kept when the source's bytes arrive so that no estimate reads them,
the work queued ahead is shared by the live workers, and a running item counts down."""

import io
import os
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from optimizer import estimates
from optimizer.engine import Format, Limits, Mode, Resize, ResizeMode, Spec, Target, cost
from optimizer.models import Item, WorkerBeat
from tests.conftest import photo_bytes
from tests.optimizer.helpers import DEFAULT_SET, submit_upload


def flat_png(width: int, height: int) -> bytes:
    """A real PNG whose header tells many pixels in a few kilobytes."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def own_seconds(item: Item) -> float:
    return estimates.engine_seconds(item)


def test_more_pixels_and_more_variants_cost_more(make_account):
    account, _ = make_account(monthly_quota=10)
    small = submit_upload(account, photo_bytes(320, 240)).item
    large = submit_upload(account, photo_bytes(960, 720)).item
    assert own_seconds(large) > 2 * own_seconds(small) > 0
    full_set = submit_upload(account, photo_bytes(320, 240), spec=DEFAULT_SET).item
    assert own_seconds(full_set) > 2 * own_seconds(small)


def test_an_upload_keeps_its_expected_cpu_and_an_estimate_never_reads_the_source(make_account):
    account, _ = make_account(monthly_quota=10)
    item = submit_upload(account, flat_png(3000, 2000)).item
    assert item.expected_cpu_seconds == own_seconds(item)
    before = estimates.expected_seconds(item)
    default_storage.delete(item.source_name)  # an estimate that read the source would fail or guess now
    item.refresh_from_db()
    assert estimates.expected_seconds(item) == before
    assert own_seconds(item) > 5  # 6 megapixels, whatever the file's few kilobytes suggest


def test_a_source_whose_header_was_not_read_is_costed_from_its_byte_size(make_account):
    account, _ = make_account(monthly_quota=10)
    item = submit_upload(account, photo_bytes(640, 480)).item
    Item.objects.filter(pk=item.pk).update(expected_cpu_seconds=None)
    item.refresh_from_db()
    assert estimates.engine_seconds(item) > 0
    item.original_size *= 10
    assert estimates.engine_seconds(item) > 5 * estimates.engine_seconds(submit_upload(account, photo_bytes()).item)


def test_a_resized_item_costs_its_output_size(make_account):
    account, _ = make_account(monthly_quota=10)
    lossy = (Target(Mode.LOSSY),)
    large = submit_upload(account, flat_png(3000, 2000), spec=Spec(targets=lossy)).item
    shrunk = Spec(targets=lossy, resize=Resize(ResizeMode.FIT, 800, 800))
    resized = submit_upload(account, flat_png(3000, 2000), spec=shrunk).item
    small = submit_upload(account, flat_png(800, 600), spec=Spec(targets=lossy)).item
    assert own_seconds(small) < own_seconds(resized) < own_seconds(large) / 3


def test_a_conversion_the_memory_budget_leaves_out_costs_nothing(make_account):
    account, _ = make_account(monthly_quota=10)
    lossy, avif = Target(Mode.LOSSY), Target(Mode.LOSSY, Format.AVIF)
    photo = photo_bytes(4000, 3000)  # 12 MP: under the default budget its JPEG is made, its AVIF is not
    alone = submit_upload(account, photo, spec=Spec(targets=(lossy,))).item
    with_avif = submit_upload(account, photo, spec=Spec(targets=(lossy, avif))).item
    assert own_seconds(with_avif) == own_seconds(alone) > 0
    # at 3 MP the AVIF is made, and costed
    smaller = photo_bytes(2000, 1500)
    both, one = (cost.estimate(smaller, Spec(targets=targets), Limits()) for targets in ((lossy, avif), (lossy,)))
    assert both > one


def test_the_queue_ahead_is_counted_and_shared_by_the_live_workers(make_account, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)  # every worker has a core of its own
    account, _ = make_account(monthly_quota=20)
    for side in range(8):
        submit_upload(account, photo_bytes(400 + side, 300))
    last = submit_upload(account, photo_bytes(320, 240)).item
    now = timezone.now()
    WorkerBeat.objects.create(name="host:1", seen_at=now)
    WorkerBeat.objects.create(name="host:dead", seen_at=now - timedelta(minutes=5))
    WorkerBeat.objects.create(name="host:draining", seen_at=now, draining=True)
    assert estimates.live_workers(now) == 1
    behind_one_worker = estimates.expected_seconds(last)
    assert behind_one_worker > 5 * own_seconds(last)

    for pid in range(2, 5):
        WorkerBeat.objects.create(name=f"host:{pid}", seen_at=now)
    assert estimates.live_workers(now) == 4
    behind_four_workers = estimates.expected_seconds(last)
    assert behind_four_workers - own_seconds(last) < (behind_one_worker - own_seconds(last)) / 3.9

    Item.objects.exclude(pk=last.pk).update(status=Item.Status.DONE)
    assert estimates.expected_seconds(last) == own_seconds(last)


def test_a_running_item_shows_what_is_left_of_its_estimate(make_account, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    account, _ = make_account(monthly_quota=10)
    item = submit_upload(account, flat_png(3000, 2000)).item
    total = own_seconds(item)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.RUNNING, started_at=timezone.now() - timedelta(seconds=3))
    item.refresh_from_db()
    assert total - 3.5 < estimates.expected_seconds(item) < total - 2.5
    Item.objects.filter(pk=item.pk).update(started_at=timezone.now() - timedelta(hours=1))
    item.refresh_from_db()
    assert estimates.seconds_left(item) == 1
