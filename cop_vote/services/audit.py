"""The append-only event log, chained by SHA-256 hashes.

Each entry's ``hash`` is ``sha256(prev_hash + canonical JSON of the entry)``;
the first entry's ``prev_hash`` is 64 zeros. Changing or removing an entry
breaks the chain at that entry, which :func:`verify_chain` names. People appear
by id only, so erasing a person keeps the chain intact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, text

from ..extensions import db
from ..models import Event, Person, Webhook, utcnow

GENESIS = "0" * 64

#: ``db.session.info`` key: whether a live webhook existed when :func:`record`
#: last appended to the log in this transaction (read in the same statement
#: as the log's head). Registering or deleting a webhook logs it, so it
#: waits for the log's lock (PostgreSQL; SQLite's write lock on SQLite) and the
#: answer holds until this transaction commits: its commit writes deliveries
#: only when it is true (:func:`cop_vote.services.webhooks.queue_for_loaded`).
LIVE_WEBHOOKS = "cop_webhooks_live"

# The log's head and whether any webhook is live, in one statement (built once).
_HEAD = select(
    select(Event.hash).order_by(Event.id.desc()).limit(1).scalar_subquery(),
    exists().where(Webhook.deleted_at.is_(None)),
)


def _digest(
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    kind: str,
    subject: str,
    data: Mapping[str, Any],
) -> str:
    payload = json.dumps(
        {
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor_id,
            "kind": kind,
            "subject": subject,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def text_digest(text: str | None) -> str:
    """SHA-256 of a text as logged in place of the text itself (a statement, an objection)."""
    return hashlib.sha256((text or "").encode()).hexdigest()


def record(
    kind: str,
    subject: str,
    actor: Person | None,
    data: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> Event:
    """Append one entry to the log (flushed, not committed).

    :param kind: what happened, e.g. ``"decision.opened"``, ``"ballot.cast"``.
    :param subject: what it happened to, e.g. ``"decision:3"``.
    :param actor: who did it; ``None`` for the system (a command, the clock).
    :param data: JSON-able details. Never personal names: refer to people by id.
    """
    if db.engine.dialect.name == "postgresql":
        # Serialise appends so that two transactions never chain to one parent.
        db.session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    last, live_webhooks = db.session.execute(_HEAD).one()
    db.session.info[LIVE_WEBHOOKS] = bool(live_webhooks)
    prev = last or GENESIS
    at = at or utcnow()
    payload = json.loads(json.dumps(dict(data or {}), default=str))
    actor_id = actor.id if actor is not None else None
    event = Event(
        at=at,
        actor_id=actor_id,
        kind=kind,
        subject=subject,
        data=payload,
        prev_hash=prev,
        hash=_digest(prev, at, actor_id, kind, subject, payload),
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of :func:`verify_chain`: ``broken_at`` is the first bad entry id."""

    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain() -> ChainCheck:
    """Recompute every hash in order and report the first entry that does not match."""
    prev = GENESIS
    count = 0
    for event in db.session.execute(select(Event).order_by(Event.id)).scalars():
        count += 1
        if event.prev_hash != prev:
            return ChainCheck(False, count, event.id, "previous entry missing or changed")
        expected = _digest(prev, event.at, event.actor_id, event.kind, event.subject, event.data)
        if expected != event.hash:
            return ChainCheck(False, count, event.id, "entry changed after it was written")
        prev = event.hash
    return ChainCheck(True, count)
