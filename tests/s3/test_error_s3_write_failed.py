"""502 s3_write_failed: the target's endpoint is down or its bucket is missing. The item fails
before it is done, so nothing is charged; the message names the bucket and no secret."""

from django.core.files.storage import default_storage

from optimizer import storage
from optimizer.models import Item
from tests.conftest import free_port, photo_bytes
from tests.s3.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY, counters, put
from tests.v1.conftest import error


def _refused(web, key, target) -> dict:
    body = error(put(web, key, target.bucket, "photo.jpg", photo_bytes()), 502, "s3_write_failed")
    assert target.bucket in body["message"]
    assert SECRET_ACCESS_KEY not in body["message"] and ACCESS_KEY_ID not in body["message"]
    return body


def test_an_unreachable_endpoint(web, cluster, make_account, make_target):
    account, key = make_account()
    target = make_target(account, bucket="down-bucket", endpoint_url=f"http://127.0.0.1:{free_port()}")
    body = _refused(web, key, target)
    assert "reached" in body["message"]
    item = Item.objects.get()
    assert (item.status, item.error_code) == (Item.Status.FAILED, "s3_write_failed")
    assert not item.variants.exists()
    # the result file stored before the write is gone: no variant row would ever name it
    assert not default_storage.exists(storage.result_name(account.pk, item.pk, 1, "lossy-original", "jpg"))
    assert counters(account) == (0, 0)


def test_a_bucket_missing_at_the_endpoint(web, cluster, make_account, make_target, s3_server):
    account, key = make_account()
    target = make_target(account, bucket="never-created")
    body = _refused(web, key, target)
    assert "NoSuchBucket" in body["message"]
    assert "never-created" not in [bucket["Name"] for bucket in s3_server.client.list_buckets()["Buckets"]]
    assert counters(account) == (0, 0)
