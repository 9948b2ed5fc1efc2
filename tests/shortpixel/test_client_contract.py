"""What the real ShortPixel clients do with our answers, transcribed from their source, and the
WordPress plugin's request sequence for a media item with its sizes, replayed against the service.

WordPress plugin 6.5.1 (short-pixel-optimizer/shortpixel-image-optimiser):
- ``ApiController::handleNewSuccess`` (class/Controller/Api/ApiController.php ~452-555) reads
  ``LossyURL``/``LossySize`` when the compression type is lossy or glossy, ``LosslessURL``/
  ``LosslessSize`` when lossless. A URL equal to ``OriginalURL``, or a size equal to the original's,
  means "unchanged". The conversions are read from ``WebP<that slot>``/``AVIF<that slot>``: ``"NC"``
  is "not compatible", ``"NA"`` is "skipped", a URL whose size is more than 5 % above the optimized
  image (``checkFileSizeMargin``) is "bigger"; anything else is downloaded.
- ``ImageModel::isProcessableFileType`` (class/Model/Image/ImageModel.php ~240-270, ~880-920): a file
  without its WebP/AVIF that is not marked "bigger" (which "NC" also sets) stays processable, and the
  plugin sends it again with a bare ``convertto`` ("webp"/"avif") and ``refresh`` true.
- The first request of a media item carries every size in ``urllist`` with a ``paramlist`` entry per
  size and a ``returndatalist``; later polls repeat it with ``refresh`` false; it gives up after 30.

PHP SDK 1.9.2 (short-pixel-optimizer/shortpixel-php), lib/ShortPixel/Result.php:
- ~182-190: a Code 2 item whose WebP/AVIF URL is not ``"NA"`` but whose size is ``"NA"`` or 0 is
  kept pending (its "API waiting bug" guard), so every URL needs its size.
- ``checkSaveWebP``/``checkSaveAVIF`` (~388-406): a conversion is saved only when ``WebPLossyURL``
  (``AVIFLossyURL``) is not ``"NA"``, and then ``WebPLossyURL`` is downloaded for lossy > 0 and
  ``WebPLosslessURL`` for lossless. Any other string there is downloaded as a URL.
"""

from __future__ import annotations

import io
import json
import time

import pytest
import requests
from PIL import Image

from accounts.models import CreditEntry, Plan
from optimizer.engine import wordpress
from optimizer.models import Item
from tests.conftest import photo_bytes, wait_for
from tests.shortpixel.client import download

SIZE_MARGIN = 1.05  # the plugin's default filter shortpixel/api/filesizeMargin: 5 %
PATIENCE = 30  # polls before the plugin gives up on an item
CONVERSIONS = ("webp", "avif")


# --- the clients' rules ------------------------------------------------------------------------


def plugin_reads(result: dict, compression: int) -> dict[str, str]:
    """What the plugin records for one size: the image and each conversion, as handleNewSuccess does."""
    slot = "LossyURL" if compression > 0 else "LosslessURL"
    size_field = "LossySize" if compression > 0 else "LosslessSize"
    original = int(result["OriginalSize"])
    unchanged = result[slot] == result["OriginalURL"] or int(result[size_field]) == original
    optimized = original if unchanged else int(result[size_field])
    statuses = {"image": "unchanged" if unchanged else "success"}
    for fmt, prefix in (("webp", "WebP"), ("avif", "AVIF")):
        url, size = result[prefix + slot], result[prefix + size_field]
        if url == "NC":
            statuses[fmt] = "not compatible"
        elif url == "NA":
            statuses[fmt] = "skipped"
        elif int(size) > optimized * SIZE_MARGIN:
            statuses[fmt] = "bigger"
        else:
            statuses[fmt] = "downloaded"
    return statuses


def plugin_resends(statuses: dict[str, str], asked: tuple[str, ...]) -> list[str]:
    """Conversions the plugin will ask for again: asked, and neither saved nor marked bigger."""
    return [fmt for fmt in asked if statuses[fmt] == "skipped"]


def sdk_pending(result: dict) -> bool:
    """The SDK's "API waiting bug" guard: a URL without its size keeps a done item pending."""
    pairs = [("WebPLossyURL", "WebPLossySize"), ("WebPLosslessURL", "WebPLosslessSize"),
             ("AVIFLossyURL", "AVIFLossySize"), ("AVIFLosslessURL", "AVIFLosslessSize")]  # fmt: skip
    return any(result[url] != "NA" and result[size] in ("NA", "0", 0, "") for url, size in pairs)


