"""Revision 0013 on a populated database upgraded through 0009 (the
demo network of the 0007 snapshot: decisions in every state, ballots sealed
and not): every decision keeps today's rule, sealed ballots have no kind,
every elector takes its organisation's kind, and an upgraded draft takes a
declared majority rule through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from cop_vote.extensions import db
from cop_vote.models import AnonymousBallot, Decision, Elector, Person
from cop_vote.services import auth, tally_cache
from tests.migrations.harness import database_at, populated


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0012")
        upgrade(revision="0013")
        upgrade()  # the app's code is head's: later revisions add tables it reads
        tally_cache.clear()
        yield app, snapshot


def test_every_decision_keeps_the_relative_rule_and_sealed_ballots_have_no_kind(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    _app, snapshot = upgraded
    decisions = db.session.scalars(select(Decision)).all()
    assert len(decisions) == len(snapshot["tables"]["decision"])
    for decision in decisions:
        assert (decision.majority_rule, decision.majority_base) == ("relative", "option_ballots")
        assert decision.majority_share is None and decision.double_majority is None
    sealed = db.session.scalars(select(AnonymousBallot)).all()
    assert sealed and all(row.kind is None for row in sealed)
    kinds = {row["id"]: row["kind"] for row in snapshot["tables"]["organisation"]}
    electors = db.session.scalars(select(Elector)).all()
    assert len(electors) == len(snapshot["tables"]["elector"])
    assert all(e.kind == kinds[e.organisation_id] for e in electors)


def test_upgraded_results_carry_the_rule_and_a_new_decision_takes_one(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    app, _snapshot = upgraded
    facilitator = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    assert facilitator is not None
    now = datetime.now(UTC) + timedelta(days=1)
    _person, token = auth.issue_api_token(facilitator.email or "", now)
    counted = db.session.scalars(
        select(Decision).where(
            Decision.status.in_(("closed", "published")), Decision.method != "discussion"
        )
    ).all()
    db.session.commit()
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    assert counted
    for decision in counted:
        body = client.get(f"/api/v1/decisions/{decision.id}/results", headers=headers).get_json()
        assert set(body["rule"]) == {"met", "option", "reasons"}, body
        if decision.ballot_secrecy == "secret":
            assert body["by_kind"] is None  # sealed before kinds were kept
        elif decision.method != "consent":
            assert sum(row["ballots"] for row in body["by_kind"]) == body["ballots_cast"]
    response = client.post(
        "/api/v1/decisions",
        headers=headers,
        json={
            "title": "Statutes",
            "method": "approval",
            "options": [{"label": "Yes"}, {"label": "No"}],
            "majority_rule": "two_thirds",
            "majority_base": "cast",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["majority_rule"], body["majority_base"]) == ("two_thirds", "cast")


def test_downgrade_drops_the_columns_and_the_table(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    db.session.remove()
    downgrade(revision="0012")
    inspector = inspect(db.engine)
    assert "interest_declaration" not in inspector.get_table_names()
    columns = {c["name"] for c in inspector.get_columns("decision")}
    assert not columns & {"majority_rule", "majority_base", "majority_share", "double_majority"}
    assert "kind" not in {c["name"] for c in inspector.get_columns("anonymous_ballot")}
    assert "kind" not in {c["name"] for c in inspector.get_columns("elector")}
    db.session.remove()
    upgrade()
