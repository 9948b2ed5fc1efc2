"""/admin/login/ is throttled (django-axes): after REDUCER_ADMIN_LOGIN_FAILURES bad passwords a
username is locked out from that address, even with the right password, until the cool-off has
passed; the same username from another address is not locked out."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings

PASSWORD = "the-right-password"
COOL_OFF = timedelta(seconds=2)


@pytest.fixture
def operator(transactional_db) -> User:
    return User.objects.create_superuser("operator", password=PASSWORD)


def log_in(password: str, address: str = "203.0.113.7") -> tuple[int, bool]:
    """(status of the login POST, whether the session can then open the admin)."""
    client = Client(REMOTE_ADDR=address)
    answer = client.post("/admin/login/", {"username": "operator", "password": password, "next": "/admin/"})
    return answer.status_code, client.get("/admin/").status_code == 200


def test_bad_logins_lock_the_username_out_from_that_address(operator):
    assert settings.AXES_FAILURE_LIMIT == settings.REDUCER_ADMIN_LOGIN_FAILURES == 5
    with override_settings(AXES_COOLOFF_TIME=COOL_OFF):
        for _ in range(settings.REDUCER_ADMIN_LOGIN_FAILURES - 1):
            assert log_in("wrong") == (200, False)  # the login form again
        assert log_in("wrong") == (429, False)
        assert log_in(PASSWORD) == (429, False)  # the right password is refused too
        assert log_in(PASSWORD, address="198.51.100.9") == (302, True)  # by username and address
        time.sleep(COOL_OFF.total_seconds() + 0.5)
        assert log_in(PASSWORD) == (302, True)


def test_a_good_login_clears_the_failures(operator):
    for _ in range(settings.REDUCER_ADMIN_LOGIN_FAILURES - 1):
        assert log_in("wrong") == (200, False)
    assert log_in(PASSWORD) == (302, True)
    for _ in range(settings.REDUCER_ADMIN_LOGIN_FAILURES - 1):
        assert log_in("wrong") == (200, False)
    assert log_in(PASSWORD) == (302, True)
