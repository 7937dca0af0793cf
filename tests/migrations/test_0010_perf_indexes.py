"""Revision 0010 on a populated database upgraded from 0009 (the demo
network of the 0007 snapshot, upgraded through 0008 and 0009 first): two
indexes and no change to the data; the participation pages and the recorded
ballots read through them give the electorate and the ballots of the
snapshot, and a downgrade drops them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from cop_vote.extensions import db
from cop_vote.models import Decision
from cop_vote.services import ballot_reads, results, tally_cache
from tests.migrations.harness import database_at, populated

INDEXES = {
    "organisation": "ix_organisation_lower_name_id",
    "ballot": "ix_ballot_decision_id_recorded",
}


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0009")
        upgrade(revision="0010")
        upgrade()  # the models are those of head: later revisions add columns
        tally_cache.clear()
        yield app, snapshot


def _definition(name: str) -> str | None:
    """The index's definition as the database keeps it (lower case), or ``None``.
    (SQLAlchemy does not reflect SQLite's indexes on expressions.)"""
    if db.engine.dialect.name == "postgresql":
        query = text(
            "SELECT indexdef FROM pg_indexes"
            " WHERE indexname = :name AND schemaname = current_schema()"
        )
    else:
        query = text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
    found = db.session.execute(query, {"name": name}).scalar()
    db.session.commit()
    return None if found is None else " ".join(str(found).lower().replace('"', "").split())


def test_the_indexes_are_made_and_the_data_stays(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    by_name = _definition(INDEXES["organisation"])
    assert by_name is not None and "organisation" in by_name
    assert by_name.endswith("(lower((name)::text), id)") or by_name.endswith("(lower(name), id)")
    recorded = _definition(INDEXES["ballot"])
    assert recorded is not None and "ballot" in recorded
    assert "(decision_id) where" in recorded and "recorded_by_id is not null" in recorded
    for table in ("organisation", "ballot", "elector"):
        rows = db.session.execute(select(db.metadata.tables[table])).all()
        assert len(rows) == len(snapshot["tables"][table])


def test_participation_pages_read_the_whole_electorate_in_one_order(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    electorates: dict[int, set[int]] = {}
    for row in snapshot["tables"]["elector"]:
        electorates.setdefault(row["decision_id"], set()).add(row["organisation_id"])
    cast = {
        (row["decision_id"], row["organisation_id"])
        for row in snapshot["tables"]["ballot"]
        if row["is_cast"]
    }
    checked = 0
    for decision in db.session.scalars(select(Decision).where(Decision.status != "draft")):
        whole = results.participation_page(decision, limit=500)
        paged: list[results.ParticipationRow] = []
        offset: int | None = 0
        while offset is not None:
            page = results.participation_page(decision, offset=offset, limit=2)
            paged.extend(page.rows)
            offset = page.next_offset
        assert [r.organisation.id for r in paged] == [r.organisation.id for r in whole.rows]
        assert {r.organisation.id for r in paged} == electorates.get(decision.id, set())
        assert {r.organisation.id for r in paged if r.has_voted} == {
            org for d, org in cast if d == decision.id
        }
        checked += 1
    assert checked >= 3


def test_recorded_ballots_are_those_of_the_snapshot(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    names = {row["id"]: row["name"] for row in snapshot["tables"]["organisation"]}
    electors = {(r["decision_id"], r["organisation_id"]) for r in snapshot["tables"]["elector"]}
    rows = sorted(snapshot["tables"]["ballot"], key=lambda r: r["id"])
    found = 0
    for decision in db.session.scalars(select(Decision)):
        expected = [
            (names[r["organisation_id"]], r["given_by"])
            for r in rows
            if r["decision_id"] == decision.id
            and r["is_cast"]
            and r["recorded_by_id"] is not None
            and (decision.id, r["organisation_id"]) in electors
        ]
        recorded = [(b.organisation, b.given_by) for b in ballot_reads.recorded_ballots(decision)]
        assert recorded == expected
        found += len(recorded)
    assert found >= 1  # the kick-off meeting's ballots


def test_downgrade_drops_the_indexes(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    db.session.remove()
    downgrade(revision="0009")
    assert [_definition(name) for name in INDEXES.values()] == [None, None]
    upgrade()  # and back again
    assert None not in [_definition(name) for name in INDEXES.values()]
