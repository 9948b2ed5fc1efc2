"""`wait` holds the request until the items are done (or the time is up)."""

import time

from tests.shortpixel.client import codes, photos, reducer


def test_wait_answers_code_2_in_one_call(web, cluster, origin, make_account):
    _, key = make_account()
    urls = photos(origin, 2, prefix="/wait")
    results = reducer(web, key, urls, wait=25)
    assert codes(results) == ["2", "2"]


def test_wait_gives_up_at_its_limit_with_code_1(web, cluster, origin, make_account):
    _, key = make_account()
    slow = origin.serve("/slow-wait.jpg", b"", delay=3)  # the fetch outlasts the wait
    started = time.monotonic()
    results = reducer(web, key, [slow], wait=1)
    assert codes(results) == ["1"]
    assert 0.9 < time.monotonic() - started < 2.5
