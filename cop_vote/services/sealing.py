"""The cut that keeps a secret ballot secret: at close, contents leave their organisations.

While a secret decision is open, each organisation's ballot row holds its
content, so that its own representatives can see and change it. The write
that ends voting (the facilitator's close, ``cop close-due``, a publication
of a decision past its deadline, or a withdrawal) calls :func:`seal_ballots`
in its own transaction:

* every counted content (abstentions included) is copied, in a random order,
  into :class:`AnonymousBallot` rows that carry no organisation, person, id or
  time: only the decision, a random position and the content;
* ``ballot.content`` and ``ballot.receipt``, and the same columns of every
  ``ballot_change``, are emptied: what stays is who acted, when, and whether
  the organisation holds a ballot (``ballot.is_cast``, the participation);
* the event log gets one entry with the number of ballots and a digest of the
  sorted contents, so that ``verify-log`` detects a changed anonymous table.

Reads never cut: until that write, a decision past its deadline is shown as
closed and its secret results stay hidden (:func:`is_sealed`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import (
    AnonymousBallot,
    Ballot,
    BallotChange,
    Decision,
    Elector,
    new_stamp,
)
from . import audit, tally_cache

#: Ballots are shuffled with the operating system's randomness.
_SHUFFLE = random.SystemRandom()
_SEALED = "cop_vote_sealed"
log = logging.getLogger(__name__)


def is_secret(decision: Decision) -> bool:
    """Whether the decision's ballots are secret."""
    return decision.ballot_secrecy == "secret"


def is_sealed(decision: Decision) -> bool:
    """Whether a secret decision's contents have been cut from their organisations."""
    return decision.ballots_sealed_at is not None


def canonical(content: dict[str, Any]) -> str:
    """One ballot content as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def contents_digest(contents: Iterable[dict[str, Any]]) -> str:
    """SHA-256 of the sorted canonical contents: the same for the same multiset of ballots."""
    lines = sorted(canonical(c) for c in contents)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def anonymous_contents(decision_id: int) -> list[dict[str, Any]]:
    """The sealed contents of a decision, in their stored (random) order."""
    return list(
        db.session.execute(
            select(AnonymousBallot.content)
            .where(AnonymousBallot.decision_id == decision_id)
            .order_by(AnonymousBallot.position)
        ).scalars()
    )


def seal_ballots(decision: Decision, now: datetime) -> int:
    """Cut a secret decision's ballot contents from their organisations (once).

    Call it inside the transaction that ends voting, with the decision locked.

    :returns: the number of ballots sealed; 0 for an open-ballot decision or
        one sealed before.
    """
    if not is_secret(decision) or is_sealed(decision):
        return 0
    # The organisation's kind at opening (its elector's) stays with the content,
    # for the results by kind (shown only for groups too large to reveal a
    # ballot, domain/by_kind.py).
    rows = db.session.execute(
        select(Ballot.content, Ballot.receipt, Elector.kind)
        .join(
            Elector,
            (Elector.decision_id == Ballot.decision_id)
            & (Elector.organisation_id == Ballot.organisation_id),
        )
        .where(Ballot.decision_id == decision.id, Ballot.is_cast.is_(True))
    ).all()
    ballots = [(content, receipt, kind) for content, receipt, kind in rows if content is not None]
    _SHUFFLE.shuffle(ballots)
    keep_receipts = bool(decision.secret_receipts)
    db.session.add_all(
        AnonymousBallot(
            decision_id=decision.id,
            position=position,
            content=content,
            receipt=receipt if keep_receipts else None,
            kind=kind,
        )
        for position, (content, receipt, kind) in enumerate(ballots)
    )
    ballot_ids = select(Ballot.id).where(Ballot.decision_id == decision.id)
    db.session.execute(
        update(Ballot)
        .where(Ballot.decision_id == decision.id)
        .values(content=None, receipt=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(BallotChange)
        .where(BallotChange.ballot_id.in_(ballot_ids))
        .values(content=None, receipt=None)
        .execution_options(synchronize_session=False)
    )
    decision.ballots_sealed_at = now
    decision.tally_stamp = new_stamp()  # what the count reads has moved
    tally_cache.mark_written()
    db.session.info[_SEALED] = True
    db.session.flush()
    for obj in list(db.session.identity_map.values()):  # the bulk updates bypassed them
        if isinstance(obj, Ballot | BallotChange):
            db.session.expire(obj)
    audit.record(
        "ballots.sealed",
        f"decision:{decision.id}",
        None,
        {"ballots": len(ballots), "digest": contents_digest(c for c, _r, _k in ballots)},
        at=now,
    )
    return len(ballots)


@event.listens_for(db.session, "after_commit")
def _checkpoint_after_seal(session: Session) -> None:
    """After a commit that sealed ballots, fold SQLite's write-ahead log into the
    database and truncate it, so that the page images it still holds (each
    organisation's choice before the cut) leave the ``-wal`` file at once.

    Best effort: it waits two seconds at most for readers of older snapshots;
    when they keep it from finishing, the next checkpoint does it.
    """
    if session.in_nested_transaction() or not session.info.pop(_SEALED, False):
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        # The driver's own connection: the pragma must run outside a transaction.
        raw: Any = connection.connection.driver_connection
        raw.execute("PRAGMA busy_timeout = 2000")
        busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        raw.execute("PRAGMA busy_timeout = 30000")
    if busy:
        log.warning(
            "the write-ahead log could not be truncated after sealing; a later checkpoint will"
        )


@event.listens_for(db.session, "after_rollback")
def _forget_seal(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_SEALED, None)
