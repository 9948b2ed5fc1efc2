"""A media item whose files all failed must stop the WordPress plugin, not keep it polling.

WordPress plugin 6.5.1, ``ApiController::handleResponse`` (class/Controller/Api/ApiController.php):
the first result's ``Status`` is read as the whole answer's. On -102, -105, -106, -108, -111, -113,
-201, -202, -203, -207, -302 and -306 the item fails for good; on any other code it goes on to
``handleOptimizeResponse``, which takes the done sizes, waits for the pending ones and passes over
the failed ones; with nothing done and nothing pending it answers "retry", and the item is sent
again on the next tick, with no limit (the 30-poll limit counts only waiting answers). Its next
requests carry only the sizes it still needs.
"""

from __future__ import annotations

import struct
import time
import zlib

from tests.conftest import photo_bytes
from tests.engine.hostile import png_build
from tests.shortpixel.client import call

PLUGIN_FINAL = {-102, -105, -106, -108, -111, -113, -201, -202, -203, -207, -302, -306}


def plugin_reads(answer: dict) -> str:
    """What the plugin does with an answer, as handleResponse and handleOptimizeResponse decide."""
    results = [answer[key] for key in answer if key != "returndatalist"]
    codes = [int(result["Status"]["Code"]) for result in results]
    if codes[0] in PLUGIN_FINAL:
        return "fails for good"
    if 2 in codes:
        return "takes the done sizes"
    if 1 in codes or 0 in codes:
        return "waits"
    return "asks again"


def too_many_pixels() -> bytes:
    """A small PNG whose header claims 100000 x 100000 pixels: refused as too big before decoding."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return png_build([(b"IHDR", header), (b"IDAT", zlib.compress(b"\0" * 16)), (b"IEND", b"")])


def plugin_request(key: str, urls: dict[str, str], refresh: bool) -> dict:
    return {
        "key": key,
        "lossy": 1,
        "refresh": refresh,
        "urllist": list(urls.values()),
        "paramlist": [{"url": url, "convertto": "+webp|+avif", "resize": 0, "keep_exif": 0} for url in urls.values()],
        "returndatalist": {"sizes": {name: f"{name}.png" for name in urls}, "doubles": [], "duplicates": []},
    }


def settle(web, key: str, urls: dict[str, str]) -> dict:
    """Poll as the plugin does until nothing is pending."""
    call(web, "reducer.php", plugin_request(key, urls, refresh=True), as_form_label=True)
    deadline = time.monotonic() + 60
    while True:
        answer = call(web, "reducer.php", plugin_request(key, urls, refresh=False), as_form_label=True)
        if plugin_reads(answer) != "waits" or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_the_plugin_takes_the_done_sizes_then_stops_on_the_failed_one(web, cluster, origin, make_account):
    _, key = make_account()
    huge = origin.serve("/wp/huge.png", too_many_pixels())
    thumb = origin.serve("/wp/huge-150x150.png", photo_bytes(150, 150, format="PNG"))

    # The failed full size comes first, as the plugin sends it: the plugin passes over it and takes
    # the thumbnail, so it must not read as final while the thumbnail is there to take.
    answer = settle(web, key, {"full": huge, "thumbnail": thumb})
    assert answer["1"]["Status"]["Code"] == "2", answer
    assert plugin_reads(answer) == "takes the done sizes"
    assert answer["0"]["Status"]["Code"] == "-205"
    reason = answer["0"]["Status"]["Message"]

    # Then it asks for what is left, the failed size alone: that answer stops it, with our message.
    answer = settle(web, key, {"full": huge})
    assert plugin_reads(answer) == "fails for good", answer
    assert answer["0"]["Status"]["Code"] == "-111"
    assert answer["0"]["Status"]["Message"] == reason  # the plugin shows it
    again = call(web, "reducer.php", plugin_request(key, {"full": huge}, refresh=False), as_form_label=True)
    assert plugin_reads(again) == "fails for good"


def test_other_clients_keep_the_code_as_it_is(web, cluster, origin, make_account):
    _, key = make_account()
    huge = origin.serve("/sdk/huge.png", too_many_pixels())
    body = {"key": key, "lossy": 1, "wait": 20, "urllist": [huge]}
    (result,) = call(web, "reducer.php", body)
    assert result["Status"]["Code"] == "-205", result
