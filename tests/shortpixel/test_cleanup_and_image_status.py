"""cleanup.php drops an account's results for its URLs; image-status.php reports one URL."""

import requests

from tests.shortpixel.client import call, codes, photos, poll


def test_image_status_then_cleanup(web, cluster, origin, make_account):
    _, key = make_account()
    urls = photos(origin, 2, prefix="/clean")
    done = poll(web, key, urls)
    assert codes(done) == ["2", "2"]

    status = call(web, "image-status.php", {"key": key, "url": urls[0]}, as_form_label=True)
    assert status["Status"]["Code"] == "2" and status["LossyURL"] == done[0]["LossyURL"]
    unknown = call(web, "image-status.php", {"key": key, "url": origin.url("/never.jpg")}, as_form_label=True)
    assert unknown["Status"]["Code"] == "-102"

    answer = call(web, "cleanup.php", {"key": key, "urllist": urls, "item_id": 42}, as_form_label=True)
    assert answer["Status"]["Code"] == "2"
    assert requests.get(done[0]["LossyURL"], timeout=10).status_code == 404
    expired = call(web, "image-status.php", {"key": key, "url": urls[0]}, as_form_label=True)
    assert expired["Status"]["Code"] == "-302"
    # polling again after a cleanup optimizes the image anew
    assert codes(poll(web, key, urls)) == ["2", "2"]


def test_cleanup_needs_a_valid_key(web, make_account):
    make_account()
    assert call(web, "cleanup.php", {"key": "C" * 20, "urllist": ["http://x/a.jpg"]})["Status"]["Code"] == "-401"
