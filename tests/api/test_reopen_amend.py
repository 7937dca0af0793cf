"""Reopen and amend, with a reason (issue 10, part 4), through the API with a
token: each works with a stated reason, keeps both versions in the outcome
history, is in the audit trail, mails the representatives once, and a secret
decision cannot be reopened once closed (its ballots were cut)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import outbox

from .conftest import API, iso

REPRESENTATIVES = [
    "amina@adpc.example.org",
    "idris@oxfam.example.org",
    "lotte@oxfam.example.org",
    "marieke@stro.example.org",
]


def _mails_since(app: Flask, before: int) -> list[Any]:
    return list(outbox(app)[before:])


def _events(client: FlaskClient, did: int, headers: dict[str, str]) -> list[str]:
    items = client.get(f"{API}/decisions/{did}/events", headers=headers).get_json()["items"]
    return [item["kind"] for item in items]


def test_reopening_a_closed_decision_takes_ballots_until_the_new_deadline(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did, first = decision["id"], decision["options"][0]["id"]
    client.put(f"{API}/decisions/{did}/ballot", headers=h["adpc"], json={"option": first})
    closed = client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"]).get_json()
    before = len(outbox(app))
    deadline = clock.now + timedelta(days=3)
    reason = "Oxfam Novib could not vote: the invitation went to an old address."
    response = client.post(
        f"{API}/decisions/{did}/reopen",
        headers=h["facilitator"],
        json={"closes_at": iso(deadline), "reason": reason},
    )
    assert response.status_code == 200, response.get_json()
    # One mail per representative, in their language, with the reason.
    mails = _mails_since(app, before)
    assert sorted(m.to[0] for m in mails) == REPRESENTATIVES
    assert all(reason in m.body for m in mails)
    body = response.get_json()
    assert body["status"] == "open" and body["closed_at"] is None
    assert body["closes_at"] == deadline.strftime("%Y-%m-%dT%H:%M:%SZ")
    [entry] = body["outcome_history"]
    assert entry["kind"] == "reopened" and entry["reason"] == reason
    assert entry["closed_at"] == closed["closed_at"]
    assert entry["closes_at"] == body["closes_at"]
    # The ballot cast before is still there; another organisation can vote now.
    assert body["ballots_cast"] == 1
    response = client.put(
        f"{API}/decisions/{did}/ballot", headers=h["oxfam1"], json={"option": first}
    )
    assert response.status_code == 200
    assert "decision.reopened" in _events(client, did, h["stro"])
    # It closes again and can then be published.
    client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"])
    response = client.post(
        f"{API}/decisions/{did}/publish",
        headers=h["facilitator"],
        json={"option": first, "statement": "Decided after all voted."},
    )
    assert response.status_code == 200
    kinds = [e["kind"] for e in response.get_json()["outcome_history"]]
    assert kinds == ["reopened", "published"]


def test_reopening_needs_a_reason_and_a_future_deadline_and_a_closed_decision(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]["facilitator"]
    did = make_decision("closed")["id"]
    later = iso(clock.now + timedelta(days=2))
    for body, field in (
        ({"closes_at": later, "reason": "  "}, "reason"),
        ({"closes_at": later}, "reason"),
        ({"reason": "Late."}, "closes_at"),
        ({"closes_at": iso(clock.now - timedelta(hours=1)), "reason": "Late."}, "closes_at"),
        ({"closes_at": "next week", "reason": "Late."}, "closes_at"),
        ({"closes_at": later, "reason": "Late.", "extra": 1}, "extra"),
    ):
        response = client.post(f"{API}/decisions/{did}/reopen", headers=h, json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"]["fields"], response.get_json()
    assert client.get(f"{API}/decisions/{did}", headers=h).get_json()["status"] == "closed"
    for state in ("open", "published", "draft", "withdrawn"):
        other = make_decision(state)["id"]
        response = client.post(
            f"{API}/decisions/{other}/reopen", headers=h, json={"closes_at": later, "reason": "X."}
        )
        assert response.status_code == 409, state
        assert response.get_json()["error"]["code"] == "transition_not_allowed"
    response = client.post(
        f"{API}/decisions/{did}/reopen",
        headers=network["headers"]["adpc"],
        json={"closes_at": later, "reason": "Mine."},
    )
    assert response.status_code == 403


def test_a_secret_decision_cannot_be_reopened_after_close_and_says_why(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]["facilitator"]
    decision = make_decision("closed", ballot_secrecy="secret")
    response = client.post(
        f"{API}/decisions/{decision['id']}/reopen",
        headers=h,
        json={"closes_at": iso(clock.now + timedelta(days=2)), "reason": "Too few voted."},
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "ballots_sealed"
    assert "cut from their organisations" in error["message"]
    again = client.get(f"{API}/decisions/{decision['id']}", headers=h).get_json()
    assert again["status"] == "closed" and again["outcome_history"] == []


def test_amending_a_published_outcome_keeps_the_original_visible(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    decision = make_decision("published")  # published with the first option, "Decided."
    did = decision["id"]
    first, second = (o["id"] for o in decision["options"][:2])
    before = len(outbox(app))
    reason = "The minutes show the meeting chose the association."
    response = client.post(
        f"{API}/decisions/{did}/amend",
        headers=h["facilitator"],
        json={"option": second, "statement": "An association.", "reason": reason},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "published"
    assert body["outcome"] == {
        "option": second,
        "options": [second],
        "statement": "An association.",
    }
    published, amended = body["outcome_history"]
    assert (published["kind"], published["options"], published["statement"]) == (
        "published",
        [first],
        "Decided.",
    )
    assert (amended["kind"], amended["options"], amended["reason"]) == ("amended", [second], reason)
    assert published["at"] <= amended["at"]
    assert _events(client, did, h["adpc"])[-1] == "decision.amended"
    mails = _mails_since(app, before)
    assert sorted(m.to[0] for m in mails) == REPRESENTATIVES
    assert all(reason in m.body and "Association" in m.body for m in mails)
    # Only the statement, the options staying as they are.
    response = client.post(
        f"{API}/decisions/{did}/amend",
        headers=h["facilitator"],
        json={"statement": "An association, registered in 2010.", "reason": "A date added."},
    )
    assert response.get_json()["outcome"]["options"] == [second]
    assert len(response.get_json()["outcome_history"]) == 3


def test_an_amendment_needs_a_reason_and_a_change_and_a_published_outcome(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]["facilitator"]
    decision = make_decision("published")
    did, first = decision["id"], decision["options"][0]["id"]
    for body, field in (
        ({"statement": "Other."}, "reason"),
        ({"statement": "Other.", "reason": ""}, "reason"),
        ({"option": first, "statement": "Decided.", "reason": "Nothing."}, "statement"),
        ({"options": [first, first], "reason": "Twice."}, "options"),
        ({"option": 999999, "reason": "Unknown."}, "option"),
        ({"statement": " ", "reason": "Blank."}, "statement"),
        ({"reason": "What?", "why": "x"}, "why"),
    ):
        response = client.post(f"{API}/decisions/{did}/amend", headers=h, json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"]["fields"], response.get_json()
    again = client.get(f"{API}/decisions/{did}", headers=h).get_json()
    assert again["outcome"]["statement"] == "Decided." and len(again["outcome_history"]) == 1
    closed = make_decision("closed")["id"]
    response = client.post(
        f"{API}/decisions/{closed}/amend", headers=h, json={"statement": "X.", "reason": "Y."}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "transition_not_allowed"


def test_a_secret_decision_s_published_outcome_can_be_amended(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    """Amending touches no ballot, so the cut at close does not stand in its way."""
    decision = make_decision("published", ballot_secrecy="secret")
    response = client.post(
        f"{API}/decisions/{decision['id']}/amend",
        headers=network["headers"]["facilitator"],
        json={"statement": "Corrected.", "reason": "A typing error."},
    )
    assert response.status_code == 200
    assert response.get_json()["outcome"]["statement"] == "Corrected."


def test_the_log_and_the_recount_agree_after_a_reopening_and_an_amendment(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did = decision["id"]
    first, second = (o["id"] for o in decision["options"][:2])
    client.put(f"{API}/decisions/{did}/ballot", headers=h["adpc"], json={"option": first})
    client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"])
    client.post(
        f"{API}/decisions/{did}/reopen",
        headers=h["facilitator"],
        json={"closes_at": iso(clock.now + timedelta(days=1)), "reason": "One more day."},
    )
    client.put(f"{API}/decisions/{did}/ballot", headers=h["stro"], json={"option": second})
    client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"])
    client.post(
        f"{API}/decisions/{did}/publish",
        headers=h["facilitator"],
        json={"option": first, "statement": "First."},
    )
    client.post(
        f"{API}/decisions/{did}/amend",
        headers=h["facilitator"],
        json={"options": [second], "reason": "Counted again by hand."},
    )
    runner = app.test_cli_runner()
    verified = runner.invoke(args=["cop", "verify-log"])
    assert verified.exit_code == 0, verified.output
    recounted = runner.invoke(args=["cop", "recount", str(did)])
    assert recounted.exit_code == 0, recounted.output


def test_a_decision_past_its_deadline_is_closed_at_it_and_then_reopened(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]["facilitator"]
    decision = make_decision("open", closes_at=iso(clock.now + timedelta(hours=1)))
    did = decision["id"]
    deadline = decision["closes_at"]
    clock.advance(hours=2)  # past the deadline; no write has closed it yet
    response = client.post(
        f"{API}/decisions/{did}/reopen",
        headers=h,
        json={"closes_at": iso(clock.now + timedelta(days=1)), "reason": "Nobody voted yet."},
    )
    assert response.status_code == 200, response.get_json()
    [entry] = response.get_json()["outcome_history"]
    assert entry["closed_at"] == deadline  # the close at the deadline, written first
    kinds = _events(client, did, h)
    assert kinds[-2:] == ["decision.closed", "decision.reopened"]
