"""The issue's acceptance scenario, end to end through the JSON API with real tokens."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Ballot, BallotChange

from .conftest import API, iso


def _ballot_rows(decision_id: int) -> list[Ballot]:
    rows = list(
        db.session.execute(select(Ballot).where(Ballot.decision_id == decision_id)).scalars()
    )
    db.session.rollback()  # end the read: SQLite's write lock must not be held
    return rows


def test_acceptance_scenario(
    client: FlaskClient, network: dict[str, Any], clock: Any, token_for: Any
) -> None:
    fac = network["headers"]["facilitator"]

    # The facilitator adds an organisation and its representative.
    response = client.post(
        f"{API}/organisations",
        headers=fac,
        json={"name": "Hivos", "short_name": "Hivos", "kind": "ngo"},
    )
    assert response.status_code == 201
    hivos = response.get_json()
    assert hivos["slug"] == "hivos" and hivos["voting"] is True
    response = client.post(
        f"{API}/people",
        headers=fac,
        json={
            "name": "Ruud Visser",
            "email": "ruud@hivos.example.org",
            "organisation": "hivos",
            "role": "representative",
        },
    )
    assert response.status_code == 201
    rep = response.get_json()
    assert rep["organisation"] == "hivos" and rep["role"] == "representative"
    from cop_vote.models import Person

    hivos_headers = token_for(db.session.get(Person, rep["id"]))
    me = client.get(f"{API}/me", headers=hivos_headers).get_json()
    assert me["organisation"]["slug"] == "hivos" and me["role"] == "representative"

    # A single_choice decision with four options, hidden results until close.
    closes_at = clock.now + timedelta(days=7)
    response = client.post(
        f"{API}/decisions",
        headers=fac,
        json={
            "title": "Legal form of the CoP",
            "method": "single_choice",
            "options": [
                {"label": "Foundation", "description": "Stichting"},
                {"label": "Association"},
                {"label": "Informal network"},
                {"label": "Cooperative"},
            ],
            "closes_at": iso(closes_at),
            "results_visibility": "after_close",
        },
    )
    assert response.status_code == 201
    decision = response.get_json()
    did = decision["id"]
    assert decision["status"] == "draft" and len(decision["options"]) == 4
    assert decision["url"].endswith(f"/decisions/{did}")
    assert decision["url"].startswith("http")
    options = [o["id"] for o in decision["options"]]

    # A representative may not open it; the facilitator does.
    rep_headers = network["headers"]["adpc"]
    assert client.post(f"{API}/decisions/{did}/open", headers=rep_headers).status_code == 403
    assert client.post(f"{API}/decisions/{did}/open").status_code == 401
    response = client.post(f"{API}/decisions/{did}/open", headers=fac)
    assert response.status_code == 200
    decision = response.get_json()
    assert decision["status"] == "open"
    assert decision["eligible"] == 4  # adpc, oxfam, stro, hivos; not the facilitators
    assert decision["closes_at"] == closes_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    # Three organisations cast ballots.
    for key, option in (("adpc", options[0]), ("stro", options[1])):
        response = client.put(
            f"{API}/decisions/{did}/ballot",
            headers=network["headers"][key],
            json={"option": option},
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["ballot"] == {"option": option} and body["version"] == 1
        assert body["receipt"] and body["recorded_by"] is None
    response = client.put(
        f"{API}/decisions/{did}/ballot", headers=hivos_headers, json={"option": options[0]}
    )
    assert response.status_code == 200
    assert client.get(f"{API}/decisions/{did}", headers=fac).get_json()["ballots_cast"] == 3

    # Results are hidden from members while open (after_close), not from the facilitator.
    response = client.get(f"{API}/decisions/{did}/results", headers=rep_headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "results_hidden"
    assert (
        client.get(
            f"{API}/decisions/{did}/results", headers=network["headers"]["observer"]
        ).status_code
        == 403
    )
    assert client.get(f"{API}/decisions/{did}/results", headers=fac).status_code == 200

    # Representatives may not close or publish.
    for action in ("close", "publish", "withdraw"):
        response = client.post(
            f"{API}/decisions/{did}/{action}",
            headers=rep_headers,
            json={"statement": "x", "option": None},
        )
        assert response.status_code == 403, action

    # Close; a late ballot is refused and changes nothing.
    response = client.post(f"{API}/decisions/{did}/close", headers=fac)
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    before = client.get(f"{API}/decisions/{did}/ballot", headers=rep_headers).get_json()
    response = client.put(
        f"{API}/decisions/{did}/ballot", headers=rep_headers, json={"option": options[3]}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "decision_closed"
    closed_at = client.get(f"{API}/decisions/{did}", headers=fac).get_json()["closed_at"]
    assert closed_at in error["message"]
    assert client.get(f"{API}/decisions/{did}/ballot", headers=rep_headers).get_json() == before
    assert client.delete(f"{API}/decisions/{did}/ballot", headers=rep_headers).status_code == 409

    # Results after close, counted by organisation.
    response = client.get(f"{API}/decisions/{did}/results", headers=rep_headers)
    assert response.status_code == 200
    results = response.get_json()
    votes = {o["id"]: o["votes"] for o in results["options"]}
    assert votes == {options[0]: 2, options[1]: 1, options[2]: 0, options[3]: 0}
    assert results["winners"] == [options[0]] and results["tie"] is False
    assert results["eligible"] == 4 and results["ballots_cast"] == 3
    assert (
        client.get(
            f"{API}/decisions/{did}/results", headers=network["headers"]["observer"]
        ).status_code
        == 200
    )

    # Publish records the option and the statement.
    response = client.post(
        f"{API}/decisions/{did}/publish",
        headers=fac,
        json={"option": options[0], "statement": "The CoP becomes a foundation."},
    )
    assert response.status_code == 200
    published = response.get_json()
    assert published["status"] == "published"
    assert published["outcome"] == {
        "option": options[0],
        "options": [options[0]],
        "statement": "The CoP becomes a foundation.",
    }
    again = client.get(f"{API}/decisions/{did}", headers=rep_headers).get_json()
    assert again["outcome"] == published["outcome"]
    response = client.post(
        f"{API}/decisions/{did}/publish", headers=fac, json={"option": None, "statement": "Again"}
    )
    assert response.status_code == 409


def test_ballot_after_deadline_is_refused_and_names_the_time(
    client: FlaskClient, network: dict[str, Any], clock: Any, make_decision: Any
) -> None:
    closes_at = clock.now + timedelta(hours=1)
    decision = make_decision("open", closes_at=iso(closes_at))
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    headers = network["headers"]["oxfam1"]
    response = client.put(
        f"{API}/decisions/{did}/ballot", headers=headers, json={"option": options[0]}
    )
    assert response.status_code == 200
    stored = response.get_json()

    clock.advance(hours=1, seconds=1)
    response = client.put(
        f"{API}/decisions/{did}/ballot",
        headers=headers,
        json={"option": options[1], "version": stored["version"]},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "decision_closed"
    assert closes_at.strftime("%Y-%m-%dT%H:%M:%SZ") in error["message"]
    assert "Europe/Amsterdam" in error["message"]
    assert client.get(f"{API}/decisions/{did}/ballot", headers=headers).get_json() == stored
    [row] = _ballot_rows(did)
    assert row.version == stored["version"] and row.content == {"option": options[0]}
    # The decision answers "closed" although nothing closed it.
    assert client.get(f"{API}/decisions/{did}", headers=headers).get_json()["status"] == "closed"
    # A facilitator's recorded ballot is refused too.
    response = client.put(
        f"{API}/decisions/{did}/ballots/stro",
        headers=network["headers"]["facilitator"],
        json={"option": options[0], "given_by": "Marieke"},
    )
    assert response.status_code == 409


def test_two_representatives_at_the_same_moment_leave_one_ballot(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("open")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    heads = [network["headers"]["oxfam1"], network["headers"]["oxfam2"]]
    db.session.rollback()
    rounds = 5
    statuses: list[int] = []
    lock = threading.Lock()

    def cast(headers: dict[str, str], option: int, barrier: threading.Barrier) -> None:
        own = app.test_client()
        barrier.wait()
        response = own.put(
            f"{API}/decisions/{did}/ballot", headers=headers, json={"option": option}
        )
        with lock:
            statuses.append(response.status_code)

    for n in range(rounds):
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=cast, args=(heads[i], options[(n + i) % 4], barrier))
            for i in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert statuses == [200] * (2 * rounds)

    rows = _ballot_rows(did)
    assert len(rows) == 1
    ballot = rows[0]
    assert ballot.organisation_id == network["orgs"]["oxfam"].id
    assert ballot.version == 2 * rounds
    versions = list(
        db.session.execute(
            select(BallotChange.version)
            .where(BallotChange.ballot_id == ballot.id)
            .order_by(BallotChange.version)
        ).scalars()
    )
    db.session.rollback()
    assert versions == list(range(1, 2 * rounds + 1))
    current = client.get(
        f"{API}/decisions/{did}/ballot", headers=network["headers"]["oxfam1"]
    ).get_json()
    assert current["version"] == 2 * rounds
    count = db.session.execute(select(func.count()).select_from(Ballot)).scalar()
    db.session.rollback()
    assert count == 1


def test_versions_if_match_and_stale_ballots(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("open")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    one, two = network["headers"]["oxfam1"], network["headers"]["oxfam2"]
    url = f"{API}/decisions/{did}/ballot"

    assert client.get(url, headers=one).status_code == 404
    first = client.put(url, headers=one, json={"option": options[0], "version": 0})
    assert first.status_code == 200 and first.headers["ETag"] == '"1"'
    # The colleague changes it, based on version 1 (If-Match).
    second = client.put(url, headers={**two, "If-Match": '"1"'}, json={"option": options[1]})
    assert second.status_code == 200 and second.get_json()["version"] == 2
    assert second.get_json()["receipt"] != first.get_json()["receipt"]
    assert second.get_json()["cast_by"]["name"] == "Lotte Hendriks"
    # A change from the stale view is refused with the colleague's ballot.
    stale = client.put(url, headers=one, json={"option": options[2], "version": 1})
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    assert error["code"] == "stale_ballot"
    assert error["current"]["version"] == 2
    assert error["current"]["ballot"] == {"option": options[1]}
    stale = client.put(url, headers={**one, "If-Match": "1"}, json={"option": options[2]})
    assert stale.status_code == 409
    assert client.get(url, headers=one).get_json()["version"] == 2
    # version and If-Match must agree; a bad If-Match is a 400.
    response = client.put(
        url, headers={**one, "If-Match": "2"}, json={"option": options[2], "version": 1}
    )
    assert response.status_code == 400 and "version" in response.get_json()["error"]["fields"]
    response = client.put(url, headers={**one, "If-Match": "abc"}, json={"option": options[2]})
    assert response.status_code == 400 and "If-Match" in response.get_json()["error"]["fields"]
    # Withdraw, then cast again: the version never goes back.
    assert client.delete(url, headers={**one, "If-Match": "1"}).status_code == 409
    response = client.delete(url, headers=one)
    assert response.status_code == 204 and response.data == b""
    assert client.get(url, headers=two).status_code == 404
    assert client.delete(url, headers=one).status_code == 404
    response = client.put(url, headers=two, json={"option": options[3]})
    assert response.get_json()["version"] == 4


def test_facilitator_records_a_ballot_given_in_a_meeting(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("open")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    fac = network["headers"]["facilitator"]
    response = client.put(
        f"{API}/decisions/{did}/ballots/stro",
        headers=fac,
        json={"option": options[2], "given_by": "Marieke Dijkstra"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["organisation"] == "stro" and body["ballot"] == {"option": options[2]}
    assert body["recorded_by"]["name"] == "Samuel Kollie" and body["given_by"] == "Marieke Dijkstra"
    # The representative sees it as their organisation's ballot.
    mine = client.get(f"{API}/decisions/{did}/ballot", headers=network["headers"]["stro"])
    assert mine.get_json()["version"] == 1
    # given_by is required; an organisation outside the electorate is refused.
    response = client.put(
        f"{API}/decisions/{did}/ballots/stro", headers=fac, json={"option": options[2]}
    )
    assert response.status_code == 400 and "given_by" in response.get_json()["error"]["fields"]
    response = client.put(
        f"{API}/decisions/{did}/ballots/pso",
        headers=fac,
        json={"option": options[2], "given_by": "X"},
    )
    assert response.status_code == 400
    response = client.put(
        f"{API}/decisions/{did}/ballots/nobody",
        headers=fac,
        json={"option": options[2], "given_by": "X"},
    )
    assert response.status_code == 404
    response = client.put(
        f"{API}/decisions/{did}/ballots/stro",
        headers=network["headers"]["adpc"],
        json={"option": options[2], "given_by": "X"},
    )
    assert response.status_code == 403


def test_session_cookie_does_not_authenticate(client: FlaskClient, network: dict[str, Any]) -> None:
    with client.session_transaction() as session:
        session["session_key"] = "anything"
        session["_user_id"] = str(network["people"]["facilitator"].id)
    response = client.get(f"{API}/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"{API}/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(f"{API}/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_version_0_means_no_cast_ballot_also_after_a_withdrawal(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    """After a withdrawal GET answers 404 (no ballot, no ETag): a client that
    saw that bases its cast on version 0, as for a first ballot, and a second
    cast based on it finds the first and is refused."""
    decision = make_decision("open")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    one, two = network["headers"]["oxfam1"], network["headers"]["oxfam2"]
    url = f"{API}/decisions/{did}/ballot"
    assert (
        client.put(url, headers=one, json={"option": options[0], "version": 0}).status_code == 200
    )
    assert client.delete(url, headers={**one, "If-Match": "1"}).status_code == 204
    assert client.get(url, headers=two).status_code == 404
    again = client.put(url, headers=two, json={"option": options[1], "version": 0})
    assert again.status_code == 200 and again.get_json()["version"] == 3
    late = client.put(url, headers={**one, "If-Match": "0"}, json={"option": options[2]})
    assert late.status_code == 409
    assert late.get_json()["error"]["current"]["ballot"] == {"option": options[1]}
    assert client.get(url, headers=one).get_json()["version"] == 3
