"""status, the console script, and the run-wide errors: a one-line message and a documented exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from accounts.models import Plan
from reducer_cli.cli import EXIT_BAD_KEY, EXIT_NO_CREDITS, EXIT_UNREACHABLE, main
from tests.cli.conftest import write_photos
from tests.conftest import ROOT, free_port


def test_status_through_the_installed_console_script(web, make_account):
    account, key = make_account(monthly_quota=40)
    Plan.objects.filter(account=account).update(rate_limit_per_minute=90)
    script = Path(sys.executable).with_name("reducer-cli")
    answer = subprocess.run(
        [str(script), "status", "--server", web.url, "--key", key, "--json"], capture_output=True, text=True
    )
    assert answer.returncode == 0, answer.stderr
    status = json.loads(answer.stdout)
    assert status["credits_remaining"] == 40 and status["monthly_quota"] == 40
    assert status["rate_limit_per_minute"] == 90 and status["default_jobs"] == 3


def test_a_wrong_key_and_an_unreachable_server(web, capsys):
    assert main(["status", "--server", web.url, "--key", "A" * 20]) == EXIT_BAD_KEY
    unreachable = f"http://127.0.0.1:{free_port()}"
    assert main(["status", "--server", unreachable, "--key", "A" * 20, "--retries", "0"]) == EXIT_UNREACHABLE
    messages = capsys.readouterr().err.strip().splitlines()
    assert len(messages) == 2 and "key was refused" in messages[0] and "cannot reach" in messages[1]


def test_no_credits_stops_the_run_and_keeps_the_state(tmp_path, make_account, run_cli):
    _, key = make_account(monthly_quota=1)
    source = tmp_path / "site"
    write_photos(source, ["one.jpg", "two.jpg", "three.jpg"])
    ran = run_cli(key, "optimize", str(source), "--jobs", "1")
    assert ran.code == EXIT_NO_CREDITS
    assert "no credits" in ran.err
    assert (source / ".reducer-state.sqlite").exists()
    assert len([line for line in ran.lines if line["outcome"] == "optimized"]) <= 1


def test_the_client_imports_nothing_of_the_server():
    probe = "import json, sys, reducer_cli.cli; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    answer = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert not {"django", "reducer", "optimizer", "accounts"} & set(json.loads(answer.stdout))
