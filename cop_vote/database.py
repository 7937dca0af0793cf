"""Database engine settings that the rules depend on.

SQLite (in WAL mode) lets readers run beside one writer. A request that will
write begins ``BEGIN IMMEDIATE``: it takes the write lock before its first
read, so two ballot writes for one organisation are serialised and neither
reads a state the other is about to change (a deferred transaction that reads
and only later writes could fail with ``SQLITE_BUSY`` when another writer
committed in between, and SQLite cannot retry that). Every other transaction
begins deferred (plain ``BEGIN``) and never waits for the write lock.

Which transactions write is decided when they begin, by what runs them:

* in a request: ``POST``, ``PUT``, ``PATCH`` and ``DELETE`` write; ``GET``,
  ``HEAD`` and ``OPTIONS`` read, unless the view is marked :func:`writes`;
* outside a request (commands, the queue's worker, tests' own set-up): write,
  unless run inside :func:`reading` (a worker task that only reads, such as
  building a large meeting pack, must not hold the write lock meanwhile).

A view marked :func:`locks_late` (a ballot write) is the exception: it reads
(who asks, whether the decision is there for them, the body) in a deferred
transaction, and where its service takes the decision's lock
(:func:`lock_for_writing`) that transaction ends and the next begins
``IMMEDIATE``; everything the write decides on is read afresh in it (the
decision, its options and the ballot; who asks, in one row, checked again
when it changed). What refuses a write is checked before, so a refused write
never takes the lock. The write lock is then held for the write alone, not
for the request's preliminaries, and other writers wait that much less.

Writers of one SQLite database queue for its write lock on a lock file beside
it (``<database>-writers.lock``, an exclusive ``flock`` held from ``BEGIN
IMMEDIATE`` to ``COMMIT`` or ``ROLLBACK``): the kernel wakes the next writer
the moment the lock is free. Without it a waiting writer sleeps in SQLite's
busy handler (1, 2, 5 … 25, 50, 100 ms between tries) while the writer that
just committed takes the lock again at once: as many writes a second, but
some writers starved (16 clients writing ballots: p99 616 → 153 ms with the
queue, p50 80–104 → 120 ms). A writer leaves the queue once its ``COMMIT``
(``ROLLBACK``) is done, not when SQLAlchemy announces it: woken earlier, the
next one met SQLite's lock still held and slept in the busy handler (``BEGIN
IMMEDIATE`` took 2.0 ms on average, p99 8.6, against 0.27 after: ballot
writes 125–130 → 149–163 a second, 16 clients). SQLite's own lock is unchanged and still decides; a
writer that does not queue (the ``sqlite3`` shell) waits ``busy_timeout`` as
before. A write that must never wait (a token's last use, in a reading
request) only tries the queue (:func:`writing`).

A statement that changes data inside a reading transaction is a bug (the view
should be marked, or be a ``POST``); it is reported as a
:class:`ReadTransactionWrite` warning, which the tests turn into an error.

On PostgreSQL nothing of this applies: reads take no locks, and the ballot
service locks the decision row with ``SELECT ... FOR UPDATE`` for its write.
There a request's transaction that sent nothing but ``SELECT`` and changed no
object ends with ``COMMIT`` rather than ``ROLLBACK`` (:func:`end_read`):
the same for the data, but psycopg forgets its prepared statements at every
``ROLLBACK``, and with them kept, a statement a connection has run five times
is no longer parsed and planned again (a page's queries cost a third to a
quarter of the server's time: planning is most of it at this size).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from .extensions import db

#: Largest identifier accepted in a path, query or body: the databases' ``integer``.
#: A larger number must be refused before a query, or PostgreSQL fails on the cast.
MAX_ID = 2**31 - 1


def is_id(value: object) -> bool:
    """Whether ``value`` (from a JSON body or a parsed form) can be a stored id:
    a whole number (not a boolean) from 1 to :data:`MAX_ID`.

    Check this before ``db.session.get``: a larger number overflows SQLite's
    integer and fails PostgreSQL's cast, a 500 instead of the 400 it deserves.
    """
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


#: Request methods whose transactions only read (RFC 9110's safe methods).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: ``conn.info`` key: the transaction under way began deferred (reads only).
_READING = "cop_vote_reading"
#: First words of statements that change the database.
_CHANGES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")

View = TypeVar("View", bound=Callable[..., Any])

#: Set by :func:`reading`: transactions begun meanwhile only read.
_reading_only: ContextVar[bool] = ContextVar("cop_vote_reading_only", default=False)
#: Set by :func:`writing`: transactions begun meanwhile write (even in a GET).
_writing_now: ContextVar[bool] = ContextVar("cop_vote_writing_now", default=False)


class ReadTransactionWrite(RuntimeWarning):
    """A statement changed data in a transaction that began as a reader."""


def writes(view: View) -> View:
    """Mark a view that writes even when asked with ``GET``: its transactions
    begin ``IMMEDIATE`` on SQLite, like a ``POST``'s."""
    view.cop_vote_writes = True  # type: ignore[attr-defined]
    return view


