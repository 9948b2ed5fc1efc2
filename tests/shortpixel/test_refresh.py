"""refresh=1 redoes a finished URL (a new charge); refresh=0 polls return the same result."""

from accounts.models import CreditEntry
from tests.shortpixel.client import codes, photos, poll, reducer


def test_refresh_redoes_the_work_and_plain_polls_do_not(web, cluster, origin, make_account):
    account, key = make_account()
    urls = photos(origin, 1, prefix="/refresh")
    done = poll(web, key, urls)
    assert codes(done) == ["2"]
    again = reducer(web, key, urls, refresh=0)
    assert again[0]["LossyURL"] == done[0]["LossyURL"]

    redone = reducer(web, key, urls, refresh=1, wait=25)
    assert codes(redone) == ["2"]
    assert redone[0]["LossyURL"] != done[0]["LossyURL"]  # a new generation's file
    assert CreditEntry.objects.filter(account=account, kind="settle").count() == 2
