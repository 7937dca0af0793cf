"""Revision 0017 on a populated database (the demo network of the 0007
snapshot, upgraded to 0016 first): an index on the people of an
organisation and no change to the data; the representatives read through
it are those of the snapshot, and a downgrade drops it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from cop_vote.extensions import db
from cop_vote.services import notify, tally_cache
from tests.migrations.harness import database_at, populated

INDEX = "ix_person_organisation_id"


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0016")
        upgrade(revision="0017")
        upgrade()  # the app's code is head's: later revisions may add what it reads
        tally_cache.clear()
        yield app, snapshot


def _index() -> list[str] | None:
    """The columns of the index, or ``None`` when there is none."""
    found = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("person")}
    db.session.commit()
    return found.get(INDEX)


def test_the_index_is_made_and_the_people_stay(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    _app, snapshot = upgraded
    assert _index() == ["organisation_id"]
    people = snapshot["tables"]["person"]
    rows = db.session.execute(select(db.metadata.tables["person"])).all()
    assert len(rows) == len(people)
    # Each organisation's representatives who get mail, read through it.
    checked = 0
    for org in snapshot["tables"]["organisation"]:
        expected = [
            p["id"]
            for p in sorted(people, key=lambda p: p["id"])
            if p["organisation_id"] == org["id"]
            and p["role"] == "representative"
            and p["active"]
            and p["erased_at"] is None
            and p["notifications"] == "immediate"
            and p["email"]
        ]
        assert [p.id for p in notify.representatives([org["id"]])] == expected
        checked += bool(expected)
    assert checked >= 10


def test_downgrade_drops_the_index(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    db.session.remove()
    downgrade(revision="0016")
    assert _index() is None
    upgrade()  # and back again
    assert _index() == ["organisation_id"]
