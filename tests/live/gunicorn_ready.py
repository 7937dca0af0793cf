"""gunicorn configuration for :class:`tests.live.server.LiveServer`.

It starts from the configuration file named by ``COP_LIVE_BASE_CONFIG`` (when a
test serves with the production one) and adds a ``post_worker_init`` hook that
prints ``cop-vote-live worker ready <pid>`` once a worker has loaded the app and
is about to accept connections. The server waits for one such line per worker:
``/healthz`` answering only proves that the first worker is up, and a race
sent before the others have booted would all land on it.
"""

from __future__ import annotations

import os
import runpy
import sys
from typing import Any

READY = "cop-vote-live worker ready"

_base = os.environ.get("COP_LIVE_BASE_CONFIG")
if _base:
    globals().update(
        {name: value for name, value in runpy.run_path(_base).items() if not name.startswith("__")}
    )
_previous = globals().get("post_worker_init")


def post_worker_init(worker: Any) -> None:
    if callable(_previous):
        _previous(worker)
    # stderr, not the logger: it reaches the server's log at any log level.
    print(f"{READY} {worker.pid}", file=sys.stderr, flush=True)
