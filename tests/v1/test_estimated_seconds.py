"""A job to poll says how long it is expected to take: in its 202 answer and its GET while queued,
from what was learnt of the source when it arrived (a GET reads no source)."""

from django.core.files.storage import default_storage
from django.test import override_settings

from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, compress


@override_settings(REDUCER_SYNC_MAX_BYTES=1000)
def test_a_queued_job_says_how_long_it_should_take_and_a_larger_image_longer(client, key):
    first = compress(client, key, data=photo_bytes()).json()  # no cluster in this module: jobs stay queued
    job = client.get(f"/api/v1/jobs/{first['id']}", **bearer(key)).json()
    assert job["status"] == "queued" and job["estimated_seconds"] == first["estimated_seconds"] >= 1
    larger = compress(client, key, data=photo_bytes(1600, 1200), mode="glossy", output="avif").json()
    assert larger["estimated_seconds"] > first["estimated_seconds"]


@override_settings(REDUCER_SYNC_MAX_BYTES=1000)
def test_a_job_get_answers_from_what_was_kept_not_from_the_source(client, key):
    job = compress(client, key, data=photo_bytes(320, 240)).json()
    # a GET that read the source would fail now (the stored bytes are content-addressed and shared
    # by later uploads, so they are deleted, never replaced)
    default_storage.delete(Item.objects.get(pk=job["id"]).source_name)
    again = client.get(f"/api/v1/jobs/{job['id']}", **bearer(key))
    assert again.status_code == 200
    assert again.json()["status"] == "queued" and again.json()["estimated_seconds"] == job["estimated_seconds"]


@override_settings(REDUCER_SYNC_MAX_BYTES=1000)
def test_a_job_queued_behind_another_counts_the_work_ahead_of_it(client, key):
    first = compress(client, key, data=photo_bytes(1600, 1200)).json()
    second = compress(client, key, data=photo_bytes(1600, 1199)).json()  # as large, queued behind the first
    assert second["estimated_seconds"] > first["estimated_seconds"]
