"""Slow origins hold fetch threads, never CPU workers: with every worker's worth of URLs stuck on
origins that answer near the download deadline, a URL sent after them is optimized at once."""

import time

import pytest

from optimizer import services
from optimizer.models import Item
from tests.conftest import ROOT, ServiceProcess, photo_bytes, wait_for
from tests.optimizer.helpers import LOSSY_JPEG
from tests.service.cluster_helpers import wait_until_finished

DEADLINE = 10  # seconds: this module's download deadline, so the slow origins leave a clear window
WORKERS = 2


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker):
    running = ServiceProcess(
        "cluster-slow-origins",
        [str(ROOT / "manage.py"), "qcluster"],
        REDUCER_FETCH_DEADLINE=str(DEADLINE),
        REDUCER_QUEUE_WORKERS=str(WORKERS),
    )
    try:
        yield running
    finally:
        running.stop()


def _submit(account, *urls: str) -> list[Item]:
    requests = [services.WorkRequest(services.UrlSource(url), LOSSY_JPEG) for url in urls]
    return [outcome.item for outcome in services.submit(account, "internal", requests)]


@pytest.mark.backends
def test_a_url_sent_after_slow_ones_is_done_long_before_their_deadline(make_account, cluster, origin):
    account, _ = make_account()
    slow_urls = [origin.serve(f"/slow/{n}.jpg", photo_bytes(), delay=DEADLINE - 2) for n in range(WORKERS)]
    slow = _submit(account, *slow_urls)
    wait_for(
        lambda: Item.objects.filter(pk__in=[item.pk for item in slow], status=Item.Status.RUNNING).count() == WORKERS,
        timeout=30,
        message=f"the slow downloads never started; cluster log:\n{cluster.log_tail()}",
    )
    started = time.monotonic()
    (normal,) = _submit(account, origin.serve("/fast/photo.jpg", photo_bytes()))

    done = wait_until_finished(normal.pk, cluster, timeout=DEADLINE)
    took = time.monotonic() - started

    assert done.status == Item.Status.DONE, (done.error_code, done.error_message)
    assert took < DEADLINE / 2, f"the normal URL took {took:.1f} s"
    still = Item.objects.filter(pk__in=[item.pk for item in slow]).values_list("status", flat=True)
    assert set(still) == {Item.Status.RUNNING}  # both are still downloading
    for item in slow:  # and then finish, within their deadline
        assert wait_until_finished(item.pk, cluster, timeout=DEADLINE * 2).status == Item.Status.DONE
