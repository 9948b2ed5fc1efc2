"""The bucket storage keeps the local storage's guarantees: a deterministic name is written in place
(a second write replaces the object, never a renamed copy), and a stored file is read back in
bounded pieces."""

from __future__ import annotations

import os

from django.core.files.base import ContentFile

from optimizer.storage import CHUNK_BYTES, BucketStorage
from tests.s3.conftest import ACCESS_KEY_ID, SECRET_ACCESS_KEY


def _storage(s3_server, bucket: str) -> BucketStorage:
    return BucketStorage(
        bucket_name=bucket,
        location="prefix",
        endpoint_url=s3_server.url,
        region_name="us-east-1",
        access_key=ACCESS_KEY_ID,
        secret_key=SECRET_ACCESS_KEY,
        file_overwrite=False,  # refused: deterministic names need overwriting
    )


def test_a_name_is_overwritten_in_place_and_streamed_in_pieces(s3_server):
    bucket = s3_server.new_bucket()
    storage = _storage(s3_server, bucket)
    name = "results/1/item/1/lossy.jpeg"
    first, second = os.urandom(1000), os.urandom(2 * CHUNK_BYTES + 17)
    assert storage.save(name, ContentFile(first)) == name
    assert storage.save(name, ContentFile(second)) == name
    assert s3_server.keys(bucket) == [f"prefix/{name}"]
    pieces = list(storage.iter_chunks(name))
    assert b"".join(pieces) == second
    assert len(pieces) > 1 and max(map(len, pieces)) <= CHUNK_BYTES
