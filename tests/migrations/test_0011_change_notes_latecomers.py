"""Revision 0011 on a populated database upgraded through the chain
(the demo network of the 0007 snapshot, upgraded to 0009 first: decisions in
every state, ballots, comments, mail): every elector was there at opening and
no decision has change notes; the upgraded open decision takes a change note
and a latecomer, and the log still verifies. Downgrade drops the table and the
column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from cop_vote.extensions import db
from cop_vote.models import Decision, DecisionChange, Elector, Organisation, Person
from cop_vote.services import decisions, latecomers, tally_cache, verification
from tests.migrations.harness import database_at, populated

REVISION = "0011"


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0010")
        upgrade(revision=REVISION)
        upgrade()  # the models are those of head: later revisions add columns
        tally_cache.clear()
        yield app, snapshot


def test_every_elector_was_there_at_opening_and_no_decision_has_notes(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    electors = db.session.scalars(select(Elector)).all()
    assert len(electors) == len(snapshot["tables"]["elector"]) > 0
    assert all(e.added_at is None for e in electors)
    assert db.session.scalar(select(func.count()).select_from(DecisionChange)) == 0


def test_an_upgraded_open_decision_takes_a_change_note_and_a_latecomer(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    decision = db.session.scalars(
        select(Decision)
        .where(Decision.status == "open", Decision.ballot_secrecy == "open")
        .order_by(Decision.id)
    ).first()
    assert facilitator is not None and decision is not None and decision.closes_at is not None
    now = datetime.now(UTC)
    if decision.closes_at <= now:  # the snapshot's deadline may have passed: move it
        now = decision.closes_at - timedelta(hours=1)
    later = decision.closes_at + timedelta(days=3)
    decisions.update_decision(facilitator, decision.id, {"closes_at": later.isoformat()}, now)
    late = Organisation(slug="late-upgrade", name="Late Upgrade", short_name="LU", kind="ngo")
    db.session.add(late)
    db.session.flush()
    latecomers.add_organisation(facilitator, decision.id, late.id, now)
    db.session.commit()
    notes = db.session.scalars(
        select(DecisionChange).where(DecisionChange.decision_id == decision.id)
    ).all()
    assert [n.kind for n in notes] == ["deadline", "electorate"]
    added = db.session.get(Elector, (decision.id, late.id))
    assert added is not None and added.added_at is not None
    assert verification.verify_log().ok


def test_downgrade_drops_the_table_and_the_column(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    db.session.remove()
    downgrade(revision="0010")
    inspector = inspect(db.engine)
    assert "decision_change" not in inspector.get_table_names()
    assert "added_at" not in {c["name"] for c in inspector.get_columns("elector")}
    kept = db.session.execute(select(func.count()).select_from(Elector.__table__)).scalar()
    assert kept == len(snapshot["tables"]["elector"])
    db.session.remove()
    upgrade(revision=REVISION)
