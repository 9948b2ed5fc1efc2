"""A body that is not an image, or a broken one: the item fails as in v1 (415), nothing is
written to the bucket and the reserved credit goes back."""

import pytest

from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.s3.conftest import counters, put
from tests.v1.conftest import error


@pytest.mark.parametrize("data", [b"%PDF-1.7 this is a document, not an image", photo_bytes()[:600]])
def test_a_broken_body_fails_and_writes_nothing(web, cluster, make_account, make_target, s3_server, data):
    account, key = make_account()
    target = make_target(account)

    body = error(put(web, key, target.bucket, "photo.jpg", data), 415, "unsupported_format")

    assert "image" in body["message"].lower()
    assert s3_server.keys(target.bucket) == []
    assert Item.objects.get().status == Item.Status.FAILED
    assert counters(account) == (0, 0)
