"""A real multi-worker server for tests that must go through the doors users use.

:class:`LiveServer` starts gunicorn with several worker processes on a free
loopback port, on the same database as the test's ``app`` fixture. Races,
permissions and bad input are driven over HTTP against it, so that what the
views do between parsing and committing is part of what is tested.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from typing import Any

import httpx

from tests.live.gunicorn_ready import READY

ROOT = Path(__file__).resolve().parents[2]
#: gunicorn's access log line: ``access <worker pid> <method> <path> <status>``.
ACCESS_FORMAT = "access %(p)s %(m)s %(U)s %(s)s"
#: gunicorn's configuration for these servers: waits for every worker (see the module).
READY_CONFIG = Path(__file__).with_name("gunicorn_ready.py")
READY_LINE = READY + " "
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """gunicorn serving ``cop_vote:create_app()`` with ``workers`` processes.

    :param database_url: the database the test prepared (SQLite file or PostgreSQL).
    :param env: extra environment for the app (its settings are read from there).
    :param access_log: log each request with the worker's process id
        (:meth:`worker_pids`), to show which workers answered.
    :param config: a gunicorn configuration file to start from (the options
        given here override it).
    """

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 4,
        env: dict[str, str] | None = None,
        access_log: bool = False,
        config: Path | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "live-test-secret",
            "BASE_URL": self.url,
            "MAIL_BACKEND": "locmem",
            "RATELIMIT_ENABLED": "0",
            **(env or {}),
        }
        self.access_log = access_log
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None
        self.log = ROOT / "instance" / f"live-{self.port}.log"

    def start(self) -> LiveServer:
        """Start the workers and wait until every one of them has loaded the app
        and ``/healthz`` answers (at most 60 s)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            # gunicorn's control socket is one path per user: servers side by
            # side (two apps, other checkouts' tests) would collide on it.
            "--no-control-socket",
            "--config",
            str(READY_CONFIG),
            "cop_vote:create_app()",
        ]
        env = dict(self.env)
        if self.config is not None:
            env["COP_LIVE_BASE_CONFIG"] = str(self.config)
        if self.access_log:
            command[-1:-1] = ["--access-logfile", "-", "--access-logformat", ACCESS_FORMAT]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        # A slow machine running four test processes may take a while to boot them all.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            if len(self.ready_workers()) >= self.workers:
                try:
                    if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"gunicorn did not have {self.workers} workers answering /healthz within 60 s"
        )

    def ready_workers(self) -> set[int]:
        """The pids of the workers that have loaded the app (``gunicorn_ready``'s lines)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return {
            int(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(READY_LINE)
        }

    def stop(self) -> None:
        """Stop every worker and the arbiter."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def worker_pids(self, method: str, path: str) -> dict[int, list[int]]:
        """``{worker pid: [statuses]}`` of the logged requests ``method path``
        (needs ``access_log=True``)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        found: dict[int, list[int]] = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[0] == "access" and parts[2:4] == [method, path]:
                found.setdefault(int(parts[1].strip("<>")), []).append(int(parts[4]))
        return found

    def server_errors(self) -> list[str]:
        """Tracebacks the workers logged (a 5xx leaves one)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or "[ERROR]" in line]

    def client(self, **kwargs: Any) -> Browser:
        """A new cookie jar on this server."""
        return Browser(self.url, **kwargs)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Browser(httpx.Client):
    """An HTTP client that behaves like a browser without JavaScript: it keeps
    cookies, reads each form's CSRF token and posts it back."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(base_url=base_url, timeout=60, follow_redirects=False, **kwargs)

    def csrf(self, page: str) -> str:
        """The CSRF token of the first form on ``page``."""
        response = self.get(page)
        assert response.status_code == 200, (page, response.status_code)
        found = _TOKEN.search(response.text)
        assert found, f"no csrf_token on {page}"
        return unescape(found.group(1) or found.group(2))

    def sign_in(self, link_secret: str) -> None:
        """Sign in with a link secret (``services.auth.issue_login_link``), as a person would."""
        path = f"/auth/link/{link_secret}"
        response = self.post(path, data={"csrf_token": self.csrf(path)})
        assert response.status_code in (302, 303), response.text[:500]