def sdk_saved_conversion(result: dict, lossy: int, fmt: str) -> str | None:
    """The URL the SDK downloads for a conversion, or None when it saves none."""
    prefix = {"webp": "WebP", "avif": "AVIF"}[fmt]
    if result[f"{prefix}LossyURL"] == "NA":
        return None
    return result[f"{prefix}LossyURL"] if lossy > 0 else result[f"{prefix}LosslessURL"]


# --- a media library ------------------------------------------------------------------------------


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def alpha_png(width: int = 420, height: int = 300) -> bytes:
    """A screenshot-like PNG with soft transparent edges."""
    image = Image.open(io.BytesIO(photo_bytes(width, height, format="PNG"))).convert("RGBA")
    mask = Image.radial_gradient("L").resize((width, height)).point(lambda v: 255 - v)
    image.putalpha(mask)
    return _encoded(image, "PNG")


# --- the plugin's request sequence -----------------------------------------------------------------


def _post(web, body: dict) -> dict:
    # The plugin labels its JSON body a form.
    response = requests.post(f"{web.url}/v2/reducer.php", data=json.dumps(body),
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def media_item_request(key: str, urls: dict[str, str], compression: int, convertto: str, refresh: bool) -> dict:
    names = list(urls)
    return {
        "key": key,
        "lossy": compression,
        "plugin_version": "6.5.1",
        "refresh": refresh,
        "urllist": [urls[name] for name in names],
        "paramlist": [{"url": urls[name], "convertto": convertto, "resize": 0, "keep_exif": 0} for name in names],
        "returndatalist": {"sizes": {name: f"{name}.img" for name in names}, "doubles": [], "duplicates": []},
    }


def _item(account, url: str) -> Item:
    return Item.objects.filter(account=account, source_url=url).order_by("created_at").first()


def replay_media_item(web, account, key: str, urls: dict[str, str], compression: int) -> dict[str, dict]:
    """The plugin's sequence for one media item: a fire-and-forget first call, then polls until every
    size is final by the plugin's rules. Returns each size's final answer and what was recorded."""
    asked = CONVERSIONS
    _post(web, media_item_request(key, urls, compression, "+webp|+avif", refresh=True))
    final: dict[str, dict] = {}
    for _ in range(PATIENCE):
        answer = _post(web, media_item_request(key, urls, compression, "+webp|+avif", refresh=False))
        assert answer["returndatalist"]["sizes"].keys() == urls.keys()
        for index, name in enumerate(urls):
            result = answer[str(index)]
            code = result["Status"]["Code"]
            assert code in ("1", "2"), result
            if code == "2" and name not in final:
                statuses = plugin_reads(result, compression)
                # Done: the plugin stops sending this size unless a conversion was skipped.
                assert plugin_resends(statuses, asked) == [], (name, statuses, result)
                assert not sdk_pending(result), result
                final[name] = {"result": result, "statuses": statuses}
        if len(final) == len(urls):
            return final
        time.sleep(3)  # the plugin's next tick: 10 s or more on a real site
    pytest.fail(f"the plugin gave up after {PATIENCE} polls; finished: {sorted(final)}")


@pytest.mark.parametrize("compression", [1, 2, 0], ids=["lossy", "glossy", "lossless"])
def test_the_plugin_finishes_a_media_library_with_webp_and_avif(web, cluster, origin, make_account, compression):
    account, key = make_account(monthly_quota=100)
    library = {
        "photo": wordpress.sizes(photo_bytes(800, 600, quality=82)),
        "screenshot": wordpress.sizes(alpha_png()),
    }
    files = 0
    for media, sizes in library.items():
        urls = {name: origin.serve(f"/wp-{compression}/{media}-{name}", data) for name, data in sizes.items()}
        files += len(urls)
        final = replay_media_item(web, account, key, urls, compression)
        for name, found in final.items():
            result, statuses = found["result"], found["statuses"]
            for fmt, prefix in (("webp", "WebP"), ("avif", "AVIF")):
                slot = f"{prefix}{'Lossy' if compression else 'Lossless'}URL"
                assert statuses[fmt] in ("downloaded", "bigger"), (media, name, fmt, result)
                served = download(result[slot])
                assert served.headers["Content-Type"] == f"image/{fmt}"
                assert len(served.content) == int(result[slot.replace("URL", "Size")])
                assert Image.open(io.BytesIO(served.content)).format == fmt.upper()
            if statuses["image"] == "success":
                main = result["LossyURL" if compression else "LosslessURL"]
                assert int(result["LossySize"]) <= int(result["LosslessSize"])  # never worse than lossless
                assert len(download(main).content) == int(result["LossySize" if compression else "LosslessSize"])

        # The plugin's bare re-send of a done size (after an "NA", or when a format is switched on
        # later) is answered from the work done: uncharged, and done by the next request.
        charged = CreditEntry.objects.filter(account=account, kind="settle").count()
        full = {"full": urls["full"]}
        for fmt in CONVERSIONS:
            _post(web, media_item_request(key, full, compression, fmt, refresh=True))
            wait_for(lambda: _item(account, full["full"]).status == Item.Status.DONE, timeout=60)  # noqa: B023
            again = _post(web, media_item_request(key, full, compression, fmt, refresh=False))["0"]
            assert again["Status"]["Code"] == "2", again
            assert again["LossyURL"] == again["OriginalURL"]  # only the conversion was asked for
            assert plugin_resends(plugin_reads(again, compression), (fmt,)) == []
        assert CreditEntry.objects.filter(account=account, kind="settle").count() == charged

    # One credit per file that the answer made at least 5 % smaller; nothing held back.
    answers = [final["result"] for final in _final_answers(web, key, library, origin, compression)]
    worth = sum(float(answer["PercentImprovement"]) >= 5.0 for answer in answers)
    assert len(answers) == files
    assert CreditEntry.objects.filter(account=account, kind="settle").count() == worth
    assert Plan.objects.get(account=account).reserved == 0
    assert Item.objects.filter(account=account).count() == files  # the re-sends made no new items


def _final_answers(web, key: str, library: dict, origin, compression: int) -> list[dict]:
    answers = []
    for media, sizes in library.items():
        urls = {name: origin.url(f"/wp-{compression}/{media}-{name}") for name in sizes}
        answer = _post(web, media_item_request(key, urls, compression, "+webp|+avif", refresh=False))
        answers += [{"result": answer[str(index)]} for index in range(len(urls))]
    return answers


def test_the_sdk_saves_lossless_webp_and_avif(web, cluster, origin, make_account):
    _, key = make_account()
    source = photo_bytes(300, 200, format="PNG")
    url = origin.serve("/sdk-lossless.png", source)
    body = {"key": key, "lossy": 0, "convertto": "%2Bwebp%7C%2Bavif", "wait": 30, "refresh": 1,
            "plugin_version": "sp-sdk 1.9.2", "urllist": [url]}  # fmt: skip
    (result,) = _post(web, body)
    assert result["Status"]["Code"] == "2", result
    assert not sdk_pending(result)
    webp = download(sdk_saved_conversion(result, 0, "webp"))
    assert webp.headers["Content-Type"] == "image/webp"
    assert len(webp.content) == int(result["WebPLosslessSize"])
    decoded = Image.open(io.BytesIO(webp.content)).convert("RGB")
    assert decoded.tobytes() == Image.open(io.BytesIO(source)).convert("RGB").tobytes()  # really lossless
    avif = download(sdk_saved_conversion(result, 0, "avif"))
    assert avif.headers["Content-Type"] == "image/avif"
    assert len(avif.content) == int(result["AVIFLosslessSize"])


def test_a_format_that_cannot_hold_the_image_stops_each_client_cleanly(web, cluster, origin, make_account):
    _, key = make_account()
    wide = Image.linear_gradient("L").resize((16_400, 16)).convert("RGB")  # WebP allows 16383 a side
    url = origin.serve("/too-wide.png", _encoded(wide, "PNG"))
    plugin = media_item_request(key, {"full": url}, 1, "+webp", refresh=True) | {"wait": 30}
    answer = _post(web, plugin)["0"]
    assert answer["Status"]["Code"] == "2", answer
    assert plugin_reads(answer, 1)["webp"] == "not compatible"  # final: the plugin marks it and stops
    sdk = {"key": key, "lossy": 1, "convertto": "+webp", "wait": 30, "plugin_version": "sp-sdk 1.9.2", "urllist": [url]}
    (answer,) = _post(web, sdk)
    assert sdk_saved_conversion(answer, 1, "webp") is None  # "NA": the SDK saves no WebP, no error
    assert not sdk_pending(answer)
