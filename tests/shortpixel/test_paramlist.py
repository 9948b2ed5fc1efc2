"""paramlist[i] overrides the options of urllist[i]: the WordPress plugin's only way to ask for
WebP/AVIF and per-size resizing; the same URL may repeat with other options."""

import io

from PIL import Image

from tests.conftest import photo_bytes
from tests.shortpixel.client import call, codes, download


def test_paramlist_sets_resize_and_conversions_per_url(web, cluster, origin, make_account):
    _, key = make_account()
    url = origin.serve("/wp-photo.jpg", photo_bytes(400, 300))
    body = {
        "plugin_version": "6.5.1",
        "key": key,
        "urllist": [url, url],
        "lossy": 1,
        "refresh": False,
        "cmyk2rgb": True,
        "keep_exif": 0,
        "convertto": "",
        "resize": 0,
        "paramlist": [
            {"url": url, "resize": 3, "resize_width": 100, "resize_height": 100, "convertto": "+webp|+avif"},
            {"url": url, "convertto": "webp"},
        ],
        "wait": 25,
    }
    resized, webp_only = call(web, "reducer.php", body, as_form_label=True)
    assert codes([resized, webp_only]) == ["2", "2"]

    main = Image.open(io.BytesIO(download(resized["LossyURL"]).content))
    assert max(main.size) == 100  # inner: fits inside 100x100
    for field in ("WebPLossyURL", "AVIFLossyURL"):
        converted = Image.open(io.BytesIO(download(resized[field]).content))
        assert converted.format == ("WEBP" if field.startswith("WebP") else "AVIF") and max(converted.size) == 100

    # bare "webp": the original is left alone, only the WebP is made
    assert webp_only["LossyURL"] == url and webp_only["LossySize"] == webp_only["OriginalSize"]
    assert webp_only["AVIFLossyURL"] == "NA"
    assert Image.open(io.BytesIO(download(webp_only["WebPLossyURL"]).content)).size == (400, 300)
