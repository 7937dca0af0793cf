"""Revision 0005 on a populated database upgraded from 0004 (the demo network,
decisions in every state, and reminders that went out): ``notification``
becomes the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from cop_vote import notifications
from cop_vote.extensions import db
from cop_vote.models import Decision, Notification, Person
from cop_vote.services import reminders, transitions
from tests.migrations.harness import database_at, populated
from tests.web.helpers import outbox


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0004", tmp_path) as app:
        snapshot = populated(app, "0004")
        upgrade()
        yield app, snapshot


def test_every_mail_sent_before_stays_sent_once(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    _app, snapshot = upgraded
    old = {row["key"]: row for row in snapshot["tables"]["notification"]}
    assert len(old) >= 10  # the open decision's reminders
    rows = {n.key: n for n in db.session.execute(select(Notification)).scalars()}
    assert set(rows) == set(old)
    for key, row in rows.items():
        sent_at = datetime.fromisoformat(old[key]["sent_at"])
        assert (row.status, row.attempts, row.sent_at) == ("sent", 1, sent_at)
        assert row.created_at == sent_at
        assert row.next_attempt_at is None and row.failed_at is None and row.last_error is None
        assert row.context is None
    # A sent reminder is not written, nor sent, again.
    assert reminders.send_reminders(sent_at, 48) == 0


def test_the_upgraded_outbox_takes_new_mail_and_delivers_it(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    app, _snapshot = upgraded
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    open_one = db.session.scalars(
        select(Decision).where(Decision.status == "open").order_by(Decision.id)
    ).first()
    assert facilitator is not None and open_one is not None
    closes_at = open_one.closes_at
    assert closes_at is not None
    before = len(outbox(app))
    transitions.close_decision(facilitator, open_one.id, closes_at - timedelta(hours=1))
    db.session.commit()  # the "closed" mails: written, then delivered in place
    closed = db.session.scalars(select(Notification).where(Notification.kind == "closed")).all()
    assert closed and {n.status for n in closed} == {"sent"}
    assert all(n.context is not None and "at" in n.context for n in closed)
    assert len(outbox(app)) - before == len(closed)
    assert notifications.deliver_due().sent == 0


def test_downgrade_keeps_the_mail_that_went_out_and_drops_the_rest(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    person_id = snapshot["tables"]["notification"][0]["person_id"]
    db.session.add(
        Notification(
            key="pending:1",
            person_id=person_id,
            kind="reminder",
            status="pending",
            created_at=datetime.fromisoformat(snapshot["tables"]["notification"][0]["sent_at"]),
            attempts=0,
        )
    )
    db.session.commit()
    db.session.remove()
    downgrade(revision="0004")
    with db.engine.connect() as conn:
        keys = set(conn.execute(text("SELECT key FROM notification")).scalars())
        columns = set(conn.execute(text("SELECT * FROM notification")).keys())
    assert keys == {row["key"] for row in snapshot["tables"]["notification"]}
    assert columns == {"id", "key", "person_id", "decision_id", "kind", "sent_at"}
    upgrade()  # and back again
