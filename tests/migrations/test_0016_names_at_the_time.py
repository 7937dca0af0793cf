"""Revision 0016 on a populated database (the demo network of the 0007
snapshot, upgraded to 0015 first): every act takes today's names as its names
of the time, and the upgraded data then works: a rename after the upgrade
leaves the names on past comments and ballots, and the downgrade drops the
columns."""

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
from cop_vote.models import Ballot, Comment, Organisation, Person
from cop_vote.services import auth, organisations, tally_cache
from tests.migrations.harness import database_at, populated

COLUMNS = {
    "comment": {"author_name", "organisation_short_name"},
    "ballot": {"organisation_name", "cast_by_name", "recorded_by_name"},
    "objection": {"organisation_name", "person_name"},
    "option": {"proposed_by_name"},
    "interest_declaration": {"organisation_name"},
    "attendance": {"organisation_name"},
    "follow_up_action": {"owner_name"},
}


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0015")
        upgrade(revision="0016")
        upgrade()  # the app's code is head's: later revisions may add what it reads
        tally_cache.clear()
        yield app, snapshot


def test_acts_take_todays_names_and_a_later_rename_leaves_them(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    tables = snapshot["tables"]
    people = {p["id"]: p["name"] for p in tables["person"]}
    orgs = {o["id"]: o for o in tables["organisation"]}
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert comments and len(comments) == len(tables["comment"])
    for c in comments:
        assert c.author_name == people[c.author_id]
        expected = orgs[c.organisation_id]["short_name"] if c.organisation_id else None
        assert c.organisation_short_name == expected
    cast = db.session.scalars(select(Ballot).order_by(Ballot.id)).all()
    assert cast
    for b in cast:
        assert b.organisation_name == orgs[b.organisation_id]["name"]
        assert b.cast_by_name == (people[b.cast_by_id] if b.cast_by_id else None)
        assert b.recorded_by_name == (people[b.recorded_by_id] if b.recorded_by_id else None)
    # The app on the upgraded data: a rename now rewrites none of the past acts.
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    ballot = cast[0]
    org = db.session.get(Organisation, ballot.organisation_id)
    assert org is not None
    organisations.update_organisation(facilitator, org.slug, {"name": "Renamed after 0016"})
    author = db.session.get(Person, comments[0].author_id)
    assert author is not None
    organisations.update_person(facilitator, author.id, {"name": "Renamed person"})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Ballot, ballot.id).organisation_name == orgs[org.id]["name"]  # type: ignore[union-attr]
    assert db.session.get(Comment, comments[0].id).author_name == people[author.id]  # type: ignore[union-attr]
    _p, token = auth.issue_api_token(facilitator.email or "", datetime.now(UTC))
    db.session.commit()
    answer = _app.test_client().get(
        f"/api/v1/decisions/{comments[0].decision_id}/comments",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.get_json()
    signed = {c["id"]: c["author"]["name"] for c in answer.get_json()["items"]}
    assert signed.get(comments[0].id) == people[author.id]


def test_the_columns_are_there_and_the_downgrade_drops_them(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    inspector = inspect(db.engine)
    for table, names in COLUMNS.items():
        assert names <= {c["name"] for c in inspector.get_columns(table)}, table
    # organisation was not rebuilt: its expression index is still there (PostgreSQL
    # reflects it; SQLite's reflection skips expression indexes).
    db.session.remove()
    downgrade(revision="0015")
    inspector = inspect(db.engine)
    for table, names in COLUMNS.items():
        assert not names & {c["name"] for c in inspector.get_columns(table)}, table
    # The rebuilt tables keep their indexes, a partial one with its condition.
    assert "ix_ballot_decision_id_recorded" in {i["name"] for i in inspector.get_indexes("ballot")}
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            made = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_ballot_decision_id_recorded'"
            ).scalar()
        assert made is not None and "recorded_by_id IS NOT NULL" in made
    upgrade(revision="0016")
