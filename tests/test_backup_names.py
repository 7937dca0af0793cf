"""The backup carries the names of the time (format 2, since revision 0016),
and a format 1 file of revision 0015 is still restored: its acts then take
the names their people and organisations have in the file. A format 2 file
of revision 0016 is restored as it is (0017 added an index only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from cop_vote import create_app
from cop_vote.extensions import db
from cop_vote.models import Ballot, Comment
from cop_vote.services import backup, organisations
from tests.seed import seed

from .conftest import Clock
from .test_backup import _config

#: The columns revision 0016 added, per table.
ADDED = {
    "comment": ("author_name", "organisation_short_name"),
    "ballot": ("organisation_name", "cast_by_name", "recorded_by_name"),
    "objection": ("organisation_name", "person_name"),
    "option": ("proposed_by_name",),
    "interest_declaration": ("organisation_name",),
    "attendance": ("organisation_name",),
    "follow_up_action": ("owner_name",),
}


def _renamed_after_acting(app: Flask, clock: Clock) -> dict[str, Any]:
    seeded = seed(app, clock.now)
    amina = seeded.people["representative"]
    organisations.update_person(seeded.people["facilitator"], amina.id, {"name": "Amina Later"})
    db.session.commit()
    return backup.export(clock.now)


def _restored(file: Path, tmp_path: Path, clock: Clock) -> tuple[Any, dict[str, Any]]:
    copy = create_app(_config(f"sqlite:///{tmp_path / 'copy.sqlite'}", clock))
    with copy.app_context():
        result = copy.test_cli_runner().invoke(args=["cop", "import", str(file)])
        assert result.exit_code == 0, result.output
        checked = copy.test_cli_runner().invoke(args=["cop", "verify-log"])
        assert checked.exit_code == 0, checked.output
        comments = {
            c.id: (c.author_name, c.organisation_short_name)
            for c in db.session.scalars(select(Comment))
        }
        ballots = {
            b.id: (b.organisation_name, b.cast_by_name, b.recorded_by_name)
            for b in db.session.scalars(select(Ballot))
        }
        again = backup.export(clock.now)
        db.session.remove()
        db.engine.dispose()
    return {"comments": comments, "ballots": ballots}, again


def test_a_round_trip_keeps_the_names_of_the_time_exactly(
    app: Flask, clock: Clock, tmp_path: Path
) -> None:
    stored = _renamed_after_acting(app, clock)
    assert stored["version"] == 2 and stored["revision"] == "0017"
    for table, columns in ADDED.items():
        assert set(columns) <= set(stored["tables"][table]["columns"]), table
    file = tmp_path / "b.json"
    file.write_text(json.dumps(stored))
    names, again = _restored(file, tmp_path, clock)
    assert ("Amina Warsame", "ADPC") in names["comments"].values()  # the name she signed with
    assert "Amina Later" not in json.dumps(names)
    assert again["tables"] == stored["tables"]


def test_a_format_1_file_of_revision_0015_is_restored_with_the_names_in_it(
    app: Flask, clock: Clock, tmp_path: Path
) -> None:
    stored = _renamed_after_acting(app, clock)
    # The file as revision 0015 wrote it: format 1, without the names of the time.
    for table, columns in ADDED.items():
        part = stored["tables"][table]
        keep = [i for i, name in enumerate(part["columns"]) if name not in columns]
        part["columns"] = [part["columns"][i] for i in keep]
        part["rows"] = [[row[i] for i in keep] for row in part["rows"]]
    stored.update(version=1, revision="0015")
    file = tmp_path / "old.json"
    file.write_text(json.dumps(stored))
    names, _again = _restored(file, tmp_path, clock)
    # Today's names in the file, as the migration 0016 fills them.
    assert ("Amina Later", "ADPC") in names["comments"].values()
    assert all(author for author, _org in names["comments"].values())
    assert names["ballots"] and all(org for org, _c, _r in names["ballots"].values())


def test_a_format_2_file_of_revision_0016_is_restored_as_it_is(
    app: Flask, clock: Clock, tmp_path: Path
) -> None:
    stored = _renamed_after_acting(app, clock)
    stored.update(revision="0016")
    file = tmp_path / "b.json"
    file.write_text(json.dumps(stored))
    names, again = _restored(file, tmp_path, clock)
    assert ("Amina Warsame", "ADPC") in names["comments"].values()
    assert again["revision"] == "0017" and again["tables"] == stored["tables"]


def test_a_format_1_file_of_another_revision_is_still_refused(
    app: Flask, clock: Clock, tmp_path: Path
) -> None:
    stored = backup.export(clock.now)
    stored.update(version=1, revision="0014")
    file = tmp_path / "b.json"
    file.write_text(json.dumps(stored))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cop", "import", str(file)])
    assert result.exit_code == 1 and "not a cop-vote backup" in result.stderr
    assert backup.is_empty()
