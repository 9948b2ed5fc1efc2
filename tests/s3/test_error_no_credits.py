"""402 no_credits: an account without credits; nothing is queued or written."""

from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.s3.conftest import put
from tests.v1.conftest import error


def test_an_account_without_credits(web, make_account, make_target, s3_server):
    account, key = make_account(monthly_quota=0)
    target = make_target(account)
    error(put(web, key, target.bucket, "photo.jpg", photo_bytes()), 402, "no_credits")
    assert s3_server.keys(target.bucket) == []
    assert not Item.objects.exists()
