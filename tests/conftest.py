"""Shared fixtures: an app on SQLite (default) or PostgreSQL, clients, factories.

``pytest`` runs on a fresh SQLite file; ``pytest --db=postgresql`` runs the same
tests on ``TEST_DATABASE_URL`` (skipped with the reason when it is not set or
not reachable). With ``COP_FAIL_ON_SKIP=1`` (CI) any skip fails the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from cop_vote import create_app
from cop_vote.extensions import db
from cop_vote.models import Organisation, Person
from tests import dbstate, fast_apps

# The domain tests need no app; everything else gets one from the fixtures below.

# Tasks run in place, in the process that asks (the queue's "immediate" mode),
# unless a test starts a worker with a queue of its own: so a test's mail is
# in the outbox when its request returns, and no test leaves work in a queue
# file. Set here, not as a default, so that a QUEUE_URL in the shell is not
# used; gunicorn servers started by tests inherit it.
os.environ["QUEUE_URL"] = "immediate"


fast_apps.install()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default="sqlite",
        choices=("sqlite", "postgresql"),
        help="database for the app tests (postgresql needs TEST_DATABASE_URL)",
    )


#: The page tests (see :func:`pytest_collection_modifyitems`).
WEB_TESTS = Path(__file__).parent / "web"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that request no database (no ``database_url``, which every app,
    client and live server fixture depends on) are marked ``no_database``: they
    run alike on either database, so the PostgreSQL pass of ``make test``
    deselects them (``-m "not no_database"``). Marked first, before ``-m`` reads
    the marks.

    Tests of pages (tests/web) are marked ``pages`` unless their module is
    marked ``database_semantics``: what they render comes from the services'
    SQL, which the services', API's and race tests run on both databases, so
    the PostgreSQL pass deselects them too (``-m "not pages"``) and runs only
    the page tests whose outcome depends on the database (locking, versions,
    statement counts, paging, search, caching, the log, erasure).

    Tests marked ``postgres`` run in the ``--db=postgresql`` pass: with
    TEST_DATABASE_URL set, the SQLite pass leaves them out (deselected, not
    skipped); without it they are collected and skip, saying why."""
    for item in items:
        if "database_url" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.no_database)
        elif item.path.is_relative_to(WEB_TESTS) and not item.get_closest_marker(
            "database_semantics"
        ):
            item.add_marker(pytest.mark.pages)
    if config.getoption("--db") == "postgresql" or not os.environ.get("TEST_DATABASE_URL"):
        return
    later = [item for item in items if item.get_closest_marker("postgres")]
    if later:
        config.hook.pytest_deselected(items=later)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("COP_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        if reporter:
            reporter.write_line(
                f"COP_FAIL_ON_SKIP: {len(skipped)} test(s) skipped; failing.", red=True
            )
        session.exitstatus = 1


def _postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)"
        )
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc.__class__.__name__}")
    suffix = os.environ.get("COP_TEST_DATABASE_SUFFIX", "")
    return _database_beside(url, suffix) if suffix else url


def _database_beside(url: str, suffix: str) -> str:
    """The database named as ``url``'s plus ``suffix`` on the same server,
    created when missing: ``make test`` runs the PostgreSQL pass in two
    processes, each on a database of its own."""
    base = make_url(url)
    name = f"{base.database}{suffix}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        known = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if known.scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


#: Memory-backed storage for the SQLite test database, where the system has it.
SHM = Path("/dev/shm")


