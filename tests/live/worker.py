"""A real worker process (``flask --app app cop worker``) for tests.

:class:`WorkerProcess` starts the worker on the test's database and a queue
the test names, with the mail settings the test gives, and stops it with
SIGINT (finish the task under way) then SIGTERM, always within a bound.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mail_env(port: int) -> dict[str, str]:
    """Settings for a worker that delivers to ``127.0.0.1:port`` and retries fast:
    a one-second time-out, retries after 0.5 s doubling to at most 1 s."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_BACKEND": "smtp",
        "MAIL_TIMEOUT": "1",
        "MAIL_RETRY_SECONDS": "0.5",
        "MAIL_RETRY_MAX_SECONDS": "1",
        "MAIL_MAX_ATTEMPTS": "100",
    }


class WorkerProcess:
    """``cop worker`` on ``database_url`` and ``queue_url``, its output in :attr:`log`.

    :param env: more settings (mail, ``QUEUE_NAME``, ...).
    :param threads: the worker's ``--threads``.
    """

    def __init__(
        self,
        database_url: str,
        queue_url: str,
        log: Path,
        *,
        env: dict[str, str] | None = None,
        threads: int = 2,
    ) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "QUEUE_URL": queue_url,
            "SECRET_KEY": "live-test-secret",
            "BASE_URL": "http://127.0.0.1:5000",
            "RATELIMIT_ENABLED": "0",
            **(env or {}),
        }
        self.log = log
        self.threads = threads
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> WorkerProcess:
        """Start the worker and wait until its consumer runs."""
        return self.launch().wait_started(timeout)

    def launch(self) -> WorkerProcess:
        """Start the worker process without waiting (see :meth:`wait_started`)."""
        command = [sys.executable, "-m", "flask", "--app", "app", "cop", "worker"]
        command += ["--threads", str(self.threads)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def wait_started(self, timeout: float = 30) -> WorkerProcess:
        """Wait until the launched worker's consumer runs."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited: {self.text()[-3000:]}")
            if "Huey consumer started" in self.text():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the worker did not start within {timeout} s: {self.text()[-3000:]}")

    def interrupt(self) -> None:
        """Ask the worker to stop after the tasks under way (SIGINT); :meth:`stop` waits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        """SIGINT (finish running tasks), then SIGTERM, then SIGKILL: at most ~15 s."""
        if self.process is None:
            return
        for sig, wait in ((signal.SIGINT, 10), (signal.SIGTERM, 5)):
            if self.process.poll() is None:
                self.process.send_signal(sig)
                try:
                    self.process.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    continue
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
