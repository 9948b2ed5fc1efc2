"""`mode`: lossless keeps every pixel; glossy stays closer to the source than lossy."""

import io

from PIL import Image, ImageChops

from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, compress, error, image


def test_lossless_keeps_every_pixel(client, key, cluster):
    data = photo_bytes(format="PNG")
    result = image(compress(client, key, data=data, mode="lossless"))
    source = Image.open(io.BytesIO(data)).convert("RGB")
    assert ImageChops.difference(source, result.convert("RGB")).getbbox() is None


def test_glossy_scores_at_least_its_floor_and_lossy_is_smaller(client, key, cluster):
    sizes, scores = {}, {}
    for mode in ("lossy", "glossy"):
        response = compress(client, key, mode=mode)
        sizes[mode] = len(image(response).fp.getvalue())
        job = client.get(f"/api/v1/jobs/{response['X-Job-Id']}", **bearer(key)).json()
        scores[mode] = job["quality"]["score"]
        assert job["quality"]["metric"] == "ssimulacra2"
    assert scores["glossy"] >= 85 > 70 <= scores["lossy"]
    assert sizes["lossy"] <= sizes["glossy"]


def test_an_unknown_mode_is_refused(client, key):
    assert error(compress(client, key, mode="extreme"), 400, "invalid_param")["param"] == "mode"
