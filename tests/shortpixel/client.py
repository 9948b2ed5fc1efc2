"""Talking to the ShortPixel face the way the official clients do."""

from __future__ import annotations

import json
import time

import requests

from tests.conftest import photo_bytes

ITEM_FIELDS = {
    "Status", "OriginalURL", "LosslessURL", "LossyURL", "WebPLosslessURL", "WebPLossyURL", "AVIFLosslessURL",
    "AVIFLossyURL", "OriginalSize", "LossySize", "LosslessSize", "LoselessSize", "WebPLossySize", "WebPLosslessSize",
    "WebPLoselessSize", "AVIFLossySize", "AVIFLosslessSize", "TimeStamp", "PercentImprovement",
}  # fmt: skip


def call(web, endpoint: str, body: dict, *, as_form_label: bool = False) -> dict | list:
    """POST a JSON body, labelled as JSON (the SDK) or as a form (the WordPress plugin)."""
    content_type = "application/x-www-form-urlencoded" if as_form_label else "application/json"
    response = requests.post(
        f"{web.url}/v2/{endpoint}", data=json.dumps(body), headers={"Content-Type": content_type}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def reducer(web, key: str, urls: list[str], **options) -> dict | list:
    return call(web, "reducer.php", {"key": key, "urllist": urls, "plugin_version": "test", **options})


def codes(results) -> list[str]:
    return [result["Status"]["Code"] for result in results]


def poll(web, key: str, urls: list[str], timeout: float = 60, **options) -> list[dict]:
    """Re-POST the same request until no result is pending, as plain API users poll."""
    deadline = time.monotonic() + timeout
    while True:
        results = reducer(web, key, urls, **options)
        if "1" not in codes(results) or time.monotonic() > deadline:
            return results
        time.sleep(0.3)


def photos(origin, count: int = 1, prefix: str = "/photo") -> list[str]:
    return [origin.serve(f"{prefix}-{n}.jpg", photo_bytes(200 + 8 * n, 150)) for n in range(count)]


def download(url: str) -> requests.Response:
    response = requests.get(url, timeout=30, allow_redirects=False)
    assert response.status_code == 200, (url, response.status_code)
    return response
