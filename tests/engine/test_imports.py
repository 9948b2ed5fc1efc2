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