def locks_late(view: View) -> View:
    """Mark a writing view whose transaction only reads until its service
    calls :func:`lock_for_writing` (SQLite: it begins deferred, see the
    module's notes)."""
    view.cop_vote_locks_late = True  # type: ignore[attr-defined]
    return view


#: WSGI environ key: this request's write took its lock (:func:`lock_for_writing`).
_LOCKING = "cop_vote.locking"


def lock_for_writing(*, keep_loaded: bool = False) -> None:
    """Called where a write takes its lock, before it reads what it decides on.

    In a view marked :func:`locks_late` on SQLite, the transaction so far only
    read: it ends here, and the next one (the write's) begins ``IMMEDIATE``.
    Objects read before are expired by that commit, so nothing of the
    preliminaries is decided on without being read again under the lock.
    Elsewhere (and on PostgreSQL, where the caller locks rows) nothing changes.

    :param keep_loaded: the caller reads again, explicitly (``populate_existing``),
        all it decides on: the commit leaves the objects loaded, so that who
        asks and their organisation are not loaded twice (a ballot write
        checks one row of theirs under the lock instead).
    """
    if not has_request_context() or request.environ.get(_LOCKING):
        return
    request.environ[_LOCKING] = True
    session = db.session()
    if session.in_transaction() and session.connection().info.get(_READING):
        expire = session.expire_on_commit
        session.expire_on_commit = expire and not keep_loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun in this block only read (work outside a request)."""
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun in this block write, whatever the request: a small
    write of its own on a separate connection (a token's last use), which on
    SQLite begins ``IMMEDIATE`` and holds the write lock for itself alone. It
    never waits in the writers' queue (see the module's notes): with a writer
    ahead, it goes straight to SQLite's lock, which its connection may refuse at once."""
    token = _writing_now.set(True)
    try:
        yield
    finally:
        _writing_now.reset(token)


def in_reading_transaction() -> bool:
    """Whether the session's transaction under way began as a reader (SQLite;
    always ``False`` on PostgreSQL and when none is under way)."""
    session = db.session()
    return session.in_transaction() and bool(session.connection().info.get(_READING))


def request_reads_only() -> bool:
    """Whether the transaction beginning now only reads: inside :func:`reading`,
    or inside a request with a safe method whose view is not marked :func:`writes`,
    or in a view marked :func:`locks_late` before it takes its lock."""
    if _writing_now.get():
        return False
    if _reading_only.get():
        return True
    if not has_request_context():
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method not in READING_METHODS:
        late = getattr(view, "cop_vote_locks_late", False) is True
        return late and not request.environ.get(_LOCKING)
    return not getattr(view, "cop_vote_writes", False)


#: The pool entry's ``info`` keys (SQLite): the open writers' queue file of a
#: connection, and whether it holds its place (see the module's notes).
_QUEUE_FILE = "cop_vote_writers_file"
_QUEUED = "cop_vote_writers_queued"


def writers_queue(database: str | None) -> str | None:
    """The writers' queue file of an SQLite database file (``None`` in memory)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers.lock"


def _join_queue(info: dict[Any, Any], path: str) -> None:
    """Wait for this connection's turn to write (or, in :func:`writing`, only
    try). ``info``: the pool entry's, kept as long as the DBAPI connection."""
    descriptor = info.get(_QUEUE_FILE)
    if descriptor is None:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        info[_QUEUE_FILE] = descriptor
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (fcntl.LOCK_NB if _writing_now.get() else 0))
    except BlockingIOError:
        return  # a write that never waits: SQLite's own lock decides
    info[_QUEUED] = True


def _leave_queue(info: dict[Any, Any]) -> None:
    if info.pop(_QUEUED, False):
        fcntl.flock(info[_QUEUE_FILE], fcntl.LOCK_UN)


