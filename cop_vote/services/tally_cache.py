"""Counting once per change, not once per viewer: tallies kept by what they depend on.

A decision's tally depends on its ballots, its options and its rules. Every
write of what a count reads (a ballot cast, changed, recorded or withdrawn,
and the cut of a secret decision's ballots at close) replaces the decision's
``tally_stamp`` with a new random value in the same transaction, under the
decision's lock. The stamp is read with the decision, so the key below
changes as soon as such a write is committed, whichever server process wrote
it; each process keeps its own small cache (least recently used first out).
What is derived from the same ballots (the table by organisation kind) is
kept beside the tally under the same key (:func:`kept`).

A transaction that wrote ballots caches nothing (:func:`mark_written`, until
it commits or rolls back): its writes might still be rolled back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from copy import deepcopy
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..domain.lifecycle import Status
from ..domain.tally import TallyResult
from ..extensions import db
from ..models import Decision

#: How many tallies (and parts kept beside them) each process keeps.
SIZE = 512
#: The session flag of :func:`mark_written`.
WRITTEN = "cop_vote_ballots_written"

_tallies: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = Lock()

Key = tuple[Any, ...]
T = TypeVar("T")


def mark_written() -> None:
    """Note that this session's transaction wrote what a count reads: it
    caches no tally until the transaction ends."""
    db.session.info[WRITTEN] = True


@event.listens_for(db.session, "after_commit")
@event.listens_for(db.session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(WRITTEN, None)


def key(decision: Decision) -> Key | None:
    """What ``decision``'s count depends on, or ``None`` when it may not be
    cached: a draft (its electorate is not fixed yet), or a session that wrote
    ballots."""
    if decision.status == Status.DRAFT or db.session.info.get(WRITTEN):
        return None
    return (
        decision.id,
        decision.tally_stamp,
        decision.status,
        decision.ballots_sealed_at,
        decision.method,
        decision.ballot_secrecy,
        decision.counting,
        decision.max_score,
        decision.dots,
        decision.quorum,
        tuple((o.id, o.label) for o in decision.options),
    )


def get(found_key: Key | None) -> TallyResult | None:
    """A copy of the tally kept under ``found_key``, or ``None``."""
    found: TallyResult | None = _get(found_key)
    return found


def put(found_key: Key | None, result: TallyResult) -> None:
    """Keep a copy of ``result`` under ``found_key`` (nothing for ``None``)."""
    _put(found_key, result)


def kept(found_key: Key | None, part: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept beside the tally of ``found_key`` as ``part``: what
    is derived from the same ballots, options and rules (a copy each time;
    computed afresh, and kept nowhere, for a ``None`` key). ``part`` names
    it and holds whatever else it depends on."""
    if found_key is None:
        return compute()
    part_key = (*found_key, part)
    found: T | None = _get(part_key)
    if found is None:
        found = compute()
        _put(part_key, found)
    return found


def _get(found_key: Key | None) -> Any:
    if found_key is None:
        return None
    with _lock:
        found = _tallies.get(found_key)
        if found is None:
            return None
        _tallies.move_to_end(found_key)
    return deepcopy(found)


def _put(found_key: Key | None, value: Any) -> None:
    if found_key is None or value is None:
        return
    copy = deepcopy(value)
    with _lock:
        _tallies[found_key] = copy
        while len(_tallies) > SIZE:
            _tallies.popitem(last=False)


def clear() -> None:
    """Forget every tally (tests)."""
    with _lock:
        _tallies.clear()
