"""Revision 0014 on a populated database upgraded from 0009 (the demo
network of the 0007 snapshot, upgraded through 0008 and 0009 first: decisions
in every state, the kick-off meeting with its attendance and actions): every
meeting gets blank minutes and no agenda, keeps its attendance and actions,
and the upgraded meeting takes minutes and a linked decision through the API;
the downgrade drops both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from cop_vote.extensions import db
from cop_vote.models import Decision, Meeting, Person
from cop_vote.services import auth, tally_cache, verification
from tests.migrations.harness import database_at, populated


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0013")
        upgrade(revision="0014")
        upgrade()  # the app's code is head's: later revisions add tables it reads
        tally_cache.clear()
        yield app, snapshot


def test_meetings_keep_their_record_and_get_blank_minutes_and_no_agenda(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    rows = {row["id"]: row for row in snapshot["tables"]["meeting"]}
    assert rows  # the kick-off meeting
    meetings = db.session.scalars(select(Meeting)).all()
    assert {m.id: (m.title, m.location) for m in meetings} == {
        i: (r["title"], r["location"]) for i, r in rows.items()
    }
    for meeting in meetings:
        assert meeting.minutes == "" and meeting.decisions == []
    attendance = snapshot["tables"]["attendance"]
    assert sum(len(m.attendance) for m in meetings) == len(attendance) > 0
    assert sum(len(m.actions) for m in meetings) == len(snapshot["tables"]["follow_up_action"])


def test_an_upgraded_meeting_takes_minutes_and_an_agenda_through_the_api(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    app, _snapshot = upgraded
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    assert facilitator is not None
    meeting = db.session.scalars(select(Meeting).order_by(Meeting.id)).first()
    decision = db.session.scalars(select(Decision).order_by(Decision.id)).first()
    assert meeting is not None and decision is not None
    _person, token = auth.issue_api_token(facilitator.email or "", datetime.now(UTC))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    answer = client.patch(
        f"/api/v1/meetings/{meeting.id}",
        json={"minutes": "We agreed to go on."},
        headers=headers,
    )
    assert answer.status_code == 200, answer.get_json()
    answer = client.post(
        f"/api/v1/meetings/{meeting.id}/decisions",
        json={"decision": decision.id},
        headers=headers,
    )
    assert answer.status_code == 200, answer.get_json()
    body = client.get(f"/api/v1/meetings/{meeting.id}", headers=headers).get_json()
    assert body["minutes"] == "We agreed to go on."
    assert [d["id"] for d in body["decisions"]] == [decision.id]
    assert verification.verify_log().ok


def test_downgrade_drops_the_minutes_and_the_links(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    db.session.remove()
    downgrade(revision="0013")
    inspector = inspect(db.engine)
    assert "meeting_decision" not in inspector.get_table_names()
    assert "minutes" not in {c["name"] for c in inspector.get_columns("meeting")}
    assert {c["name"] for c in inspector.get_columns("meeting")} >= {"title", "held_on"}
    db.session.remove()
    upgrade()
