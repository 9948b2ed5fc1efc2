"""The engine and the fetcher are plain libraries: importing them loads no Django."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_and_fetcher_import_without_django():
    probe = (
        "import sys, optimizer.engine, optimizer.fetch; "
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, env={})
    assert done.returncode == 0, done.stdout + done.stderr
