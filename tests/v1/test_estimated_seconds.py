"""A job to poll says how long it is expected to take: in its 202 answer and its GET while queued."""

from django.test import override_settings

from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, compress


@override_settings(REDUCER_SYNC_MAX_BYTES=1000)
def test_a_queued_job_says_how_long_it_should_take_and_a_larger_image_longer(client, key):
    first = compress(client, key, data=photo_bytes()).json()  # no cluster in this module: jobs stay queued
    job = client.get(f"/api/v1/jobs/{first['id']}", **bearer(key)).json()
    assert job["status"] == "queued" and job["estimated_seconds"] == first["estimated_seconds"] >= 1
    larger = compress(client, key, data=photo_bytes(1600, 1200), mode="glossy", output="avif").json()
    assert larger["estimated_seconds"] > first["estimated_seconds"]
