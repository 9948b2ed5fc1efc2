"""A run stopped by Ctrl-C (SIGINT) and run again: no file is sent twice, none charged twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter

from accounts.models import CreditEntry, Plan
from optimizer.models import Item
from tests.cli.conftest import write_photos
from tests.conftest import ROOT

NAMES = [f"photo-{index}.jpg" for index in range(6)]


def test_an_interrupted_run_resumes_without_sending_a_file_twice(tmp_path, web, cluster, make_account, run_cli):
    account, key = make_account()
    source = tmp_path / "site"
    write_photos(source, NAMES)
    command = [sys.executable, "-m", "reducer_cli", "optimize", str(source), "--server", web.url, "--key", key]
    process = subprocess.Popen(
        [*command, "--jobs", "1", "--json"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    first_line = process.stdout.readline()  # the first file is done: Ctrl-C now
    process.send_signal(signal.SIGINT)
    rest, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    lines = [json.loads(line) for line in (first_line + rest).splitlines()]
    done_first = [line["source"] for line in lines if "source" in line]
    assert lines[-1]["summary"]["interrupted"] is True
    assert 1 <= len(done_first) < len(NAMES)  # stopped after the file in flight, not at the end

    resumed = run_cli(key, "optimize", str(source))
    assert resumed.code == 0, resumed.err
    outcomes = {line["source"]: line["outcome"] for line in resumed.lines}
    assert {outcomes[name] for name in done_first} == {"done"}
    assert all(outcomes[name] != "done" for name in NAMES if name not in done_first)

    items = Item.objects.filter(account=account)
    assert items.count() == len(NAMES)
    assert max(Counter(items.values_list("source_sha256", flat=True)).values()) == 1
    settled = CreditEntry.objects.filter(account=account, kind="settle", amount__gt=0).count()
    assert settled == Plan.objects.get(account=account).monthly_used <= len(NAMES)
