"""SQLite's writers queue on a lock file beside the database (cop_vote/database.py).

Held from ``BEGIN IMMEDIATE`` to the transaction's end, however it ends
(commit, rollback, an error, a connection back to the pool), so that the
next writer is woken the moment the write lock is free instead of sleeping
in SQLite's busy handler; a write that never waits (a token's last use)
only tries it. These are properties of the engine, checked on a file
database of their own: the HTTP races over the four-worker server
(tests/races/) run through the same code.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool

from cop_vote import create_app, database
from cop_vote.extensions import db


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """An app on an SQLite file of its own (with a table ``t``), and its queue file."""
    path = tmp_path / "scratch.sqlite"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.commit()
    queue = database.writers_queue(str(path))
    assert queue == f"{path}-writers.lock"
    yield app, queue
    with app.app_context():
        db.engine.dispose()


def _held(queue: str) -> bool:
    """Whether a writer holds its place in the queue now."""
    descriptor = os.open(queue, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing releases a place taken here
    return False


@contextmanager
def _queue_taken(queue: str) -> Iterator[None]:
    """Another process's writer holding its place in the queue."""
    descriptor = os.open(queue, os.O_RDWR | os.O_CREAT)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(descriptor)


def test_a_writer_holds_the_queue_until_its_transaction_ends(
    scratch: tuple[Flask, str],
) -> None:
    app, queue = scratch
    with app.app_context():
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        assert _held(queue)
        db.session.commit()
        assert not _held(queue)
        db.session.execute(text("INSERT INTO t VALUES (2)"))
        assert _held(queue)
        db.session.rollback()
        assert not _held(queue)
        # Left open: the session's removal at the context's end gives the
        # connection back to the pool, which ends the transaction.
        db.session.execute(text("INSERT INTO t VALUES (3)"))
        assert _held(queue)
    assert not _held(queue)
    with app.app_context():
        assert db.session.execute(text("SELECT x FROM t")).scalars().all() == [1]
        db.session.rollback()
    # A read in a request begins deferred and never queues.
    with app.test_request_context("/", method="GET"), app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM t")).scalar() == 1
        assert database.in_reading_transaction() and not _held(queue)
        db.session.rollback()


def test_a_waiting_writer_begins_as_soon_as_the_queue_is_free(
    scratch: tuple[Flask, str],
) -> None:
    app, queue = scratch
    began: list[float] = []

    def write() -> None:
        with app.app_context():
            db.session.execute(text("INSERT INTO t VALUES (1)"))
            began.append(time.monotonic())
            db.session.commit()

    with _queue_taken(queue):
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.3)
        assert began == []  # waiting in the queue, not writing
        freed = time.monotonic()
    writer.join(timeout=10)
    assert began and began[0] - freed < 0.1  # woken at once, not after a busy sleep
    assert not _held(queue)


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_the_queue_is_left_only_once_sqlites_lock_is_free(
    scratch: tuple[Flask, str], end: str
) -> None:
    """The writer woken by the queue finds SQLite's write lock free at once: it
    never sleeps in the busy handler behind a COMMIT (a ROLLBACK) not yet sent.
    SQLAlchemy tells of the end before it sends it; here a listener after the
    app's waits 0.3 s at that moment, as a slow end would."""
    app, queue = scratch
    path = queue.removesuffix("-writers.lock")
    with app.app_context():
        engine = db.engine

        def slow(_connection: Any) -> None:
            time.sleep(0.3)

        event.listen(engine, end, slow)
        try:
            db.session.execute(text("INSERT INTO t VALUES (1)"))
            found: list[str] = []

            def next_writer() -> None:
                descriptor = os.open(queue, os.O_RDWR)
                fcntl.flock(descriptor, fcntl.LOCK_EX)  # woken when the writer leaves
                lite = sqlite3.connect(path, isolation_level=None, timeout=0)
                try:
                    lite.execute("BEGIN IMMEDIATE")  # no busy wait: fails if still held
                    lite.execute("ROLLBACK")
                    found.append("free")
                except sqlite3.OperationalError as error:
                    found.append(str(error))
                finally:
                    lite.close()
                    os.close(descriptor)

            waiter = threading.Thread(target=next_writer)
            waiter.start()
            time.sleep(0.1)
            getattr(db.session, end)()
            waiter.join(timeout=10)
            assert found == ["free"]
        finally:
            event.remove(engine, end, slow)


def test_a_write_that_never_waits_only_tries_the_queue(scratch: tuple[Flask, str]) -> None:
    """A token's last use (``database.writing``) goes straight to SQLite's
    lock when the queue is taken: free, it writes at once."""
    app, queue = scratch
    with _queue_taken(queue), app.app_context():
        began = time.monotonic()
        with db.engine.connect() as connection, database.writing(), connection.begin():
            connection.execute(text("INSERT INTO t VALUES (1)"))
        assert time.monotonic() - began < 1
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_the_queue_is_left_when_begin_fails(tmp_path: Path) -> None:
    """A writer whose ``BEGIN IMMEDIATE`` fails (SQLite's lock held by a
    writer that does not queue, past the busy timeout) leaves the queue."""
    path = tmp_path / "scratch.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            # One connection, so that its busy timeout can be shortened here.
            "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool},
        }
    )
    queue = database.writers_queue(str(path))
    assert queue is not None
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))  # the file, in WAL mode
        db.session.commit()
    outsider = sqlite3.connect(path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    try:
        with app.app_context():
            raw: Any = db.engine.raw_connection()
            raw.driver_connection.execute("PRAGMA busy_timeout = 0")
            raw.close()
            with pytest.raises(OperationalError, match="locked"):
                db.session.execute(text("INSERT INTO t VALUES (1)"))
            assert not _held(queue)
            db.session.rollback()
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()
    with app.app_context():
        db.session.execute(text("INSERT INTO t VALUES (2)"))  # the queue is free
        db.session.commit()
        assert db.session.execute(text("SELECT x FROM t")).scalars().all() == [2]
        db.session.rollback()
        db.engine.dispose()
