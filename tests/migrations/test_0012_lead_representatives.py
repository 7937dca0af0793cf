"""Revision 0012 on a populated database upgraded through the chain (the
demo network of the 0007 snapshot, upgraded to 0009 first): nobody is a lead,
everyone else is unchanged, a facilitator can then name a lead who invites
through the API, the index allows one lead per organisation, and the
downgrade drops the column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from cop_vote.extensions import db
from cop_vote.models import Person
from cop_vote.services import auth, org_people, verification
from tests.migrations.harness import database_at, populated


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0011")
        upgrade(revision="0012")
        upgrade()  # the models are those of head: later revisions add columns
        yield app, snapshot


def _representatives_of_one_organisation() -> tuple[Person, Person]:
    people = db.session.scalars(
        select(Person).where(Person.role == "representative", Person.active.is_(True))
    ).all()
    by_org: dict[int, list[Person]] = {}
    for person in people:
        by_org.setdefault(person.organisation_id or 0, []).append(person)
    pair = next(group for group in by_org.values() if len(group) >= 2)
    return pair[0], pair[1]


def test_nobody_is_a_lead_and_people_are_unchanged(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    rows = {row["id"]: row for row in snapshot["tables"]["person"]}
    people = db.session.scalars(select(Person)).all()
    assert {p.id for p in people} == set(rows)
    for person in people:
        assert person.is_lead is False
        assert (person.email, person.role, person.active) == (
            rows[person.id]["email"],
            rows[person.id]["role"],
            bool(rows[person.id]["active"]),
        )


def test_an_upgraded_network_gets_a_lead_who_invites(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    app, _snapshot = upgraded
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    assert facilitator is not None
    lead, colleague = _representatives_of_one_organisation()
    assert lead.organisation is not None
    slug = lead.organisation.slug
    now = datetime.now(UTC) + timedelta(days=400)
    org_people.name_lead(facilitator, slug, lead.id, now)
    db.session.commit()
    _person, token = auth.issue_api_token(lead.email or "", now)
    db.session.commit()
    response = app.test_client().post(
        f"/api/v1/organisations/{slug}/people",
        json={"name": "New Colleague", "email": "new.colleague@example.org"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    assert verification.verify_log().ok
    # The index keeps one lead per organisation, whatever the code does.
    colleague.is_lead = True
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_downgrade_drops_the_column(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    db.session.remove()
    downgrade(revision="0011")
    columns = {c["name"] for c in inspect(db.engine).get_columns("person")}
    assert "is_lead" not in columns
    db.session.remove()
    upgrade()
