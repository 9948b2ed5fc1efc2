"""The OpenAPI schema describes the v1 endpoints; the docs page loads Swagger UI from this server."""

import re

from django.contrib.staticfiles import finders


def test_the_schema_lists_every_endpoint(client, transactional_db):
    response = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == {
        "/api/v1/compress",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/download",
        "/api/v1/files/{token}",
        "/api/v1/info",
    }
    compress = schema["paths"]["/api/v1/compress"]["post"]
    assert set(compress["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"200", "202", "400", "401", "402", "413", "415", "422", "429"} <= set(compress["responses"])
    assert set(schema["components"]["securitySchemes"]) == {"bearerKey", "headerKey", "queryKey"}


def test_the_docs_page_uses_local_assets(client, transactional_db):
    page = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(asset.startswith("/static/") for asset in assets), assets
    assert all(finders.find(asset.removeprefix("/static/")) for asset in assets)
