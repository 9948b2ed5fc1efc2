"""`max_width` / `max_height` fit the image inside, keep its aspect ratio and never enlarge it."""

import pytest

from tests.v1.conftest import bearer, compress, error, image


def test_max_width_shrinks_keeping_the_aspect_ratio(client, key, cluster):
    response = compress(client, key, max_width=160)
    assert image(response).size == (160, 120)
    job = client.get(f"/api/v1/jobs/{response['X-Job-Id']}", **bearer(key)).json()
    assert job["dimensions"] == {"width": 160, "height": 120}


def test_both_bounds_fit_inside_the_box(client, key, cluster):
    assert image(compress(client, key, max_width=240, max_height=150)).size == (200, 150)


def test_a_larger_box_never_enlarges(client, key, cluster):
    assert image(compress(client, key, max_width=1000, max_height=1000)).size == (320, 240)


@pytest.mark.parametrize("value", ["0", "-10", "wide"])
def test_a_bad_bound_is_refused(client, key, value):
    assert error(compress(client, key, max_height=value), 400, "invalid_param")["param"] == "max_height"
