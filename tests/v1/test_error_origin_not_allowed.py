"""403 origin_not_allowed: an account that lists its source domains gets nothing fetched from others."""

from accounts.models import AllowedOrigin
from optimizer.models import Item
from reducer.v1.errors import STATUS, from_item
from tests.conftest import photo_bytes
from tests.v1.conftest import compress_json, image


def test_a_url_outside_the_accounts_domains_is_403_and_creates_nothing(client, make_account, origin):
    account, key = make_account()
    AllowedOrigin.objects.create(account=account, domain="images.example.com")
    response = compress_json(client, key, {"url": origin.serve("/elsewhere.jpg", photo_bytes())})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert not Item.objects.filter(account=account).exists()


def test_a_url_inside_the_accounts_domains_is_optimized(client, make_account, cluster, origin):
    account, key = make_account()
    AllowedOrigin.objects.create(account=account, domain="127.0.0.1")
    assert image(compress_json(client, key, {"url": origin.serve("/allowed.jpg", photo_bytes())})).format == "JPEG"


def test_item_refusals_for_their_origin_map_to_403():
    error = from_item("origin_not_allowed", "This account may not fetch from example.com.")
    assert (error.status_code, error.code) == (403, "origin_not_allowed") and STATUS["origin_not_allowed"] == 403
