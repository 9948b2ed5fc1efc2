"""Run a service process under the test network guard: ``python -m tests.guarded MODULE|SCRIPT ARGS``.

Used by the tests to start the web server and the cluster, so that nothing a service does
during the tests can reach past this machine either.
"""

import os
import runpy
import sys

from tests import network_guard

if __name__ == "__main__":
    network_guard.install(report_to=os.environ[network_guard.GUARD_LOG_VARIABLE])
    target, sys.argv = sys.argv[1], sys.argv[1:]
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)
