"""Webhook delivery: the worker posts each event's JSON body, signed, to its
webhook and records what happened (:mod:`cop_vote.services.webhooks` keeps
the books).

A body is signed with the webhook's secret: ``X-Cop-Signature: sha256=<hex
HMAC-SHA256 of the body>``; ``X-Cop-Event`` is the event type and
``X-Cop-Delivery`` the event's id (``evt_<n>``), the same on every attempt,
so a receiver can drop a repeat. Any 2xx answer is received; anything else
(another status, a refused or timed-out connection) is tried again after
``WEBHOOK_RETRY_SECONDS``, doubling up to ``WEBHOOK_RETRY_MAX_SECONDS``, for
``WEBHOOK_MAX_ATTEMPTS`` attempts in all, then given up (listed on the
facilitators' webhook page). Redirects are not followed.

Before each attempt the host is resolved again and refused if it now leads to
a private or loopback address (unless ``WEBHOOKS_ALLOW_PRIVATE``), so a
changed DNS record cannot turn a webhook against the server's own network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from . import clock, queue
from .domain.delivery import RetryPolicy
from .domain.errors import InvalidInput
from .extensions import db
from .services import webhooks

#: Sent with every delivery.
USER_AGENT = "cop-vote-webhooks/1"


def signature(secret: str, body: bytes) -> str:
    """The ``X-Cop-Signature`` header of ``body``: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(payload: dict[str, Any]) -> bytes:
    """The JSON body as sent (compact, keys sorted, UTF-8)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(item: webhooks.TakenDelivery, *, allow_private: bool, timeout: float) -> str | None:
    """Post one delivery; :returns: ``None`` when the receiver answered 2xx,
    else what went wrong, in one line."""
    try:
        webhooks.check_url(item.url, allow_private=allow_private)
    except InvalidInput as error:
        return f"refused: {error.message}"
    body = body_of(item.payload)
    request = urllib.request.Request(
        item.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Cop-Event": item.kind,
            "X-Cop-Delivery": str(item.payload.get("id", "")),
            "X-Cop-Signature": signature(item.secret, body),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            status = int(answer.status)
    except urllib.error.HTTPError as error:
        status = int(error.code)
    except Exception as exc:  # noqa: BLE001 - refused, reset, timed out, TLS ...
        return f"{exc.__class__.__name__}: {exc}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def retry_policy() -> RetryPolicy:
    """The backoff of the configuration (``WEBHOOK_RETRY_*``, ``WEBHOOK_MAX_ATTEMPTS``)."""
    config = current_app.config
    return RetryPolicy(
        first_delay=timedelta(seconds=float(config["WEBHOOK_RETRY_SECONDS"])),
        longest_delay=timedelta(seconds=float(config["WEBHOOK_RETRY_MAX_SECONDS"])),
        max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),
    )


def deliver_due(*, batch: int = 20, rounds: int = 50) -> dict[str, int]:
    """Deliver the webhook events that are due, batch by batch (the worker's task).

    :returns: ``{"sent", "retrying", "failed"}`` counts.
    """
    config = current_app.config
    policy = retry_policy()
    lease = timedelta(seconds=float(config["WEBHOOK_TIMEOUT_SECONDS"]) * batch + 60)
    allow_private = bool(config["WEBHOOKS_ALLOW_PRIVATE"])
    timeout = float(config["WEBHOOK_TIMEOUT_SECONDS"])
    done = {"sent": 0, "retrying": 0, "failed": 0}
    retry_at: datetime | None = None
    for _round in range(rounds):
        taken = webhooks.take_due(clock.now, limit=batch, lease=lease)
        db.session.commit()
        for item in taken:
            error = post(item, allow_private=allow_private, timeout=timeout)
            row = webhooks.record_outcome(item.id, error, clock.now, policy)
            db.session.commit()
            if row.status == "sent":
                done["sent"] += 1
            elif row.status == "failed":
                done["failed"] += 1
                current_app.logger.error(
                    "Webhook delivery %s to %s given up after %d attempts: %s",
                    row.id,
                    item.url,
                    row.attempts,
                    row.last_error,
                )
            else:
                done["retrying"] += 1
                if row.next_attempt_at is not None:
                    retry_at = min(retry_at or row.next_attempt_at, row.next_attempt_at)
                current_app.logger.warning(
                    "Webhook delivery %s to %s failed (attempt %d), next at %s: %s",
                    row.id,
                    item.url,
                    row.attempts,
                    row.next_attempt_at,
                    row.last_error,
                )
        if len(taken) < batch:
            break
    if retry_at is not None:
        queue.get().kick_webhooks(retry_at)
    return done
