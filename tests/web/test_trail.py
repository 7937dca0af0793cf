"""A decision's audit trail for members, and no read that writes to the log."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Event
from cop_vote.services import ballots as ballot_service
from cop_vote.services import comments as comment_service
from cop_vote.services import decisions as decision_service
from cop_vote.services import transitions

from .helpers import make_decision, option_ids, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"


def _decision_with_history(network: dict[str, Any], clock: Any, secrecy: str) -> int:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy=secrecy)
    first, second, _third = option_ids(did)
    ballot_service.cast_ballot(people["adpc"], did, {"option": first}, clock.now)
    ballot_service.cast_ballot(people["oxfam1"], did, {"option": second}, clock.now)
    ballot_service.cast_ballot(people["oxfam2"], did, {"option": first}, clock.now)
    later = (clock.now + timedelta(days=9)).isoformat()
    decision_service.update_decision(people["facilitator"], did, {"closes_at": later}, clock.now)
    comment = comment_service.add_comment(people["stro"], did, "A question?", clock.now)
    comment_service.review_comment(people["facilitator"], comment.id, "flagged", clock.now)
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    return did


def test_members_read_the_trail_of_an_open_ballot(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = _decision_with_history(network, clock, "open")
    sign_in(client, app, network["people"]["stro"])
    page = client.get(f"/decisions/{did}/trail").get_data(as_text=True)
    for line in (
        "Opened for ballots",
        "Ballot cast: <bdi>African Diaspora Policy Centre</bdi>",
        "Ballot changed: <bdi>Oxfam Novib</bdi> (version 2)",
        "Closed",
        "flagged for the meeting 1",
        "Changed · deadline ",
    ):
        assert line in page, line
    events = client.get(f"{API}/decisions/{did}/events", headers=network["headers"]["observer"])
    kinds = [e["kind"] for e in events.get_json()["items"]]
    assert kinds == [
        "decision.created",
        "decision.opened",
        "ballot.cast",
        "ballot.cast",
        "ballot.change",
        "decision.updated",
        "decision.closed",
    ]
    hashes = {e["hash"] for e in events.get_json()["items"]}
    stored = set(db.session.execute(select(Event.hash)).scalars())
    assert hashes <= stored


def test_the_trail_of_a_secret_ballot_names_no_organisation(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = _decision_with_history(network, clock, "secret")
    events = client.get(f"{API}/decisions/{did}/events", headers=network["headers"]["facilitator"])
    items = events.get_json()["items"]
    ballots = [e for e in items if e["kind"].startswith("ballot.")]
    assert len(ballots) == 3
    assert all(e["organisation"] is None and e["details"] == {} for e in ballots)
    assert items[-1]["kind"] == "ballots.sealed" and items[-1]["details"] == {"ballots": 2}
    sign_in(client, app, network["people"]["adpc"])
    page = client.get(f"/decisions/{did}/trail").get_data(as_text=True)
    assert (
        "Oxfam" not in page and "African Diaspora" not in page.split("<h1", 1)[1].split("</h1>")[1]
    )


def _routes(app: Flask, prefix: str) -> list[str]:
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and rule.rule.startswith(prefix)
            and not rule.rule.startswith(("/static", "/auth/link"))
        }
    )


def _fill(rule: str, ids: dict[str, Any]) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(ids.get(m.group(1), 1)), rule)


def test_no_read_writes_to_the_log(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    """Every GET page and API route, for a member and the facilitator, with a
    decision past its deadline that no write has closed: the log does not grow."""
    did = _decision_with_history(network, clock, "open")
    late = make_decision(network["people"]["facilitator"], clock.now, days=1)
    clock.advance(days=2)
    comment = db.session.execute(select(Event.subject).where(Event.kind == "comment.added"))
    ids = {
        "decision_id": late,
        "comment_id": int(comment.scalar_one().split(":")[1]),
        "slug": "adpc",
        "person_id": network["people"]["adpc"].id,
        "meeting_id": 1,
    }
    count = db.session.execute(select(func.count()).select_from(Event)).scalar()
    db.session.commit()
    visited = 0
    for who in ("adpc", "facilitator"):
        client.post("/auth/logout", data={})
        sign_in(client, app, network["people"][who])
        for decision_id in (did, late):
            ids["decision_id"] = decision_id
            for rule in _routes(app, "/"):
                if rule.startswith("/api/"):
                    response = client.get(_fill(rule, ids), headers=network["headers"][who])
                else:
                    response = client.get(_fill(rule, ids))
                assert response.status_code < 500, rule
                visited += 1
    after = db.session.execute(select(func.count()).select_from(Event)).scalar()
    signed_in = 2  # each sign-in is a write, and is logged
    assert after == count + signed_in
    assert visited > 60


def test_declared_interests_are_in_the_trail_with_their_organisation(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    from cop_vote.services import interests

    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    first = option_ids(did)[0]
    interests.declare_interest(
        people["stro"], did, {"option": first, "text": "We run it."}, clock.now
    )
    interests.withdraw_interest(people["stro"], did, first, clock.now)
    db.session.commit()
    sign_in(client, app, people["adpc"])
    page = client.get(f"/decisions/{did}/trail").get_data(as_text=True)
    assert "Interest declared: <bdi>Social Trade Organisation</bdi>" in page
    assert "Declared interest withdrawn: <bdi>Social Trade Organisation</bdi>" in page
    events = client.get(f"{API}/decisions/{did}/events", headers=network["headers"]["observer"])
    kinds = [e["kind"] for e in events.get_json()["items"]]
    assert kinds[-2:] == ["interest.declared", "interest.withdrawn"]
