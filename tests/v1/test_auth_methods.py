"""The key is accepted as a Bearer token, an X-API-Key header or ?api_key; anything else is 401."""

import pytest

from tests.v1.conftest import error


@pytest.mark.parametrize("how", ["bearer", "header", "query"])
def test_each_way_of_sending_the_key(client, key, how):
    if how == "bearer":
        response = client.get("/api/v1/info", HTTP_AUTHORIZATION=f"Bearer {key}")
    elif how == "header":
        response = client.get("/api/v1/info", HTTP_X_API_KEY=key)
    else:
        response = client.get(f"/api/v1/info?api_key={key}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "headers", [{}, {"HTTP_AUTHORIZATION": "Bearer AAAAAAAAAAAAAAAAAAAA"}, {"HTTP_X_API_KEY": "short"}]
)
def test_a_missing_or_wrong_key_is_unauthorized(client, transactional_db, headers):
    body = error(client.get("/api/v1/info", **headers), 401, "unauthorized")
    assert body["param"] is None
