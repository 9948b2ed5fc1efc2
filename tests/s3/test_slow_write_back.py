"""A PUT not settled within REDUCER_S3_WAIT answers 202 with a job to poll; the object is still
written (and charged) when the item is done."""

from django.test import override_settings

from optimizer.models import Item
from tests.conftest import photo_bytes, wait_for
from tests.s3.conftest import counters


@override_settings(REDUCER_S3_WAIT=0)
def test_a_write_back_that_takes_longer_is_accepted_and_finished(client, cluster, make_account, make_target, s3_server):
    account, key = make_account()
    target = make_target(account, key_prefix="later/")
    response = client.put(
        f"/s3/{target.bucket}/photo.jpg?type=image",
        photo_bytes(),
        content_type="image/jpeg",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] in {"queued", "processing"}
    item = Item.objects.get(pk=body["id"])
    assert (item.s3_target, item.s3_key, item.job.face) == (target, "later/photo.jpg", "s3")

    wait_for(lambda: s3_server.keys(target.bucket) == ["later/photo.jpg"], timeout=30, interval=0.2)
    wait_for(lambda: counters(account) == (1, 0), timeout=10, interval=0.1)
    item.refresh_from_db()
    assert item.status == Item.Status.DONE
    assert body["poll_url"].endswith(f"/api/v1/jobs/{item.pk}")
    polled = client.get(f"/api/v1/jobs/{item.pk}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert polled["status"] == "complete" and polled["original_size"] == item.original_size