@contextmanager
def _sqlite_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder for the SQLite test database: in ``/dev/shm`` when it is there.

    SQLite syncs its write-ahead log to disk at every commit, and a test run
    commits some fifty thousand times; on a disk shared with other work each
    sync waits milliseconds. On a memory file system the sync returns at once;
    SQLite, its settings and its locking are the same. (A small ``/dev/shm``,
    such as a container's default 64 MB, is passed over.)
    """
    if SHM.is_dir() and os.access(SHM, os.W_OK) and shutil.disk_usage(SHM).free > 256 << 20:
        folder = Path(tempfile.mkdtemp(prefix="cop-vote-test-", dir=SHM))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("db")


@pytest.fixture(scope="session")
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The test database, migrated once per session from the Alembic revisions.

    On PostgreSQL, the URL asks each connection (the tests', the live servers'
    and workers') not to wait for the server to sync each commit to disk
    (``synchronous_commit=off``): what a commit makes visible, and when, is
    unchanged; only a crash of the server could lose the last commits.
    """
    with ExitStack() as stack:
        if request.config.getoption("--db") == "postgresql":
            url = _postgres_url()
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            # Percent-encoded, as both SQLAlchemy and libpq (psycopg.connect) read it.
            if "options=" not in url:
                url += ("&" if "?" in url else "?") + "options=-c%20synchronous_commit%3Doff"
        else:
            folder = stack.enter_context(_sqlite_folder(tmp_path_factory))
            url = f"sqlite:///{folder / 'test.sqlite'}"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            db.engine.dispose()
        yield url


class Clock:
    """A settable clock for the app: ``clock.now``, ``clock.advance(minutes=...)``."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url: str, clock: Clock, tmp_path: Any) -> Iterator[Flask]:
    """A fresh app on an empty (truncated) database."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "MAIL_BACKEND": "locmem",
            "QUEUE_URL": "immediate",
            "RATELIMIT_ENABLED": False,
            "CLOCK": clock,
            "SERVER_NAME": "localhost",
            "BASE_URL": "http://localhost",
        }
    )
    with app.app_context():
        dbstate.empty()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organisation]:
    """Factory: ``make_org("adpc", kind="diaspora", voting=True)``."""
    counter = {"n": 0}

    def make(slug: str | None = None, **fields: Any) -> Organisation:
        counter["n"] += 1
        slug = slug or f"org-{counter['n']}"
        org = Organisation(
            slug=slug,
            name=fields.pop("name", slug.upper()),
            short_name=fields.pop("short_name", slug.upper()),
            kind=fields.pop("kind", "ngo"),
            voting=fields.pop("voting", True),
            active=fields.pop("active", True),
            **fields,
        )
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_person(app: Flask) -> Callable[..., Person]:
    """Factory: ``make_person(org, role="representative", name=..., email=...)``."""
    counter = {"n": 0}

    def make(org: Organisation | None, role: str = "representative", **fields: Any) -> Person:
        counter["n"] += 1
        n = counter["n"]
        person = Person(
            name=fields.pop("name", f"Person {n}"),
            email=fields.pop("email", f"person{n}@example.org"),
            organisation=org,
            role=role,
            function="",
            active=True,
            **fields,
        )
        db.session.add(person)
        db.session.commit()
        return person

    return make


@pytest.fixture
def token_for(app: Flask, clock: Clock) -> Callable[[Person], dict[str, str]]:
    """Authorization headers with a fresh API token for a person."""
    from cop_vote.services import auth

    def make(person: Person) -> dict[str, str]:
        _p, token = auth.issue_api_token(person.email or "", clock.now)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def network(
    make_org: Callable[..., Organisation],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> dict[str, Any]:
    """A small network: a facilitating org, three members (one with two
    representatives), an observer; with API headers for each role."""
    pso = make_org("pso", kind="facilitator", name="PSO-bureau", short_name="PSO")
    adpc = make_org(
        "adpc", kind="diaspora", name="African Diaspora Policy Centre", short_name="ADPC"
    )
    oxfam = make_org("oxfam-novib", name="Oxfam Novib", short_name="Oxfam Novib")
    stro = make_org("stro", name="Social Trade Organisation", short_name="STRO")
    people = {
        "facilitator": make_person(
            pso, "facilitator", name="Samuel Kollie", email="samuel@pso.example.org"
        ),
        "adpc": make_person(adpc, name="Amina Warsame", email="amina@adpc.example.org"),
        "oxfam1": make_person(oxfam, name="Idris Nuur", email="idris@oxfam.example.org"),
        "oxfam2": make_person(oxfam, name="Lotte Hendriks", email="lotte@oxfam.example.org"),
        "stro": make_person(stro, name="Marieke Dijkstra", email="marieke@stro.example.org"),
        "observer": make_person(
            None, "observer", name="Olu Observer", email="olu@partner.example.org"
        ),
    }
    headers = {key: token_for(person) for key, person in people.items()}
    return {
        "orgs": {"pso": pso, "adpc": adpc, "oxfam": oxfam, "stro": stro},
        "people": people,
        "headers": headers,
    }


@pytest.fixture
def live_server(app: Flask, database_url: str) -> Iterator[Any]:
    """A gunicorn server with four worker processes on the test's database.

    The test prepares data through ``app``. While the workers run, the test's
    own session must not keep a transaction open (on SQLite an open transaction
    holds the write lock): end each read with ``db.session.commit()``.
    """
    from tests.live.server import LiveServer

    db.session.commit()
    server = LiveServer(database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
