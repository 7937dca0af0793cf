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


Rows = dict[str, list[dict[str, object]]]


def rows() -> Rows:
    """Every row of every table as column values, for :func:`restore`."""
    db.session.expire_all()
    return {
        table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
        for table in db.metadata.sorted_tables
    }


def restore(saved: Rows) -> None:
    """Make the database hold exactly ``saved`` (from :func:`rows`) and commit.

    Ids are kept, so what a test learnt about the saved rows (ids, API tokens)
    holds again; on PostgreSQL each id sequence goes on after the largest id.
    A test module whose cases all start from one costly state builds it once and
    restores it per case, instead of building it again through the API.
    """
    empty()
    outcomes = []
    for table in db.metadata.sorted_tables:
        values = saved.get(table.name, [])
        if table.name == "decision":
            # decision.outcome_option_id and option.decision_id form a cycle.
            outcomes = [(row["id"], row["outcome_option_id"]) for row in values]
            values = [{**row, "outcome_option_id": None} for row in values]
        if values:
            db.session.execute(table.insert(), values)
    for decision_id, option_id in outcomes:
        if option_id is not None:
            db.session.execute(
                text("UPDATE decision SET outcome_option_id = :option WHERE id = :id"),
                {"option": option_id, "id": decision_id},
            )
    if db.engine.dialect.name == "postgresql":
        for table in db.metadata.sorted_tables:
            if "id" in table.c:  # setval(NULL, ...) is NULL: a table without a sequence
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )
    db.session.commit()
