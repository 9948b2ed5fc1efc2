"""A small input whose result takes longer than REDUCER_SYNC_WAIT falls back to 202 and a job."""

from django.test import override_settings

from tests.v1.conftest import compress


@override_settings(REDUCER_SYNC_WAIT=0)
def test_no_time_to_wait_means_a_job(client, key, cluster):
    response = compress(client, key)
    assert response.status_code == 202, response.content
    assert set(response.json()) == {"id", "status", "poll_url", "estimated_seconds"}
