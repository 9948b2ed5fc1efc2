"""429 against a key with a low rate limit: the run waits as Retry-After says and finishes."""

from __future__ import annotations

import time

import requests

from accounts.models import Plan
from optimizer.models import Item
from tests.cli.conftest import write_photos


def test_a_rate_limited_run_honours_retry_after(tmp_path, web, make_account, run_cli):
    account, key = make_account()
    Plan.objects.filter(account=account).update(rate_limit_per_minute=3)
    source = tmp_path / "site"
    write_photos(source, ["one.jpg", "two.jpg"])
    # Two of the minute's three requests are used now, the client's info call takes the third:
    # its first upload is refused with 429 until the minute ends (at most 60 s away).
    while True:
        answers = [requests.get(f"{web.url}/api/v1/info", headers={"X-API-Key": key}, timeout=10) for _ in range(2)]
        reset = int(answers[-1].headers["X-RateLimit-Reset"])
        # the client's first calls must fall in this same minute
        if answers[-1].headers["X-RateLimit-Remaining"] == "1" and reset - time.time() > 5:
            break
        time.sleep(max(reset - time.time(), 0) + 0.2)
    ran = run_cli(key, "optimize", str(source))  # default jobs from a limit of 3 a minute: one

    assert ran.code == 0, ran.err
    assert ran.summary["retries"].get("429", 0) >= 1
    assert {line["outcome"] for line in ran.lines} <= {"optimized", "unchanged"}
    assert Item.objects.filter(account=account).count() == 2
