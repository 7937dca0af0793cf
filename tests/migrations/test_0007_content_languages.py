"""Revision 0007 on a populated database upgraded from 0006 (the demo network,
decisions in every state, ballots, comments, mail, the kick-off meeting):
content gets its original language and room for translations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from cop_vote.extensions import db
from cop_vote.models import Attendance, Decision, FollowUpAction, Meeting, Option
from cop_vote.services import decisions, tally_cache
from tests.migrations.harness import database_at, populated


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0006", tmp_path) as app:
        snapshot = populated(app, "0006")
        upgrade()
        tally_cache.clear()
        yield app, snapshot


def test_existing_content_is_in_the_network_language_untranslated(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    [network] = snapshot["tables"]["network"]
    tables = snapshot["tables"]
    for model, name in (
        (Decision, "decision"),
        (Meeting, "meeting"),
        (FollowUpAction, "follow_up_action"),
    ):
        rows = list(db.session.scalars(select(model)))
        assert len(rows) == len(tables[name]) > 0
        assert {r.original_language for r in rows} == {network["default_language"]}
        assert all(r.translations is None for r in rows)
    notes = list(db.session.scalars(select(Attendance)))
    assert len(notes) == len(tables["attendance"])
    assert all(n.original_language == network["default_language"] for n in notes)
    assert all(o.translations is None for o in db.session.scalars(select(Option)))
    # The texts themselves did not move.
    titles = {d.id: d.title for d in db.session.scalars(select(Decision))}
    assert titles == {row["id"]: row["title"] for row in tables["decision"]}


def test_an_upgraded_draft_takes_a_translation_through_the_service(
    upgraded: tuple[Flask, dict[str, Any]], clock: Any
) -> None:
    from cop_vote.models import Person

    facilitator = db.session.scalars(select(Person).where(Person.role == "facilitator")).first()
    draft = db.session.scalars(select(Decision).where(Decision.status == "draft")).first()
    if draft is None:
        draft = decisions.create_decision(
            facilitator, {"title": "Draft", "method": "approval"}, clock.now
        )
    decisions.update_decision(
        facilitator,
        draft.id,
        {"original_language": "en", "translations": {"nl": {"title": "Concept"}}},
        clock.now,
    )
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Decision, draft.id)
    assert again is not None
    assert again.original_language == "en"
    assert again.translations == {"nl": {"title": "Concept"}}


def test_downgrade_drops_the_columns_and_keeps_the_texts(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    db.session.remove()
    downgrade(revision="0006")
    inspector = inspect(db.engine)
    for name in ("decision", "meeting", "attendance", "follow_up_action", "option"):
        columns = {c["name"] for c in inspector.get_columns(name)}
        assert "translations" not in columns and "original_language" not in columns
    upgrade()
