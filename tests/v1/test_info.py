"""GET /api/v1/info: endpoint, credits and their reset, the key's rate limit, inputs and outputs."""

from accounts.models import Plan
from tests.v1.conftest import bearer


def test_info_describes_the_account_and_the_service(client, make_account):
    account, key = make_account(monthly_quota=7)
    Plan.objects.filter(account=account).update(rate_limit_per_minute=9)
    body = client.get("/api/v1/info", **bearer(key)).json()
    assert body["endpoint"].endswith("/api/v1/compress")
    assert body["credits"]["remaining"] == 7 and body["credits"]["unlimited"] is False
    assert body["credits"]["resets_at"]
    assert (body["rate_limit"]["limit"], body["rate_limit"]["remaining"]) == (9, 8)
    assert set(body["inputs"]["sources"]) == {"file", "file_base64", "url"}
    assert {"jpeg", "png", "webp", "avif"} <= set(body["inputs"]["formats"])
    assert set(body["outputs"]["formats"]) >= {"original", "auto", "jpeg", "jpg", "png", "webp", "avif"}
    assert body["outputs"]["modes"] == ["lossy", "glossy", "lossless"]
    assert body["outputs"]["metadata"] == ["none", "copyright", "all"]
