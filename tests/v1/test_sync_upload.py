"""A small multipart upload is answered at once with the compressed bytes and their headers."""

import io

from PIL import Image

from accounts.models import Plan
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, body


def test_a_small_upload_comes_back_compressed_with_its_headers(client, key, cluster):
    data = photo_bytes()
    upload = io.BytesIO(data)
    upload.name = "holiday.jpg"
    response = client.post("/api/v1/compress", {"file": upload}, **bearer(key))
    assert response.status_code == 200, response.content
    served = body(response)
    assert response["Content-Type"] == "image/jpeg"
    assert int(response["X-Original-Size"]) == len(data)
    assert int(response["X-Compressed-Size"]) == len(served) < len(data)
    assert float(response["X-Savings-Percent"]) == round(100 * (len(data) - len(served)) / len(data), 2)
    assert response["X-Format"] == "jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="holiday.jpg"'
    assert Image.open(io.BytesIO(served)).size == (320, 240)
    item = Item.objects.get(pk=response["X-Job-Id"])
    assert item.status == Item.Status.DONE and item.job.face == "v1"
    plan = Plan.objects.get(account=item.account)
    assert (plan.monthly_used, plan.reserved) == (1, 0)
