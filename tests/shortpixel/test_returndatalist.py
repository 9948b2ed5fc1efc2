"""With returndatalist the answer is an object {"0": ..., "returndatalist": <as sent>}."""

from tests.shortpixel.client import call, photos


def test_returndatalist_is_echoed_unchanged_beside_indexed_results(web, cluster, origin, make_account):
    _, key = make_account()
    urls = photos(origin, 2, prefix="/rdl")
    sent = {"sizes": {"full": "a.jpg", "medium": "b.jpg"}, "doubles": [], "duplicates": {"x": "y"}, "fileSizes": []}
    answer = call(web, "reducer.php", {"key": key, "urllist": urls, "returndatalist": sent}, as_form_label=True)
    assert set(answer) == {"0", "1", "returndatalist"}
    assert answer["returndatalist"] == sent
    assert [answer["0"]["OriginalURL"], answer["1"]["OriginalURL"]] == urls
