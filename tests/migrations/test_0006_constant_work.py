"""Revision 0006 on a populated database upgraded from 0005 (the demo network,
decisions in every state, ballots, comments and mail): each decision gets a
tally stamp, and comment pages an index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from cop_vote.extensions import db
from cop_vote.models import Ballot, Decision, Elector, Person
from cop_vote.services import ballot_reads, ballots, results, tally_cache
from tests.migrations.harness import database_at, populated


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0005", tmp_path) as app:
        snapshot = populated(app, "0005")
        upgrade()
        tally_cache.clear()
        yield app, snapshot


def test_every_decision_gets_a_stamp_of_its_own(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    _app, snapshot = upgraded
    stamps = {d.id: d.tally_stamp for d in db.session.execute(select(Decision)).scalars()}
    assert set(stamps) == {row["id"] for row in snapshot["tables"]["decision"]}
    assert all(len(stamp) == 32 for stamp in stamps.values())
    assert len(set(stamps.values())) == len(stamps)
    # Nothing else moved: the ballots are as they were.
    ballots_now = {b.id: (b.version, b.is_cast) for b in db.session.scalars(select(Ballot))}
    assert ballots_now == {
        row["id"]: (row["version"], row["is_cast"]) for row in snapshot["tables"]["ballot"]
    }


def test_comment_pages_have_their_index(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("comment")}
    assert indexes["ix_comment_decision_id_parent_id_id"] == ["decision_id", "parent_id", "id"]


def test_a_ballot_cast_after_the_upgrade_is_counted_at_once(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    """The count of an upgraded open decision is cached by its stamp; a ballot
    cast through the service replaces the stamp, and the next count has it."""
    open_one = db.session.scalars(
        select(Decision)
        .where(Decision.status == "open", Decision.ballot_secrecy == "open")
        .order_by(Decision.id)
    ).first()
    assert open_one is not None
    before = results.count(open_one)
    stamp = open_one.tally_stamp
    voted = {b.organisation_id for b in ballot_reads.cast_ballots(open_one)}
    electors = db.session.scalars(
        select(Elector.organisation_id).where(Elector.decision_id == open_one.id)
    ).all()
    newcomer = next(org for org in electors if org not in voted)
    voter = db.session.scalars(
        select(Person).where(Person.organisation_id == newcomer, Person.role == "representative")
    ).first()
    assert voter is not None and open_one.closes_at is not None
    body = (
        {"option": open_one.options[0].id}
        if open_one.method == "single_choice"
        else {"abstain": True}
    )
    decision_id, cast_before = open_one.id, before.ballots_cast
    ballots.cast_ballot(voter, decision_id, body, open_one.closes_at - timedelta(hours=2))
    db.session.commit()
    db.session.remove()  # a new request: a new session
    again = db.session.get(Decision, decision_id)
    assert again is not None and again.tally_stamp != stamp
    after = results.count(again)
    assert after.ballots_cast == cast_before + 1


def test_downgrade_drops_the_stamp_and_the_index(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    db.session.remove()
    downgrade(revision="0005")
    with db.engine.connect() as conn:
        columns = set(conn.execute(text("SELECT * FROM decision")).keys())
        count = conn.execute(text("SELECT COUNT(*) FROM decision")).scalar_one()
    assert "tally_stamp" not in columns and count > 0
    assert "ix_comment_decision_id_parent_id_id" not in {
        i["name"] for i in inspect(db.engine).get_indexes("comment")
    }
    upgrade()  # and back again
    assert all(len(d.tally_stamp) == 32 for d in db.session.scalars(select(Decision)))
