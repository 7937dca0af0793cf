"""Revision 0008 on a populated database upgraded from 0007 (the demo network,
decisions in every state, ballots, comments, mail, sign-ins): people get a
facilitator's alert choice, when they were invited and when they last signed in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from cop_vote.extensions import db
from cop_vote.models import LoginToken, Person
from cop_vote.services import alerts, auth, invitations, tally_cache
from tests.migrations.harness import database_at, populated
from tests.web.helpers import outbox


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade()
        tally_cache.clear()
        yield app, snapshot


def test_people_get_the_digest_and_their_last_sign_in(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    tables = snapshot["tables"]
    latest: dict[int, str] = {}
    for row in tables["login_session"]:
        latest[row["person_id"]] = max(latest.get(row["person_id"], ""), row["created_at"])
    assert len(latest) == 2  # the snapshot's facilitator and one representative (twice)
    people = {p.id: p for p in db.session.scalars(select(Person))}
    assert len(people) == len(tables["person"])
    for person in people.values():
        assert person.alerts == "digest"
        assert person.invited_at is None
        expected = latest.get(person.id)
        if expected is None:
            assert person.signed_in_at is None
        else:
            assert person.signed_in_at == datetime.fromisoformat(expected).astimezone(
                person.signed_in_at.tzinfo  # type: ignore[union-attr]
            )
    # Nothing else about people moved.
    assert {p.id: p.email for p in people.values()} == {
        r["id"]: r["email"] for r in tables["person"]
    }


def test_an_upgraded_facilitator_chooses_alerts_and_invites_who_never_signed_in(
    upgraded: tuple[Flask, dict[str, Any]], clock: Any
) -> None:
    app, snapshot = upgraded
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    assert facilitator is not None and facilitator.signed_in_at is not None
    never = db.session.scalars(
        select(Person)
        .where(Person.role == "representative", Person.signed_in_at.is_(None))
        .order_by(Person.id)
    ).first()
    assert never is not None
    # The unused link of the snapshot is voided by the invitation's newer one.
    old_links = db.session.scalars(
        select(LoginToken).where(LoginToken.person_id == never.id, LoginToken.used_at.is_(None))
    ).all()
    before = len(outbox(app))
    invitations.invite(facilitator, never.id, clock.now)
    db.session.commit()
    [mail] = outbox(app)[before:]
    assert mail.to == [never.email]
    secret = mail.body.split("/auth/link/", 1)[1].split()[0]
    person, _key, _next = auth.use_login_link(secret, clock.now)
    db.session.commit()
    assert person.id == never.id and person.signed_in_at == clock.now
    for link in old_links:
        db.session.refresh(link)
        assert link.voided_at is not None
    facilitator.alerts = "immediate"
    db.session.commit()
    assert [p.id for p in alerts.facilitators("immediate")] == [facilitator.id]
    facilitator.alerts = "hourly"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert snapshot["revision"] == "0007"


def test_downgrade_drops_the_columns_and_keeps_the_sessions(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    db.session.remove()
    downgrade(revision="0007")
    inspector = inspect(db.engine)
    columns = {c["name"] for c in inspector.get_columns("person")}
    assert not {"alerts", "invited_at", "signed_in_at"} & columns
    sessions = db.session.execute(select(db.metadata.tables["login_session"].c.id)).all()
    assert len(sessions) == len(snapshot["tables"]["login_session"])
    db.session.remove()
    upgrade()
