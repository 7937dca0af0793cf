"""What the database holds, as plain data: for tests that a refused write changed nothing.

``snapshot()`` reads every application table (rows sorted, values as ``repr``)
so a test can assert ``snapshot() == before`` after a request that must not
write. ``api_token`` is left out by default: using a token stamps its
``last_used_at``, which is a read, not a change of anything a rule protects.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text

from cop_vote.extensions import db

Snapshot = dict[str, list[tuple[str, ...]]]

#: PostgreSQL: every sequence of the schema back to its start, as ``TRUNCATE ...
#: RESTART IDENTITY`` does (the schema has no sequence but the tables' ids).
_RESTART_SEQUENCES = """
DO $$ DECLARE s record; BEGIN
    FOR s IN SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() LOOP
        EXECUTE 'ALTER SEQUENCE ' || quote_ident(s.sequencename) || ' RESTART';
    END LOOP;
END $$
"""


def empty() -> None:
    """Remove every row of every application table and commit; on PostgreSQL the
    ids start again from 1.

    Rows are deleted child tables first, not truncated: ``TRUNCATE`` makes new
    files for every table and index, which took up to a second a test on a busy
    disk; deleting the few rows a test leaves takes milliseconds.
    """
    # decision.outcome_option_id and option.decision_id form a cycle.
    statements = ["UPDATE decision SET outcome_option_id = NULL"]
    statements += [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        statements.append(_RESTART_SEQUENCES)
    for statement in statements:
        db.session.execute(text(statement))
    db.session.commit()


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
