"""413 file_too_large: an upload over REDUCER_MAX_BYTES is refused before anything is stored."""

import base64
import hashlib

from django.core.files.storage import default_storage
from django.test import override_settings

from optimizer import storage
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.v1.conftest import compress, compress_json, error


@override_settings(REDUCER_MAX_BYTES=5000)
def test_uploads_over_the_limit_are_refused_unstored(client, make_account):
    account, key = make_account()
    data = photo_bytes(331, 211)  # content no other test stores
    assert error(compress(client, key, data=data), 413, "file_too_large")["param"] == "file"
    error(compress_json(client, key, {"file_base64": base64.b64encode(data).decode()}), 413, "file_too_large")
    assert not Item.objects.exists()
    assert not default_storage.exists(storage.source_name(account.pk, hashlib.sha256(data).hexdigest()))


def test_a_url_over_the_fetch_limit(client, key, cluster, origin):
    from tests import conftest

    limit = getattr(conftest, "MAX_BYTES", None)
    url = origin.serve("/huge.bin", b"\xff\xd8\xff" + bytes((limit or 50 * 1024 * 1024) + 1))
    error(compress_json(client, key, {"url": url}), 413, "file_too_large")
