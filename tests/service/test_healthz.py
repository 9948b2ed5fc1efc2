"""/healthz reports the database, the broker, storage and codecs."""

from unittest import mock

from reducer import health


def test_healthz_reports_every_part_ok(client, transactional_db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage", "codecs"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["codecs"]["detail"].endswith("photos and alpha: libimagequant")


def test_healthz_is_503_and_names_the_part_that_fails(client, transactional_db):
    def broken() -> str:
        raise RuntimeError("broker did not answer")

    with mock.patch.dict(health.CHECKS, {"broker": broken}):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"] == {"ok": False, "detail": "broker did not answer"}
    assert body["checks"]["database"]["ok"]
