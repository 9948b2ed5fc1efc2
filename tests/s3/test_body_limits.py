"""The raw body is the image: empty is 400, over REDUCER_MAX_BYTES is 413 (refused unstored),
and a body over Django's 2.5 MB form-data limit but under REDUCER_MAX_BYTES is still taken."""

from optimizer.models import Item
from tests.conftest import MAX_BYTES
from tests.s3.conftest import counters, put
from tests.v1.conftest import error


def test_an_empty_body(web, make_account, make_target, s3_server):
    account, key = make_account()
    target = make_target(account)
    error(put(web, key, target.bucket, "photo.jpg", b""), 400, "missing_source")
    assert s3_server.keys(target.bucket) == [] and not Item.objects.exists()


def test_a_body_over_the_limit(web, make_account, make_target, s3_server):
    account, key = make_account()
    target = make_target(account)
    error(put(web, key, target.bucket, "photo.jpg", b"\xff" * (MAX_BYTES + 1)), 413, "file_too_large")
    assert s3_server.keys(target.bucket) == [] and not Item.objects.exists()
    assert counters(account) == (0, 0)


def test_a_large_body_under_the_limit_reaches_the_engine(web, cluster, make_account, make_target, s3_server):
    account, key = make_account()
    target = make_target(account)
    data = b"not an image " * (2_700_000 // 13)  # over 2.5 MB, under MAX_BYTES
    error(put(web, key, target.bucket, "big.bin", data), 415, "unsupported_format")
    assert Item.objects.get().original_size == len(data)
    assert s3_server.keys(target.bucket) == [] and counters(account) == (0, 0)
