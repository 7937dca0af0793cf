"""Readers never wait for the write lock; writers take it before their first read.

Over the four-worker server: while another connection holds the write lock
(SQLite: ``BEGIN IMMEDIATE`` with a change not yet committed; PostgreSQL: the
decision's row lock), pages and API reads answer at once, and a ballot write
waits for the lock. In process: which transactions begin ``IMMEDIATE`` on
SQLite, and which statements lock rows on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from flask import Flask
from sqlalchemy import event, text

from cop_vote import create_app, database
from cop_vote.extensions import db
from cop_vote.models import Decision
from tests.races.drivers import browser_for, decision_lock
from tests.web.admin_helpers import sign_in
from tests.web.helpers import csrf_token, make_decision, option_ids


def test_reads_answer_while_a_writer_holds_the_lock(
    app: Any, network: dict[str, Any], live_server: Any, database_url: str, clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, datetime.now(UTC))
    option = option_ids(decision_id)[0]
    db.session.commit()
    headers = network["headers"]["adpc"]
    browser = browser_for(live_server, network["people"]["adpc"].email, clock.now)
    reads = [
        "/healthz",
        f"/decisions/{decision_id}",
        f"/decisions/{decision_id}/participation",
    ]
    put_answers: list[tuple[int, float]] = []
    with decision_lock(database_url, decision_id) as run:
        # A change the reader must not see, and that holds the lock for real.
        run(f"UPDATE decision SET title = 'Changing' WHERE id = {decision_id}")
        started = time.monotonic()
        writer = threading.Thread(
            target=lambda: put_answers.append(
                (
                    httpx.put(
                        f"{live_server.url}/api/v1/decisions/{decision_id}/ballot",
                        json={"option": option},
                        headers=headers,
                        timeout=60,
                    ).status_code,
                    time.monotonic() - started,
                )
            )
        )
        writer.start()
        for path in reads:
            began = time.monotonic()
            answer = browser.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            assert time.monotonic() - began < 3, f"{path} waited for the write lock"
            assert "Changing" not in answer.text
        began = time.monotonic()
        api = httpx.get(
            f"{live_server.url}/api/v1/decisions/{decision_id}", headers=headers, timeout=60
        )
        assert api.status_code == 200
        assert api.json()["title"] != "Changing"
        assert time.monotonic() - began < 3, "the API read waited for the write lock"
        time.sleep(1.5)
        assert writer.is_alive(), "the ballot write did not wait for the lock"
        held = time.monotonic() - started
    writer.join(timeout=60)
    assert put_answers and put_answers[0][0] == 200
    assert put_answers[0][1] >= held
    assert live_server.server_errors() == []


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs (in this process)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_reads_take_no_write_lock_and_a_ballot_write_takes_it_first(
    app: Flask, client: Any, network: dict[str, Any], database_url: str
) -> None:
    """SQLite: reads begin deferred, a write begins IMMEDIATE before any read.
    PostgreSQL: reads lock no rows; a ballot write locks the decision's row once,
    after signing in (the lock lasts from there to the commit)."""
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, datetime.now(UTC))
    option = option_ids(decision_id)[0]
    db.session.commit()
    headers = network["headers"]["adpc"]
    # A token's first use in the hour writes its last-use time (a write of
    # its own, apart from the read): used once before, so what follows counts
    # the reads alone.
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with statements(app) as reads:
        for path in ("", "/ballot"):
            response = client.get(f"/api/v1/decisions/{decision_id}{path}", headers=headers)
            assert response.status_code in (200, 404), path
        assert client.get(f"/decisions/{decision_id}").status_code in (200, 302)
    with statements(app) as write:
        answer = client.put(
            f"/api/v1/decisions/{decision_id}/ballot", json={"option": option}, headers=headers
        )
        assert answer.status_code == 200
    if database_url.startswith("sqlite"):
        assert "BEGIN" in reads and "BEGIN IMMEDIATE" not in reads
        # The token and the decision's visibility are read first, in a
        # deferred transaction that changes nothing; then the write lock is
        # taken, and its first statement reads the decision afresh under it.
        locked = write.index("BEGIN IMMEDIATE")
        assert write[0] == "BEGIN" and write.count("BEGIN IMMEDIATE") == 1
        assert all(s.startswith("SELECT") for s in write[1:locked])
        assert write[locked + 1].startswith("SELECT decision.")
    else:
        assert not [s for s in reads if " FOR UPDATE" in s or " FOR SHARE" in s]
        locks = [i for i, s in enumerate(write) if " FOR UPDATE" in s]
        assert len(locks) == 1 and "FROM decision" in write[locks[0]]
        assert locks[0] > 0


def test_the_ballot_form_locks_late_and_a_refused_ballot_never_locks(
    app: Flask, client: Any, network: dict[str, Any], database_url: str
) -> None:
    """The ballot form's view is marked ``locks_late`` like the API's ballot
    writes. SQLite: it reads (who asks, the decision, the form) in a deferred
    transaction and takes the write lock where the decision is locked; a
    refused ballot (not an option; the decision closed) never takes it.
    PostgreSQL: the decision's row is locked once, by the accepted write alone."""
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, datetime.now(UTC))
    option = option_ids(decision_id)[0]
    db.session.commit()
    sign_in(app, client, network["people"]["adpc"])
    token = csrf_token(client.get(f"/decisions/{decision_id}").get_data(as_text=True))

    def post(choice: int) -> tuple[int, list[str]]:
        db.session.commit()  # the request begins its own transactions
        with statements(app) as sent:
            answer = client.post(
                f"/decisions/{decision_id}/ballot",
                data={"csrf_token": token, "version": "0", "option": str(choice)},
            )
        return answer.status_code, sent

    sqlite = database_url.startswith("sqlite")

    def locks(sent: list[str]) -> list[int]:
        if sqlite:
            return [i for i, s in enumerate(sent) if s == "BEGIN IMMEDIATE"]
        return [i for i, s in enumerate(sent) if " FOR UPDATE" in s]

    status, refused = post(option + 1000)  # not one of its options: 400
    assert status == 400 and locks(refused) == []
    status, accepted = post(option)
    assert status == 303
    (lock,) = locks(accepted)
    if sqlite:
        assert accepted[0] == "BEGIN"
        assert all(s.startswith("SELECT") for s in accepted[1:lock])
        assert accepted[lock + 1].startswith("SELECT decision.")
    else:
        assert "FROM decision" in accepted[lock] and lock > 0
    decision = db.session.get(Decision, decision_id)
    assert decision is not None
    decision.status = "closed"
    db.session.commit()
    status, closed = post(option)
    assert status == 409 and locks(closed) == []


def test_which_transactions_write() -> None:
    """Requests with safe methods read; other methods, commands and the worker write."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context("/", method="GET"):
        assert database.request_reads_only()
    with app.test_request_context("/", method="HEAD"):
        assert database.request_reads_only()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with app.test_request_context("/", method=method):
            assert not database.request_reads_only()
    with app.app_context():
        assert not database.request_reads_only()


def test_a_write_in_a_reading_request_is_reported(tmp_path: Any) -> None:
    """On SQLite, a GET that changes data is a bug the tests catch (unless marked)."""
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'scratch.sqlite'}"}
    )

    @app.get("/writes-on-get")
    def _writes_on_get() -> str:
        db.session.execute(text("CREATE TABLE scratch (x INTEGER)"))
        return "ok"

    @app.get("/marked-writer")
    @database.writes
    def _marked_writer() -> str:
        db.session.execute(text("CREATE TABLE marked (x INTEGER)"))
        db.session.commit()
        return "ok"

    client = app.test_client()
    with pytest.warns(database.ReadTransactionWrite, match="mark the view"):
        client.get("/writes-on-get")
    assert client.get("/marked-writer").status_code == 200
