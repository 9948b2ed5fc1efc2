"""The PHP SDK's polls, as toFiles makes them when the URLs of one call finish in different polls.

PHP SDK 1.9.2 (short-pixel-optimizer/shortpixel-php):
- ``Commander::isDone`` (lib/ShortPixel/Commander.php) drops a finished URL from ``pendingURLs`` when
  it is there and from ``urllist`` only otherwise; ``Commander::relaunch`` puts every pending URL in
  ``pendingURLs``. So a URL that finishes in the second poll or later stays in ``urllist`` and is
  asked for, and answered, again in every later poll.
- ``Client::request`` (lib/ShortPixel/Client.php) gives an answered URL a local path (a "file
  mapping") only when it is still in ``pendingURLs``.
- ``Result::toFiles`` (lib/ShortPixel/Result.php), for every item of an answer that has file mappings:
  the mapped path when the item has one, else the item's ``OriginalFileName``, else it throws
  "Cannot determine a filename to save to" and the whole call fails.
"""

from __future__ import annotations

import requests

from tests.conftest import photo_bytes
from tests.shortpixel.client import call, codes, poll, reducer


def sdk_file_name(result: dict, mappings: dict[str, str]) -> str:
    """The name toFiles saves an item of a mapped answer under, or the error it stops the call with."""
    if result["OriginalURL"] in mappings:
        return mappings[result["OriginalURL"]].rsplit("/", 1)[-1]
    assert "OriginalFileName" in result, f"Cannot determine a filename to save to {result['OriginalURL']}"
    return result["OriginalFileName"]


def test_a_url_done_in_an_earlier_poll_can_still_be_named(web, cluster, origin, make_account):
    _, key = make_account()
    done_first = origin.serve("/sdk-polls/done.jpg", photo_bytes(240, 160))
    assert codes(poll(web, key, [done_first])) == ["2"]
    still_pending = origin.serve("/sdk-polls/slow.jpg?v=2", photo_bytes(260, 170), delay=3)
    dead = origin.url("/sdk-polls/missing.jpg")

    # The URL done earlier is no longer in pendingURLs; the others are, with their local paths.
    mappings = {still_pending: "/site/images/slow.jpg?v=2", dead: "/site/images/missing.jpg"}
    answer = reducer(web, key, [done_first, still_pending, dead], wait=0)
    assert codes(answer)[0] == "2"
    names = [sdk_file_name(result, mappings) for result in answer]
    assert names == ["done.jpg", "slow.jpg?v=2", "missing.jpg"]  # the part after the last "/"

    # Every state carries it: pending, done and failed.
    final = poll(web, key, [done_first, still_pending, dead])
    assert codes(final) == ["2", "2", "-203"]
    assert [result["OriginalFileName"] for result in final] == ["done.jpg", "slow.jpg?v=2", "missing.jpg"]


def test_an_upload_is_named_by_its_file_name(web, cluster, make_account):
    _, key = make_account()
    body = {"key": key, "lossy": 1, "file_paths": '{"file1": "/site/images/photo one.jpg"}'}
    response = requests.post(f"{web.url}/v2/post-reducer.php", data=body,
                             files={"file1": ("photo one.jpg", photo_bytes(200, 150))}, timeout=60)  # fmt: skip
    (result,) = response.json()
    assert result["OriginalFileName"] == result["OriginalURL"].rsplit("/", 1)[-1]
    (polled,) = call(web, "post-reducer.php", {"key": key, "lossy": 1, "wait": 20,
                                               "file_urls": {"url1": result["OriginalURL"]}})  # fmt: skip
    assert polled["OriginalFileName"] == result["OriginalFileName"]
