"""An input at or over REDUCER_SYNC_MAX_BYTES gets 202 and a job: poll it, then download the result."""

import io

from django.test import override_settings
from PIL import Image

from tests.conftest import photo_bytes, wait_for
from tests.v1.conftest import bearer, body, compress


@override_settings(REDUCER_SYNC_MAX_BYTES=1000)
def test_a_large_upload_becomes_a_job_to_poll_and_download(client, key, cluster):
    data = photo_bytes()
    accepted = compress(client, key, data=data)
    assert accepted.status_code == 202, accepted.content
    started = accepted.json()
    assert started["status"] in {"queued", "processing"} and started["estimated_seconds"] >= 1
    assert started["poll_url"].endswith(f"/api/v1/jobs/{started['id']}")
    assert accepted["X-RateLimit-Limit"]

    def complete():
        job = client.get(f"/api/v1/jobs/{started['id']}", **bearer(key)).json()
        return job["status"] == "complete" and job

    job = wait_for(complete, timeout=30, interval=0.2)
    assert job["original_size"] == len(data) > job["compressed_size"]
    assert job["savings_percent"] == round(100 * (len(data) - job["compressed_size"]) / len(data), 2)
    assert (job["format"], job["dimensions"]) == ("jpeg", {"width": 320, "height": 240})
    assert job["quality"]["metric"] == "ssimulacra2" and job["quality"]["score"] >= 70
    assert job["error"] is None and job["expires_at"].endswith("Z") and job["estimated_seconds"] is None

    redirect = client.get(f"/api/v1/jobs/{started['id']}/download", **bearer(key))
    assert redirect.status_code == 302
    assert redirect["Location"].split("/api/v1/files/")[0] == job["download_url"].split("/api/v1/files/")[0]
    served = client.get("/api/v1/files/" + redirect["Location"].split("/api/v1/files/")[1])  # no key needed
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    downloaded = body(served)
    assert len(downloaded) == job["compressed_size"]
    assert Image.open(io.BytesIO(downloaded)).size == (320, 240)


def test_another_accounts_job_is_not_found(client, make_account, cluster):
    _, owner = make_account()
    _, stranger = make_account()
    with override_settings(REDUCER_SYNC_MAX_BYTES=1000):
        job_id = compress(client, owner).json()["id"]
    for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/download", "/api/v1/jobs/not-a-uuid"):
        response = client.get(path, **bearer(stranger))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