def _close_queue_file(info: dict[Any, Any]) -> None:
    _leave_queue(info)
    descriptor = info.pop(_QUEUE_FILE, None)
    if descriptor is not None:
        os.close(descriptor)


def _configure_sqlite(engine: Engine) -> None:
    queue = writers_queue(engine.url.database)

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
        reading = request_reads_only()
        connection.info[_READING] = reading
        if reading:
            connection.exec_driver_sql("BEGIN")
            return
        if queue is not None:
            _join_queue(connection.connection.info, queue)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _leave_queue(connection.connection.info)
            raise

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get(_READING) and statement.lstrip().upper().startswith(_CHANGES):
            where = f"{request.method} {request.path}" if has_request_context() else "work"
            warnings.warn(
                f"{where} changes data in a reading transaction "
                f"(mark the view with database.writes): {statement[:80]}",
                ReadTransactionWrite,
                stacklevel=2,
            )

    def _end_then_leave(connection: Connection, end: str) -> None:
        # SQLAlchemy tells of a commit (a rollback) before it sends it: the
        # writer leaves the queue only once its transaction has ended, else the
        # next one, woken, meets SQLite's lock still held and sleeps in its busy
        # handler (1 ms, then 2 ...). Sent here, the driver's own ends nothing more.
        connection.info.pop(_READING, None)
        info = connection.connection.info
        if not info.get(_QUEUED):
            return
        try:
            connection.connection.dbapi_connection.execute(end)  # type: ignore[union-attr]
        except sqlite3.Error:
            return  # the driver's own end tries again and reports it; then its rollback leaves
        _leave_queue(info)

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        _end_then_leave(connection, "COMMIT")

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        _end_then_leave(connection, "ROLLBACK")

    # However a connection goes back to the pool or away, it leaves the queue.
    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi_connection: Any, entry: ConnectionPoolEntry, _state: Any) -> None:
        _leave_queue(entry.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        _leave_queue(entry.info)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        _close_queue_file(entry.info)

    @event.listens_for(engine, "invalidate")
    @event.listens_for(engine, "soft_invalidate")
    def _on_invalidate(_dbapi_connection: Any, entry: ConnectionPoolEntry, _error: Any) -> None:
        _close_queue_file(entry.info)


#: ``conn.info`` key (PostgreSQL): the transaction under way sent a statement
#: other than ``SELECT`` (a change, a savepoint, anything else).
_SENT_MORE = "cop_vote_sent_more"


#: ``app.extensions`` key: the database is PostgreSQL, :func:`end_read` commits reads.
_END_READ = "cop_vote_end_read"


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip()[:6].upper() == "SELECT":
            connection.info[_SENT_MORE] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        connection.info.pop(_SENT_MORE, None)


def end_read(error: BaseException | None = None, *, removing: bool = True) -> bool:
    """On PostgreSQL, commit the session's transaction when it only read (only
    ``SELECT`` statements, no object changed or added, no error): the same as
    a rollback for the data, but the connection keeps its prepared statements
    (see the module's notes). Run as each application context ends, before
    Flask-SQLAlchemy removes the session (which rolls back anything else).

    :param removing: the session is removed next: its objects need not be
        expired by the commit.
    :returns: whether it committed.
    """
    if error is not None or not current_app.extensions.get(_END_READ):
        return False  # SQLite (or an error): the session's close rolls back
    if not db.session.registry.has():
        return False
    session = db.session()
    if (
        session.in_transaction()
        and not session.in_nested_transaction()
        and not (session.new or session.dirty or session.deleted)
        and not session.connection().info.get(_SENT_MORE)
    ):
        if removing:
            session.expire_on_commit = False  # a session about to go
        session.commit()
        return True
    return False


def end_request(error: BaseException | None = None) -> None:
    """End the request's transaction at once, so that no lock outlives the
    request (the API's, at the end of each request): :func:`end_read`, else
    ``ROLLBACK``."""
    if not end_read(error, removing=False) and db.session.registry.has():
        db.session.rollback()


def init_app(app: Flask) -> None:
    """Attach the engine listeners for the configured database, and let a
    transaction that only read end with ``COMMIT`` on PostgreSQL
    (:func:`end_read`) before Flask-SQLAlchemy removes the session
    (teardowns run last first)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        elif engine.dialect.name == "postgresql":
            _configure_postgresql(engine)
            app.extensions[_END_READ] = True
            app.teardown_appcontext(end_read)


def is_sqlite() -> bool:
    """Whether the bound database is SQLite (no row locks)."""
    return db.engine.dialect.name == "sqlite"
