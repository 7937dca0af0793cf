"""What a ballot write's transaction sends (issue 8, speed), with its effects
unchanged: the commit writes mail and webhook deliveries from the log
entries it has in hand (no event is read back), a network without a live
webhook pays no webhook query, and a webhook registered or deleted in
between counts from the next write on. On SQLite the write lock is taken
where the decision is locked, not for the request's preliminaries; on
PostgreSQL a request that only read keeps the connection's prepared
statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text

from cop_vote.extensions import db
from cop_vote.models import Event, Notification, WebhookDelivery
from tests.web.helpers import make_decision, option_ids

API = "/api/v1"


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent meanwhile, whitespace folded."""
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def _webhook_queries(sent: list[str]) -> list[str]:
    return [s for s in sent if s.startswith("SELECT webhook.id")]


def _events_read_back(sent: list[str]) -> list[str]:
    return [s for s in sent if "FROM event WHERE event.id IN" in s]


@pytest.fixture
def hooks_allowed(app: Flask) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True


def test_webhook_deliveries_follow_registration_without_a_query_when_none_lives(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, hooks_allowed: None
) -> None:
    fac = network["headers"]["facilitator"]
    did = make_decision(network["people"]["facilitator"], clock.now)
    first, second = option_ids(did)[:2]
    url = f"{API}/decisions/{did}/ballot"
    oxfam1 = network["headers"]["oxfam1"]
    colleague = network["people"]["oxfam2"].id

    with statements() as sent:
        assert client.put(url, headers=oxfam1, json={"option": first}).status_code == 200
    assert _webhook_queries(sent) == [] and _events_read_back(sent) == []
    cast = db.session.execute(
        select(Event).where(Event.kind == "ballot.cast").order_by(Event.id.desc())
    ).scalar_one()
    # The colleague's mail is written as before, keyed on the log entry (and sent:
    # QUEUE_URL=immediate).
    mail = db.session.execute(
        select(Notification).where(Notification.key == f"ballot.cast:{cast.id}:{colleague}")
    ).scalar_one()
    assert mail.kind == "ballot" and mail.decision_id == did
    assert db.session.execute(select(WebhookDelivery)).first() is None

    # Registered in between (as another process would): the next write delivers.
    hook = client.post(f"{API}/webhooks", headers=fac, json={"url": "http://127.0.0.1:9/h"})
    assert hook.status_code == 201
    with statements() as sent:
        assert client.put(url, headers=oxfam1, json={"option": second}).status_code == 200
    assert len(_webhook_queries(sent)) == 1 and _events_read_back(sent) == []
    changed = db.session.execute(
        select(Event).where(Event.kind == "ballot.change").order_by(Event.id.desc())
    ).scalar_one()
    deliveries = db.session.execute(select(WebhookDelivery)).scalars().all()
    assert [(d.event_id, d.kind, d.payload["action"]) for d in deliveries] == [
        (changed.id, "ballot.cast", "change")
    ]

    # Deleted: nothing more, and no webhook query again.
    assert client.delete(f"{API}/webhooks/{hook.get_json()['id']}", headers=fac).status_code == 204
    with statements() as sent:
        assert client.put(url, headers=oxfam1, json={"option": first}).status_code == 200
    assert _webhook_queries(sent) == []
    assert len(db.session.execute(select(WebhookDelivery)).all()) == 1


@pytest.fixture
def committed_decision(network: dict[str, Any], clock: Any) -> int:
    """An open decision, committed (the test's session holds no transaction)."""
    did = make_decision(network["people"]["facilitator"], clock.now)
    db.session.commit()
    return did


def test_each_database_is_used_as_it_allows(
    app: Flask, client: FlaskClient, network: dict[str, Any], committed_decision: int
) -> None:
    """On SQLite a ballot write takes the write lock only at the decision; on
    PostgreSQL reading requests keep psycopg's prepared statements. One test
    for both, so that neither pass of ``make test`` skips it."""
    if db.engine.dialect.name == "sqlite":
        _sqlite_ballot_write_takes_the_write_lock_at_the_decision(
            client, network, committed_decision
        )
    else:
        _postgresql_reading_requests_keep_prepared_statements(client, network, committed_decision)


def _sqlite_ballot_write_takes_the_write_lock_at_the_decision(
    client: FlaskClient, network: dict[str, Any], committed_decision: int
) -> None:
    did = committed_decision
    first = option_ids(did)[0]
    db.session.commit()  # the request begins its own transactions
    # The token's first use writes its last-use time (at most hourly, on its
    # own): used once here, so what follows counts the ballot write alone.
    assert client.get(f"{API}/me", headers=network["headers"]["stro"]).status_code == 200

    def put(decision_id: int) -> tuple[int, list[str]]:
        with statements() as sent:
            answer = client.put(
                f"{API}/decisions/{decision_id}/ballot",
                headers=network["headers"]["stro"],
                json={"option": first},
            )
        return answer.status_code, sent

    status, sent = put(did)
    assert status == 200
    begins = [i for i, s in enumerate(sent) if s.startswith("BEGIN")]
    assert [sent[i] for i in begins] == ["BEGIN", "BEGIN IMMEDIATE"]
    # The token and the decision's visibility are read before; the locked read
    # of the decision is the write transaction's first statement.
    assert any(s.startswith("SELECT person.") for s in sent[: begins[1]])
    assert sent[begins[1] + 1].startswith("SELECT decision.")

    # A refused write (no such decision) never takes the write lock.
    status, sent = put(did + 100)
    assert status == 404
    assert "BEGIN IMMEDIATE" not in sent


def _postgresql_reading_requests_keep_prepared_statements(
    client: FlaskClient, network: dict[str, Any], committed_decision: int
) -> None:
    did = committed_decision
    # The token's first use writes its last-use time on a connection of its
    # own: done before, so that one connection serves everything below.
    assert client.get(f"{API}/me", headers=network["headers"]["stro"]).status_code == 200
    db.session.commit()
    db.engine.dispose()  # one connection from here on: each request gets it back
    for _ in range(7):  # psycopg prepares a statement at its fifth run
        answer = client.get(f"{API}/decisions/{did}", headers=network["headers"]["stro"])
        assert answer.status_code == 200
    prepared = (
        db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    )
    assert any("FROM decision" in s for s in prepared), prepared
