"""Webhooks delivered by the worker as a real process: an event written with
its change reaches a receiver on loopback, signed, and after the receiver
answered 500 once it comes again and is then received, once."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cop_vote import queue
from cop_vote.extensions import db
from cop_vote.models import WebhookDelivery
from cop_vote.services import webhooks
from tests.live.worker import WorkerProcess
from tests.web.conftest import FreshClient
from tests.web.helpers import make_decision
from tests.web.test_webhooks import Receiver
from tests.worker.test_worker import read, wait_until


@pytest.fixture
def queue_url(app: Flask, tmp_path: Path) -> str:
    """A queue file of this test's, shared by the test's app and the worker."""
    url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    app.config["QUEUE_URL"] = url
    queue.init_app(app)
    return url


def _rows() -> list[WebhookDelivery]:
    return list(db.session.execute(select(WebhookDelivery)).scalars())


def test_the_worker_delivers_signed_and_retries_after_a_500(
    app: Flask,
    network: dict[str, Any],
    database_url: str,
    clock: Any,
    queue_url: str,
    tmp_path: Path,
) -> None:
    receiver = Receiver(fail_first=1)
    worker = WorkerProcess(
        database_url,
        queue_url,
        tmp_path / "worker.log",
        env={
            "WEBHOOKS_ALLOW_PRIVATE": "1",
            "WEBHOOK_RETRY_SECONDS": "0.5",
            "WEBHOOK_RETRY_MAX_SECONDS": "1",
        },
    )
    try:
        hook, secret = webhooks.create_webhook(
            network["people"]["facilitator"], {"url": receiver.url}, clock.now, allow_private=True
        )
        db.session.commit()
        app.test_client_class = FreshClient
        with worker:
            did = make_decision(network["people"]["facilitator"], clock.now)  # decision.opened
            wait_until(lambda: [r.status for r in _rows()] == ["sent"], 20, "delivered", worker)
            time.sleep(1.5)  # long enough for another delivery, were there one
        assert len(receiver.received) == 2  # the 500, then the one received
        (first_headers, first), (headers, body) = receiver.received
        assert first == body and first_headers["X-Cop-Delivery"] == headers["X-Cop-Delivery"]
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Cop-Signature"] == expected
        assert json.loads(body)["type"] == "decision.opened"
        assert json.loads(body)["decision_id"] == did
        [row] = read(_rows)
        assert (row.webhook_id, row.attempts) == (hook.id, 2)
    finally:
        receiver.stop()
