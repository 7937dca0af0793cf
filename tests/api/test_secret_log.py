"""A secret ballot's content never reaches the audit log: not while the decision
is open, not at the close (the cut), not at publication; an open ballot's
content and receipt do, so that the log protects them (README, "A log that
protects the count")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Event

API = "/api/v1"
REASON = "Zanzibar-7 procedure was never discussed with the diaspora members"


def _log() -> list[Event]:
    db.session.expire_all()
    return list(db.session.execute(select(Event).order_by(Event.id)).scalars())


def _assert_nothing_secret_logged(
    client: FlaskClient, network: dict[str, Any], did: int, secrets: list[str]
) -> None:
    entries = _log()
    text = json.dumps([entry.data for entry in entries])
    for secret in secrets:
        assert secret not in text
    ballot_entries = [e for e in entries if e.kind.startswith("ballot.")]
    assert ballot_entries
    for entry in ballot_entries:
        assert set(entry.data) == {"organisation_id", "version"}, entry.data
    # The same through the audit trail the members read.
    trail = client.get(f"{API}/decisions/{did}/events", headers=network["headers"]["stro"])
    assert trail.status_code == 200
    shown = trail.get_data(as_text=True)
    for secret in secrets:
        assert secret not in shown


def _put(client: FlaskClient, network: dict[str, Any], who: str, did: int, body: Any) -> Any:
    response = client.put(
        f"{API}/decisions/{did}/ballot", json=body, headers=network["headers"][who]
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_secret_consent_ballot_never_reaches_the_log(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision(
        "open",
        method="consent",
        options=[{"label": "Found an association"}],
        ballot_secrecy="secret",
        secret_receipts=True,
    )
    did = decision["id"]
    blocked = _put(client, network, "adpc", did, {"position": "block", "reason": REASON})
    agreed = _put(client, network, "oxfam1", did, {"position": "agree"})
    changed = _put(client, network, "oxfam2", did, {"position": "disagree", "reason": "Too early"})
    receipts = [ack["receipt"] for ack in (blocked, agreed, changed)]
    assert all(receipts), "this decision turns receipts on"
    secrets = [REASON, "Too early", *receipts]
    _assert_nothing_secret_logged(client, network, did, secrets)

    headers = network["headers"]["facilitator"]
    assert client.post(f"{API}/decisions/{did}/close", headers=headers).status_code == 200
    _assert_nothing_secret_logged(client, network, did, secrets)

    published = client.post(
        f"{API}/decisions/{did}/publish",
        json={"option": None, "statement": "Blocked; we talk again."},
        headers=headers,
    )
    assert published.status_code == 200
    _assert_nothing_secret_logged(client, network, did, secrets)
    # The ballots were counted all the same: the count is in the results, not the log.
    results = client.get(f"{API}/decisions/{did}/results", headers=headers).get_json()
    assert results["positions"] == {"agree": 0, "abstain": 0, "disagree": 1, "block": 1}


def test_a_secret_single_choice_ballot_never_reaches_the_log(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("open", ballot_secrecy="secret")
    did = decision["id"]
    first, second = (o["id"] for o in decision["options"][:2])
    _put(client, network, "adpc", did, {"option": second})
    _put(client, network, "adpc", did, {"option": first})
    recorded = client.put(
        f"{API}/decisions/{did}/ballots/stro",
        json={"option": second, "given_by": "Marieke Dijkstra"},
        headers=network["headers"]["facilitator"],
    )
    assert recorded.status_code == 200
    withdrawn = client.delete(f"{API}/decisions/{did}/ballot", headers=network["headers"]["adpc"])
    assert withdrawn.status_code == 204
    _assert_nothing_secret_logged(client, network, did, ["Marieke"])
    kinds = [e.kind for e in _log() if e.kind.startswith("ballot.")]
    assert kinds == ["ballot.cast", "ballot.change", "ballot.record", "ballot.withdraw"]
    assert (
        client.post(
            f"{API}/decisions/{did}/close", headers=network["headers"]["facilitator"]
        ).status_code
        == 200
    )
    _assert_nothing_secret_logged(client, network, did, ["Marieke"])


def test_an_open_ballot_is_logged_with_its_content_and_receipt(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("open")
    did = decision["id"]
    option = decision["options"][2]["id"]
    ack = _put(client, network, "adpc", did, {"option": option})
    entry = [e for e in _log() if e.kind == "ballot.cast"][0]
    assert entry.data == {
        "organisation_id": network["orgs"]["adpc"].id,
        "version": 1,
        "ballot": {"option": option},
        "receipt": ack["receipt"],
    }
    withdrawn = client.delete(f"{API}/decisions/{did}/ballot", headers=network["headers"]["adpc"])
    assert withdrawn.status_code == 204
    last = _log()[-1]
    assert (last.kind, last.data) == (
        "ballot.withdraw",
        {"organisation_id": network["orgs"]["adpc"].id, "version": 2},
    )


def test_a_stale_record_shows_the_facilitator_no_secret_content(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("open", ballot_secrecy="secret")
    did = decision["id"]
    first, second = (o["id"] for o in decision["options"][:2])
    _put(client, network, "oxfam1", did, {"option": first})
    headers = network["headers"]["facilitator"]
    stale = client.put(
        f"{API}/decisions/{did}/ballots/oxfam-novib",
        json={"option": second, "given_by": "Idris", "version": 0},
        headers=headers,
    )
    assert stale.status_code == 409
    current = stale.get_json()["error"]["current"]
    assert (current["version"], current["ballot"], current["content_hidden"]) == (1, None, True)
    recorded = client.put(
        f"{API}/decisions/{did}/ballots/stro",
        json={"option": second, "given_by": "Marieke"},
        headers=headers,
    )
    assert recorded.status_code == 200
    body = recorded.get_json()
    facilitator = network["people"]["facilitator"]
    assert body["recorded_by"] == {"id": facilitator.id, "name": facilitator.name}
    assert (body["ballot"], body["content_hidden"], body["given_by"]) == (None, True, "Marieke")
