"""Run the whole service on this machine: the ASGI web server and the django-q2 cluster."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import Account
from accounts.onboarding import open_account

STOP_GRACE_SECONDS = 15  # for the web server, and for the cluster past its drain grace


def next_steps(base_url: str, key: str | None) -> str:
    """Where a new operator goes once the service is up: the pages, the docs, the admin and a
    first request, with the demo key filled in when it was just made."""
    shown_key = key or "YOUR_KEY"
    lines = [
        "Next:",
        f"  try it in a browser:  {base_url}/",
        f"  an account's page:    {base_url}/account/  (sign in with an API key)",
        f"  API docs:             {base_url}/api/v1/docs",
        f"  operator admin:       {base_url}/admin/  (python manage.py createsuperuser makes a login)",
        "  a first request:",
        f"    curl --fail -s -H 'Authorization: Bearer {shown_key}' -F file=@photo.jpg -F output=webp \\",
        f"      -o photo.webp {base_url}/api/v1/compress",
    ]
    if key is None:
        lines.append("  (YOUR_KEY: `python manage.py createaccount NAME` makes an account and prints its key)")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Migrate, then run the web server and the task cluster together until Ctrl-C or SIGTERM."

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        key = self._ensure_demo_account()
        # Counters restart with the processes; files of the last run's PIDs would be summed forever.
        if settings.REDUCER_METRICS:
            for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
                stale.unlink()
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        children = {"web": self._start_web(), "cluster": self._start_cluster()}
        self.stdout.write(f"reducer is serving on {settings.PUBLIC_URL} (Ctrl-C stops it)", self.style.SUCCESS)
        self.stdout.write(next_steps(settings.PUBLIC_URL, key))
        exit_code = 0
        while not stop.wait(0.5):
            ended = [name for name, process in children.items() if process.poll() is not None]
            if ended:
                self.stderr.write(f"the {ended[0]} process stopped unexpectedly; stopping the rest")
                exit_code = 1
                break
        self._stop(children)
        sys.exit(exit_code)

    def _ensure_demo_account(self) -> str | None:
        """The demo account's key when it is created now, else None."""
        if not settings.REDUCER_DEMO_ACCOUNT or Account.objects.exists():
            return None
        _, plain_key = open_account("demo")
        self.stdout.write(
            "Created the demo account. Its API key (shown only now; `python manage.py createaccount` makes more):\n"
            f"    {plain_key}",
            self.style.WARNING,
        )
        return plain_key

    def _spawn(self, command: list[str]) -> subprocess.Popen:
        # A session of its own: Ctrl-C reaches only this process, which then stops the children
        # in order (TERM to each main process; TERM to a whole cluster group can hang it).
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=os.environ.copy(), start_new_session=True)

    def _start_web(self) -> subprocess.Popen:
        return self._spawn(
            [
                sys.executable,
                "-m",
                "reducer.webserver",
                "--host",
                settings.REDUCER_HOST,
                "--port",
                str(settings.REDUCER_PORT),
                "--workers",
                str(settings.REDUCER_WEB_WORKERS),
                "--log-level",
                settings.REDUCER_LOG_LEVEL.lower(),
            ]
        )

    def _start_cluster(self) -> subprocess.Popen:
        return self._spawn([sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"])

    @staticmethod
    def _stop_within(name: str) -> int:
        # The cluster drains on SIGTERM: its running items get REDUCER_DRAIN_GRACE seconds to finish,
        # then are given back to other clusters (optimizer.heartbeat); killed sooner, they would wait
        # for their lease instead.
        return STOP_GRACE_SECONDS + (settings.REDUCER_DRAIN_GRACE if name == "cluster" else 0)

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for process in children.values():
            if process.poll() is None:
                process.terminate()
        for name, process in children.items():
            try:
                process.wait(timeout=self._stop_within(name))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"the {name} process did not stop in {self._stop_within(name)} s; killing it")
            # Whatever the main process left behind (workers, sentinel) goes with its group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.stdout.write("reducer stopped")
