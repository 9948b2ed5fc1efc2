"""The v1 keys open the S3 face too: Bearer, X-API-Key or ?api_key; none or a wrong one is 401."""

import pytest
import requests

from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.v1.conftest import error


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer AAAAAAAAAAAAAAAAAAAA"}, {"X-API-Key": "short"}])
def test_a_missing_or_wrong_key_is_unauthorized(web, make_account, make_target, s3_server, headers):
    account, _ = make_account()
    target = make_target(account)
    response = requests.put(
        f"{web.url}/s3/{target.bucket}/photo.jpg?type=image", data=photo_bytes(), headers=headers, timeout=30
    )
    error(response, 401, "unauthorized")
    assert s3_server.keys(target.bucket) == [] and not Item.objects.exists()


@pytest.mark.parametrize("how", ["header", "query"])
def test_the_other_ways_of_sending_the_key_are_accepted(web, make_account, make_target, how):
    # Authenticated, then refused for the type: the key itself was accepted.
    account, key = make_account()
    target = make_target(account)
    url = f"{web.url}/s3/{target.bucket}/photo.jpg?type=video"
    if how == "header":
        response = requests.put(url, data=b"x", headers={"X-API-Key": key}, timeout=30)
    else:
        response = requests.put(f"{url}&api_key={key}", data=b"x", timeout=30)
    error(response, 501, "not_implemented")


def test_only_put_is_allowed(web, make_account, make_target):
    account, key = make_account()
    target = make_target(account)
    response = requests.get(f"{web.url}/s3/{target.bucket}/photo.jpg", headers={"X-API-Key": key}, timeout=30)
    error(response, 405, "method_not_allowed")
