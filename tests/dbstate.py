"""What the database holds, as plain data: for tests that a refused write changed nothing.

``snapshot()`` reads every application table (rows sorted, values as ``repr``)
so a test can assert ``snapshot() == before`` after a request that must not
write. ``api_token`` is left out by default: using a token stamps its
``last_used_at``, which is a read, not a change of anything a rule protects.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from cop_vote.extensions import db

Snapshot = dict[str, list[tuple[str, ...]]]


def snapshot(*, skip: Iterable[str] = ("api_token",)) -> Snapshot:
    """Every row of every table except ``skip``, read afresh (the session is expired first)."""
    db.session.expire_all()
    skipped = set(skip)
    state: Snapshot = {}
    for table in db.metadata.sorted_tables:
        if table.name in skipped:
            continue
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return state


def changed_tables(before: Snapshot, after: Snapshot) -> list[str]:
    """Names of the tables whose rows differ (for a readable assertion message)."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
