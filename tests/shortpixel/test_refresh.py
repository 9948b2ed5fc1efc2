"""refresh=1 fetches the source again: unchanged bytes are answered from the kept results without a
charge; changed bytes are optimized again and charged. refresh=0 polls return the same result."""

from accounts.models import CreditEntry
from tests.conftest import photo_bytes
from tests.shortpixel.client import codes, photos, poll, reducer


def _settled(account) -> int:
    return CreditEntry.objects.filter(account=account, kind="settle").count()


def test_refresh_of_unchanged_bytes_keeps_the_results_and_charges_nothing(web, cluster, origin, make_account):
    account, key = make_account()
    urls = photos(origin, 1, prefix="/refresh-same")
    done = poll(web, key, urls)
    assert codes(done) == ["2"]
    again = reducer(web, key, urls, refresh=0)
    assert again[0]["LossyURL"] == done[0]["LossyURL"]

    fetches = len(origin.requests)
    redone = reducer(web, key, urls, refresh=1, wait=25)
    assert codes(redone) == ["2"]
    assert len(origin.requests) == fetches + 1  # the source was fetched again to compare
    assert redone[0]["LossyURL"] == done[0]["LossyURL"]
    assert redone[0]["LossySize"] == done[0]["LossySize"]
    assert _settled(account) == 1


def test_refresh_of_changed_bytes_redoes_the_work_and_charges_again(web, cluster, origin, make_account):
    account, key = make_account()
    (url,) = photos(origin, 1, prefix="/refresh-changed")
    done = poll(web, key, [url])
    assert codes(done) == ["2"]

    origin.serve("/refresh-changed-0.jpg", photo_bytes(260, 190))
    redone = reducer(web, key, [url], refresh=1, wait=25)
    assert codes(redone) == ["2"]
    assert redone[0]["LossyURL"] != done[0]["LossyURL"]  # a new generation's file
    assert redone[0]["OriginalSize"] != done[0]["OriginalSize"]
    assert _settled(account) == 2
