"""`manage.py createaccount` prints the new key alone on its last line."""

import subprocess
import sys

import pytest

from accounts import keys
from tests.conftest import ROOT, service_environment


def test_createaccount_prints_a_working_key_on_the_last_line(transactional_db):
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createaccount",
            "shop",
            "--email",
            "a@b.example",
            "--monthly",
            "50",
            "--onetime",
            "7",
        ],
        cwd=ROOT,
        env=service_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "50 monthly credits, 7 one-time credits" in done.stdout
    key = done.stdout.rstrip("\n").splitlines()[-1]
    account = keys.authenticate(key)
    assert (account.name, account.email) == ("shop", "a@b.example")
    assert (account.plan.monthly_quota, account.plan.onetime_credits) == (50, 7)


def test_createaccount_refuses_a_taken_name(make_account):
    from django.core.management import CommandError, call_command

    make_account(name="taken")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createaccount", "taken")
