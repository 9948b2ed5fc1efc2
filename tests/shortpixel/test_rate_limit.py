"""Over its key's rate limit, reducer.php and post-reducer.php answer HTTP 200 with -404 "queue full",
the code both ShortPixel clients sleep on and retry (a 429 would fail the plugin's item for good);
nothing is submitted. api-status stays answerable, and the count is shared with the v1 face."""

import requests

from accounts.models import Plan
from optimizer.models import Item
from tests.shortpixel.client import photos, reducer


def test_over_the_limit_reducer_php_is_minus_404_and_submits_nothing(web, origin, make_account):
    account, key = make_account()
    Plan.objects.filter(account=account).update(rate_limit_per_minute=2)
    urls = photos(origin, 1, prefix="/rate")
    for _ in range(2):
        assert isinstance(reducer(web, key, urls), list)
    more = photos(origin, 1, prefix="/rate2")
    answer = requests.post(f"{web.url}/v2/reducer.php", json={"key": key, "urllist": more}, timeout=30)
    assert answer.status_code == 200
    status = answer.json()["Status"]
    assert status["Code"] == "-404" and "retry in" in status["Message"]
    assert Item.objects.filter(account=account).count() == 1  # only the first URL, submitted once
    api_status = requests.post(f"{web.url}/v2/api-status.php", data={"key": key}, timeout=30).json()
    assert api_status["Status"]["Code"] == "2"


def test_the_limit_is_shared_with_the_v1_face(web, make_account):
    account, key = make_account()
    Plan.objects.filter(account=account).update(rate_limit_per_minute=1)
    first = requests.get(f"{web.url}/api/v1/info", headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert first.status_code == 200, first.text
    answer = requests.post(f"{web.url}/v2/post-reducer.php", json={"key": key, "file_urls": []}, timeout=30)
    assert answer.status_code == 200 and answer.json()["Status"]["Code"] == "-404"
