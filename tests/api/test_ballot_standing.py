"""A ballot write decides who asks on the stored state, read under the lock.

The checks that can refuse a ballot run first on what the request read, so
that a refusal never takes the lock; under the lock who asks is read again
(one row), and a change committed in between (a representative deactivated,
moved to another organisation) is decided on as stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from cop_vote.extensions import db
from cop_vote.services import ballots

from .conftest import API


def _between_reading_and_lock(
    app: Flask, monkeypatch: pytest.MonkeyPatch, statement: str, **values: Any
) -> None:
    """Commit ``statement`` from another connection just before the write takes its lock."""
    real = ballots._locked

    def locked(*args: Any) -> Any:
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        try:
            with engine.begin() as other:
                other.execute(text(statement), values)
        finally:
            engine.dispose()
        return real(*args)

    monkeypatch.setattr(ballots, "_locked", locked)


def _ballots(client: FlaskClient, network: dict[str, Any], did: int) -> int:
    found = client.get(f"{API}/decisions/{did}", headers=network["headers"]["facilitator"])
    return int(found.get_json()["ballots_cast"])


def test_a_representative_deactivated_meanwhile_casts_nothing(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decision = make_decision()
    did, option = decision["id"], decision["options"][0]["id"]
    person = network["people"]["adpc"].id
    db.session.rollback()  # the test's own reading ends: it holds no lock
    _between_reading_and_lock(
        app, monkeypatch, "UPDATE person SET active = false WHERE id = :p", p=person
    )
    answer = client.put(
        f"{API}/decisions/{did}/ballot", json={"option": option}, headers=network["headers"]["adpc"]
    )
    assert answer.status_code == 403, answer.get_json()
    monkeypatch.undo()
    assert _ballots(client, network, did) == 0


def test_an_organisation_deactivated_meanwhile_casts_nothing(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decision = make_decision()
    did, option = decision["id"], decision["options"][0]["id"]
    org = network["orgs"]["adpc"].id
    db.session.rollback()
    _between_reading_and_lock(
        app, monkeypatch, "UPDATE organisation SET active = false WHERE id = :o", o=org
    )
    answer = client.delete(f"{API}/decisions/{did}/ballot", headers=network["headers"]["adpc"])
    assert answer.status_code == 403, answer.get_json()
    monkeypatch.undo()
    answer = client.put(
        f"{API}/decisions/{did}/ballot", json={"option": option}, headers=network["headers"]["stro"]
    )
    assert answer.status_code == 200  # an unchanged colleague of the network casts as ever
    assert _ballots(client, network, did) == 1
