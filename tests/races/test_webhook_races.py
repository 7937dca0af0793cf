"""One address registered as a webhook by several facilitators at once, over
HTTP against a four-worker server: exactly one registration is acknowledged
(201), every other is refused with 409, none is a 5xx, and one live webhook
holds the address (else each event would be sent twice). Runs on SQLite and,
with ``--db=postgresql``, on PostgreSQL, where the partial unique index
``uq_webhook_live_url`` decides between transactions that both found none."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Webhook
from tests.live.server import LiveServer
from tests.races.drivers import run_threads

AT_ONCE = 4
ROUNDS = 3


def _register_at_once(server: LiveServer, headers: dict[str, str], url: str) -> list[int]:
    """POST ``url`` to ``/api/v1/webhooks`` from :data:`AT_ONCE` threads at once."""
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(AT_ONCE)

    def register() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            answer = http.post(f"{server.url}/api/v1/webhooks", headers=headers, json={"url": url})
            with lock:
                statuses.append(answer.status_code)

    run_threads([register] * AT_ONCE)
    return sorted(statuses)


def test_one_address_registered_at_once_makes_one_webhook(
    app: Any, network: dict[str, Any], database_url: str
) -> None:
    db.session.commit()
    server = LiveServer(database_url, env={"WEBHOOKS_ALLOW_PRIVATE": "1"})
    server.start()
    try:
        for n in range(ROUNDS):
            url = f"http://127.0.0.1:9/hook-{n}"
            statuses = _register_at_once(server, network["headers"]["facilitator"], url)
            assert statuses == [201] + [409] * (AT_ONCE - 1), statuses
            live = select(func.count()).where(Webhook.url == url, Webhook.deleted_at.is_(None))
            assert db.session.scalar(live) == 1
            db.session.commit()
        assert server.server_errors() == []
    finally:
        server.stop()
