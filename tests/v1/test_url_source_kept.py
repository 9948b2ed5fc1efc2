"""A URL source is fetched once, by the worker. What is served for it (the result, or the source
cleaned when nothing smaller was made) is kept with the job for the retention period: the answer,
its signed link and the job's download never fetch the URL again, so an origin that changes its
content afterwards (to a page, say) changes nothing that is served."""

from django.test import override_settings

from optimizer.models import Item
from tests import polyglots
from tests.v1.conftest import bearer, body, compress_json


def _path(link: str) -> str:
    return "/api/v1/files/" + link.split("/api/v1/files/")[1]


def _gets(origin, path: str) -> int:
    return sum(1 for requested, _ in origin.requests if requested == path)


# The web side could reach the test origin too: were it to fetch, the test would see it.
@override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.0/8",))
def test_an_origin_that_changes_its_content_after_the_job_changes_nothing_served(client, key, cluster, origin):
    path = "/changing/photo.jpg"
    data = polyglots.jpeg()  # nothing smaller is made of it: the cleaned source is what is served
    url = origin.serve(path, data)
    response = compress_json(client, key, {"url": url})
    assert response.status_code == 200, response.content
    served = body(response)
    assert response["Content-Type"] == "image/jpeg" and polyglots.same_pixels(served, data)
    assert _gets(origin, path) == 1  # the worker's fetch; the answer came from what it kept

    origin.serve(path, b"<!doctype html><title>changed</title><script>alert(1)</script>")
    job = client.get(f"/api/v1/jobs/{response['X-Job-Id']}", **bearer(key)).json()
    assert job["compressed_size"] == len(served)
    redirect = client.get(f"/api/v1/jobs/{response['X-Job-Id']}/download", **bearer(key))
    assert redirect.status_code == 302
    for link in (job["download_url"], job["download_url"], redirect["Location"]):
        linked = client.get(_path(link))
        assert (linked.status_code, linked["Content-Type"], body(linked)) == (200, "image/jpeg", served)
    assert _gets(origin, path) == 1
    assert Item.objects.get(pk=response["X-Job-Id"]).status == Item.Status.DONE
