"""API keys sent in the query string (?api_key=, ?key=) never reach the logs: the access log of a
real uvicorn writes the request line with the key's value replaced."""

import logging

import pytest
import requests

from reducer.log_redaction import REDACTED, RedactQueryKeys, redact
from tests.conftest import wait_for
from tests.service.web_helpers import OwnWebServer


@pytest.fixture(scope="module")
def logged_server(django_db_setup, django_db_blocker):
    running = OwnWebServer("web-access-log", log_level="info")
    yield running
    running.stop()


def test_query_keys_are_redacted_in_the_access_log(logged_server, make_account):
    _, key = make_account()
    answers = [
        requests.get(f"{logged_server.url}/v2/api-status.php?key={key}", timeout=10),
        requests.get(f"{logged_server.url}/api/v1/info?api_key={key}&probe=1", timeout=10),
        requests.get(f"{logged_server.url}/api/v1/info?api_key=AAAAAAAAAAAAAAAAAAAA", timeout=10),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 401]
    log = wait_for(
        lambda: (text := logged_server.log_path.read_text()).count(REDACTED) >= 3 and text,
        timeout=10,
        message="the access log did not show the requests",
    )
    assert key not in log and "AAAAAAAAAAAAAAAAAAAA" not in log
    assert f"/v2/api-status.php?key={REDACTED}" in log
    assert f"/api/v1/info?api_key={REDACTED}&probe=1" in log


@pytest.mark.parametrize(
    "line, expected",
    [
        ("GET /x?key=abc HTTP/1.1", f"GET /x?key={REDACTED} HTTP/1.1"),
        ("/x?a=1&API_KEY=abc&b=2", f"/x?a=1&API_KEY={REDACTED}&b=2"),
        ("/x?s3_key=abc&keys=2&key=", f"/x?s3_key=abc&keys=2&key={REDACTED}"),
        ("/x/key=abc", "/x/key=abc"),
    ],
)
def test_only_key_parameters_are_redacted(line, expected):
    assert redact(line) == expected


def test_the_filter_keeps_the_shape_of_uvicorns_access_arguments():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/v2/api-status.php?key=abc", "1.1", 200), None,
    )  # fmt: skip
    assert RedactQueryKeys().filter(record)
    assert record.args == ("127.0.0.1:1", "GET", f"/v2/api-status.php?key={REDACTED}", "1.1", 200)
