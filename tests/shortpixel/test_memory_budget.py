"""A conversion over the worker memory budget is answered as one the format cannot make: "NC" to
the WordPress plugin, which records it and stops sending the image again, "NA" to the SDK, which
saves no AVIF and raises nothing. The image itself is optimized as usual."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from optimizer.engine import Format, Limits, Mode, Spec, Target
from optimizer.engine.memory import estimates
from tests.conftest import Cluster, photo_bytes
from tests.shortpixel.test_client_contract import (
    _post,
    media_item_request,
    plugin_reads,
    sdk_pending,
    sdk_saved_conversion,
)

PHOTO = photo_bytes(1200, 900)
OWN, AVIF = Target(Mode.LOSSY), Target(Mode.LOSSY, Format.AVIF)


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker) -> Iterator[Cluster]:
    """Workers whose budget holds the photo's JPEG but not its AVIF."""
    need = estimates(PHOTO, Spec(targets=(OWN, Target(Mode.LOSSLESS), AVIF)), Limits())
    assert need[OWN] < need[AVIF]
    running = Cluster(REDUCER_WORKER_MEMORY_BUDGET=str(need[AVIF] - 1))
    try:
        yield running
    finally:
        running.stop()


def test_an_avif_over_the_memory_budget_stops_each_client_cleanly(web, cluster, origin, make_account):
    _, key = make_account()
    url = origin.serve("/photo.jpg", PHOTO)
    plugin = media_item_request(key, {"full": url}, 1, "+avif", refresh=True) | {"wait": 30}
    answer = _post(web, plugin)["0"]
    assert answer["Status"]["Code"] == "2", answer
    statuses = plugin_reads(answer, 1)
    assert statuses == {"image": "success", "webp": "skipped", "avif": "not compatible"}, statuses
    sdk = {"key": key, "lossy": 1, "convertto": "+avif", "wait": 30, "plugin_version": "sp-sdk 1.9.2", "urllist": [url]}
    (answer,) = _post(web, sdk)
    assert sdk_saved_conversion(answer, 1, "avif") is None  # "NA": no AVIF saved, no error
    assert not sdk_pending(answer)
