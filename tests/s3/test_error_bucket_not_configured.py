"""403 bucket_not_configured: a bucket the account has no S3 target for; nothing written or charged."""

from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.s3.conftest import counters, put
from tests.v1.conftest import error


def test_a_bucket_without_a_target_is_forbidden(web, make_account, make_target, s3_server):
    account, key = make_account()
    other, _ = make_account()
    make_target(account)
    foreign = make_target(other)  # configured, but for another account
    before = s3_server.all_keys()

    for bucket in ("not-configured", foreign.bucket):
        body = error(put(web, key, bucket, "photo.jpg", photo_bytes()), 403, "bucket_not_configured")
        assert body["param"] == "bucket" and bucket in body["message"]

    assert s3_server.all_keys() == before
    assert not Item.objects.exists()
    assert counters(account) == (0, 0)
