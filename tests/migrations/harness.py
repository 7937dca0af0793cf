"""Upgrade a populated database from an earlier schema, on SQLite or PostgreSQL.

:func:`database_at` gives an empty database migrated to a given revision (a
scratch SQLite file, or a scratch schema in the PostgreSQL test database);
:func:`load_snapshot` fills it with a snapshot written by
``tests/migrations/snapshot.py`` at that revision; the test then upgrades to
the head and checks the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import JSON, Date, DateTime, MetaData, create_engine, select, text, update
from sqlalchemy.engine import Connection

from cop_vote import create_app
from cop_vote.extensions import db

DATA = Path(__file__).parent / "data"
SCHEMA = "upgrade_test"


def read_snapshot(revision: str) -> dict[str, Any]:
    """The snapshot written at ``revision``: ``{"revision", "tables": {name: [rows]}}``."""
    snapshot: dict[str, Any] = json.loads((DATA / f"{revision}.json").read_text())
    assert snapshot["revision"] == revision
    return snapshot


@contextmanager
def database_at(database_url: str, revision: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database migrated to ``revision`` (its context pushed)."""
    options: dict[str, Any] = {}
    if database_url.startswith("postgresql"):
        url = database_url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        engine.dispose()
        options = {"connect_args": {"options": f"-c search_path={SCHEMA}"}}
    else:
        url = f"sqlite:///{tmp_path / 'upgrade.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "SECRET_KEY": "upgrade-test",
            "MAIL_BACKEND": "locmem",
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "BASE_URL": "http://localhost",
        }
    )
    with app.app_context():
        upgrade(revision=revision)
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
            if options:
                engine = create_engine(database_url)
                with engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                engine.dispose()


def _value(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, DateTime):
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    return value


def load_snapshot(conn: Connection, snapshot: dict[str, Any]) -> None:
    """Insert every row of ``snapshot`` as it was stored, ids included.

    The decision ↔ option cycle (``decision.outcome_option_id``) is filled in
    after both tables; PostgreSQL's sequences are moved past the ids.
    """
    meta = MetaData()
    meta.reflect(conn)
    for table in meta.tables.values():
        for column in table.c:
            if isinstance(column.type, JSON):  # the models store None as SQL NULL
                column.type = JSON(none_as_null=True)
    outcomes: list[tuple[int, int]] = []
    for name, rows in snapshot["tables"].items():
        table = meta.tables[name]
        prepared = []
        for row in rows:
            values = {key: _value(table.c[key], value) for key, value in row.items()}
            if name == "decision" and values.get("outcome_option_id") is not None:
                outcomes.append((values["id"], values["outcome_option_id"]))
                values["outcome_option_id"] = None
            prepared.append(values)
        if prepared:
            conn.execute(table.insert(), prepared)
    decision = meta.tables["decision"]
    for decision_id, option_id in outcomes:
        conn.execute(
            update(decision).where(decision.c.id == decision_id).values(outcome_option_id=option_id)
        )
    if conn.dialect.name == "postgresql":
        for name, table in meta.tables.items():
            if "id" in table.c and table.c.id.primary_key and name != "alembic_version":
                top = conn.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar()
                if top is not None:
                    conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {top})")
                    )


def populated(app: Flask, revision: str) -> dict[str, Any]:
    """Fill the app's database (at ``revision``) with that revision's snapshot."""
    snapshot = read_snapshot(revision)
    with db.engine.begin() as conn:
        load_snapshot(conn, snapshot)
    return snapshot
