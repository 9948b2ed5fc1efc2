"""415 unsupported_format: bytes that are not an accepted image (or a broken one); not charged."""

import pytest

from accounts.models import Plan
from tests.conftest import photo_bytes
from tests.v1.conftest import compress, error


@pytest.mark.parametrize("data", [b"%PDF-1.7 this is a document, not an image", photo_bytes()[:600]])
def test_not_an_image(client, key, cluster, data):
    error(compress(client, key, data=data), 415, "unsupported_format")
    plan = Plan.objects.get()
    assert (plan.monthly_used, plan.reserved) == (0, 0)
