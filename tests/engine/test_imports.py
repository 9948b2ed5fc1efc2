import subprocess
import sys


def test_engine_imports_no_django():
    code = "import optimizer.engine, sys; assert not any(m.startswith('django') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_api_names():
    from optimizer.engine import (  # noqa: F401
        EngineError,
        Format,
        Limits,
        Metadata,
        Mode,
        Resize,
        ResizeMode,
        Result,
        Spec,
        Target,
        Variant,
        optimize,
    )


def test_native_libraries_run_single_threaded():
    # One job per worker process: a library spreading one job over every core only spins (1.6x the
    # CPU for no shorter wall time on two cores). The import applies the policy in a fresh process.
    code = (
        "import optimizer.engine, cv2, pyvips\n"
        "from PIL import AvifImagePlugin\n"
        "assert cv2.getNumThreads() == 1 and pyvips.concurrency_get() == 1\n"
        "assert AvifImagePlugin.DEFAULT_MAX_THREADS == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
