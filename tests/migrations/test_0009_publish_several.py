"""Revision 0009 on a populated database upgraded from 0008 (the demo network
of the 0007 snapshot, upgraded to 0008 first:
decisions in every state, ballots, comments, mail, the kick-off meeting):
decisions select one option, each published outcome becomes its selection and
the first entry of its history, and the upgraded data can be amended,
reopened and listed through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from cop_vote.domain.errors import BallotsSealed
from cop_vote.extensions import db
from cop_vote.models import Decision, Event, OutcomeHistory, Person
from cop_vote.services import auth, outcomes, tally_cache, verification
from tests.migrations.harness import database_at, populated


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0008")
        upgrade()
        tally_cache.clear()
        yield app, snapshot


def _facilitator() -> Person:
    person = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    assert person is not None
    return person


def test_published_outcomes_become_their_selection_and_first_history_entry(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    rows = {row["id"]: row for row in snapshot["tables"]["decision"]}
    published = [i for i, row in rows.items() if row["status"] == "published"]
    assert len(published) >= 2  # one with an option, one with none
    assert any(rows[i]["outcome_option_id"] is None for i in published)
    assert any(rows[i]["outcome_option_id"] is not None for i in published)
    for decision in db.session.scalars(select(Decision)):
        row = rows[decision.id]
        assert decision.selects == 1
        entries = db.session.scalars(
            select(OutcomeHistory).where(OutcomeHistory.decision_id == decision.id)
        ).all()
        if decision.id not in published:
            assert decision.selection == [] and entries == []
            continue
        option = row["outcome_option_id"]
        assert [s.option_id for s in decision.selection] == ([option] if option else [])
        [entry] = entries
        assert entry.kind == "published"
        assert entry.at == decision.published_at
        assert entry.option_ids == ([option] if option else [])
        assert entry.statement == row["outcome_statement"]
        logged = db.session.scalars(
            select(Event.actor_id).where(
                Event.kind == "decision.published", Event.subject == f"decision:{decision.id}"
            )
        ).first()
        assert logged is not None and entry.actor_id == logged


def test_an_upgraded_outcome_is_amended_and_keeps_its_original(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    app, _snapshot = upgraded
    facilitator = _facilitator()
    decision = db.session.scalars(
        select(Decision).where(
            Decision.status == "published", Decision.outcome_option_id.is_not(None)
        )
    ).first()
    assert decision is not None
    original, statement = decision.outcome_option_id, decision.outcome_statement
    other = next(o.id for o in decision.options if o.id != original)
    now = datetime.now(UTC) + timedelta(days=400)
    outcomes.amend_outcome(
        facilitator, decision.id, {"option": other, "reason": "Corrected after the meeting."}, now
    )
    db.session.commit()
    assert verification.verify_log().ok
    _person, token = auth.issue_api_token(facilitator.email or "", now)
    db.session.commit()
    body = (
        app.test_client()
        .get(f"/api/v1/decisions/{decision.id}", headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    assert body["outcome"]["options"] == [other] and body["selects"] == 1
    first, amended = body["outcome_history"]
    assert (first["kind"], first["options"], first["statement"]) == (
        "published",
        [original],
        statement,
    )
    assert (amended["kind"], amended["options"]) == ("amended", [other])


def test_an_upgraded_closed_secret_decision_is_not_reopened(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    closed = db.session.scalars(
        select(Decision).where(Decision.status == "closed", Decision.ballot_secrecy == "secret")
    ).first()
    assert closed is not None and closed.ballots_sealed_at is not None
    later = datetime.now(UTC) + timedelta(days=400)
    with pytest.raises(BallotsSealed):
        outcomes.reopen_decision(
            _facilitator(), closed.id, (later + timedelta(days=2)).isoformat(), "Again.", later
        )
    db.session.rollback()


def test_downgrade_drops_the_tables_and_keeps_the_first_option(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    db.session.remove()
    downgrade(revision="0008")
    inspector = inspect(db.engine)
    assert "selected_option" not in inspector.get_table_names()
    assert "outcome_history" not in inspector.get_table_names()
    assert "selects" not in {c["name"] for c in inspector.get_columns("decision")}
    kept = db.session.execute(select(Decision.id, Decision.outcome_option_id)).all()
    assert dict(kept) == {r["id"]: r["outcome_option_id"] for r in snapshot["tables"]["decision"]}
    db.session.remove()  # end the read before the migration takes the database
    upgrade()
