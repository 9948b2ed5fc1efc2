"""An Idempotency-Key on PUT /s3/...: a retry of the same object and body gets the first PUT's job
(one item, one charge); the same key with another body is a 422."""

import pytest
from django.test import override_settings

from optimizer.models import Item
from tests.conftest import photo_bytes


def _put(client, key: str, bucket: str, data: bytes, idempotency_key: str):
    return client.put(
        f"/s3/{bucket}/photo.jpg?type=image",
        data,
        content_type="image/jpeg",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_IDEMPOTENCY_KEY=idempotency_key,
    )


@pytest.mark.backends
@override_settings(REDUCER_S3_WAIT=0)
def test_a_retried_put_is_the_first_job(client, make_account, make_target):
    account, key = make_account()
    target = make_target(account)
    data = photo_bytes()
    first = _put(client, key, target.bucket, data, "put-1")
    again = _put(client, key, target.bucket, data, "put-1")
    assert first.status_code == again.status_code == 202, (first.content, again.content)
    assert first.json()["id"] == again.json()["id"]
    assert Item.objects.filter(account=account).count() == 1
    other = _put(client, key, target.bucket, photo_bytes(322, 240), "put-1")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
