"""api-status.php answers multipart (SDK), urlencoded (plugin) and query-string (plugin fallback)
calls with numeric counters."""

import requests

from accounts import credits
from tests.conftest import photo_bytes
from tests.shortpixel.test_uploads import upload


def _numbers(body: dict) -> tuple:
    return tuple(float(body[field]) for field in ("APICallsMade", "APICallsQuota", "APICallsMadeOneTime",
                                                   "APICallsQuotaOneTime"))  # fmt: skip


def test_api_status_in_every_request_shape(web, cluster, make_account):
    account, key = make_account(monthly_quota=40, onetime_credits=5)
    upload(web, key, {"count.jpg": photo_bytes(100, 80)}, wait="25")
    url = f"{web.url}/v2/api-status.php"
    answers = [
        requests.post(url, files={"key": (None, key), "DomainCheck": (None, "https://example.org")}, timeout=10),
        requests.post(
            url, data={"key": key, "DomainCheck": "https://example.org", "useragent": "Agent%25"}, timeout=10
        ),
        requests.get(url, params={"key": key}, timeout=10),
    ]
    for response in answers:
        assert response.status_code == 200
        body = response.json()
        assert body["Status"]["Code"] == "2"
        assert _numbers(body) == (1, 40, 0, 5)
        assert body["Unlimited"] == "false"
        assert len(body["DateSubscription"]) == 19
    assert answers[0].json()["DomainCheck"] == answers[1].json()["DomainCheck"] == "Accessible"
    credits.top_up(account, 10)
    assert _numbers(requests.get(url, params={"key": key}, timeout=10).json())[3] == 15


def test_api_status_with_a_bad_key_is_minus_401(web, make_account):
    make_account()
    response = requests.post(f"{web.url}/v2/api-status.php", data={"key": "A" * 20}, timeout=10)
    assert response.status_code == 200 and response.json()["Status"]["Code"] == "-401"
