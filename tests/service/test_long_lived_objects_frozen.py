"""The web process keeps what it loads at start-up out of the cyclic collector's full sweeps."""

import subprocess
import sys


def test_the_asgi_application_freezes_what_it_loaded():
    probe = "import gc, reducer.asgi; print(gc.get_freeze_count())"
    frozen = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    # Django, DRF and the engine's libraries leave well over ten thousand tracked objects.
    assert int(frozen.stdout.strip()) > 10_000
