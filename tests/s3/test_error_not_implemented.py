"""501 not_implemented: only type=image is written back; a missing type means image."""

import pytest

from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.s3.conftest import counters, put
from tests.v1.conftest import error


@pytest.mark.parametrize("kind", ["video", "document"])
def test_other_types_are_not_implemented(web, make_account, make_target, s3_server, kind):
    account, key = make_account()
    target = make_target(account)
    body = error(put(web, key, target.bucket, "clip.mp4", photo_bytes(), type=kind), 501, "not_implemented")
    assert body["param"] == "type"
    assert s3_server.keys(target.bucket) == []
    assert not Item.objects.exists() and counters(account) == (0, 0)
