"""Database engine settings that the rules depend on.

On SQLite every transaction begins with ``BEGIN IMMEDIATE``: it takes the write
lock when it begins, so two ballot writes for one organisation are serialised
and neither reads a state the other is about to change. On PostgreSQL the
ballot service locks the decision row with ``SELECT ... FOR UPDATE`` instead.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from .extensions import db

#: Largest identifier accepted in a path, query or body: the databases' ``integer``.
#: A larger number must be refused before a query, or PostgreSQL fails on the cast.
MAX_ID = 2**31 - 1


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        # Overwrite freed space with zeros, so that the contents a secret
        # ballot's cut removes do not linger in the database file's free pages.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Attach the engine listeners for the configured database."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def is_sqlite() -> bool:
    """Whether the bound database is SQLite (no row locks)."""
    return db.engine.dialect.name == "sqlite"
