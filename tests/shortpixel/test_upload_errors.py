"""post-reducer.php refusals: nothing to work on (-109), a file over the limit (-111),
an expired or unknown reference (-102, so the client uploads again)."""

from datetime import timedelta

from django.utils import timezone

from optimizer import maintenance
from optimizer.models import Item
from tests.conftest import MAX_BYTES, photo_bytes
from tests.shortpixel.client import call, codes
from tests.shortpixel.test_uploads import upload


def test_neither_files_nor_file_urls_is_minus_109(web, make_account):
    _, key = make_account()
    answer = call(web, "post-reducer.php", {"key": key, "lossy": 1})
    assert answer["Status"]["Code"] == "-109"


def test_a_file_over_the_size_limit_is_minus_111_and_not_charged(web, make_account):
    account, key = make_account()
    results = upload(web, key, {"huge.jpg": b"\xff\xd8" + b"\0" * (MAX_BYTES + 10), "fine.jpg": photo_bytes()})
    assert codes(results) == ["-111", "1"] or codes(results) == ["-111", "2"]
    assert [result["Key"] for result in results] == ["file1", "file2"]
    assert account.items.count() == 1


def test_an_expired_reference_is_minus_102(web, cluster, make_account):
    _, key = make_account()
    (first,) = upload(web, key, {"old.jpg": photo_bytes(120, 90)}, wait="25")
    item = Item.objects.get()
    Item.objects.filter(pk=item.pk).update(finished_at=timezone.now() - timedelta(days=30))
    maintenance.clean_expired()
    poll = call(web, "post-reducer.php", {"key": key, "lossy": 1, "file_urls": {"url1": first["OriginalURL"]}})
    assert codes(poll) == ["-102"]
    unknown = first["OriginalURL"].replace(first["OriginalURL"].split("/u/")[1][:8], "00000000")
    assert codes(call(web, "post-reducer.php", {"key": key, "file_urls": [unknown]})) == ["-102"]
