"""URL items fetch their bytes through the guarded fetcher, configured from settings."""

from django.test import override_settings

from optimizer import fetching, lifecycle, pipeline, services
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import LOSSY_JPEG, charges


def _run_url_item(account, url):
    """Both steps in this process: the fetch step, then (when it stored the bytes) the optimizing one."""
    (outcome,) = services.submit(account, "internal", [services.WorkRequest(services.UrlSource(url), LOSSY_JPEG)])
    fetching.run(lifecycle.claim(outcome.item.pk, 1, fetching=True))
    claim = lifecycle.claim(outcome.item.pk, 1)
    if claim is not None:
        pipeline.run(claim)
    return Item.objects.get(pk=outcome.item.pk)


@override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.0/8",))
def test_a_url_item_is_fetched_and_optimized(make_account, origin):
    account, _ = make_account()
    data = photo_bytes()
    item = _run_url_item(account, origin.serve("/photo.jpg", data))
    assert item.status == Item.Status.DONE and item.original_size == len(data)
    assert charges(item) == 1


def test_loopback_sources_are_refused_unless_allowed(make_account, origin):
    account, _ = make_account()
    item = _run_url_item(account, origin.serve("/photo.jpg", photo_bytes()))
    assert (item.status, item.error_code) == (Item.Status.FAILED, "forbidden_address")
    assert charges(item) == 0


@override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.0/8",))
def test_a_dead_link_fails_as_a_download_failure(make_account, origin):
    account, _ = make_account()
    item = _run_url_item(account, origin.url("/missing.jpg"))
    assert (item.status, item.error_code) == (Item.Status.FAILED, "download_failed")
