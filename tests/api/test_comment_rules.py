"""Comment rules at their edges, through the API: replies stay within their
decision and one level deep, comments follow the decision's lifecycle, only an
open decision's comments can be reworded, and a hidden comment cannot be
reported. Every refusal is checked to have written nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Comment, Event
from tests.dbstate import changed_tables, snapshot

API = "/api/v1"


def _post(client: FlaskClient, headers: dict[str, str], did: int, **body: Any) -> Any:
    return client.post(f"{API}/decisions/{did}/comments", headers=headers, json=body)


def _refused(response: Any, status: int, before: Any) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    after = snapshot()
    assert after == before, changed_tables(before, after)
    error: dict[str, Any] = response.get_json()["error"]
    return error


def test_a_reply_must_answer_a_comment_of_the_same_decision(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    here = make_decision("open")["id"]
    there = make_decision("open")["id"]
    elsewhere = _post(client, h["adpc"], there, body="Over there.").get_json()
    before = snapshot()
    for parent in (elsewhere["id"], 99999, 0, -1, 2**31, True, "1", 1.5):
        error = _refused(_post(client, h["stro"], here, body="Reply?", parent=parent), 400, before)
        assert "parent" in error["fields"], parent
    assert error["message"] == "Unknown comment to reply to."


def test_a_reply_to_a_comment_the_member_cannot_see_is_refused(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    did = make_decision("open", comments="premoderated")["id"]
    waiting = _post(client, h["adpc"], did, body="Waiting for review.").get_json()
    before = snapshot()
    error = _refused(_post(client, h["stro"], did, body="Hm", parent=waiting["id"]), 400, before)
    assert "parent" in error["fields"]
    # Its author may reply to it, and once reviewed everyone may.
    assert _post(client, h["adpc"], did, body="PS", parent=waiting["id"]).status_code == 201
    client.patch(
        f"{API}/comments/{waiting['id']}", headers=h["facilitator"], json={"review": "reviewed"}
    )
    assert _post(client, h["stro"], did, body="Now I see", parent=waiting["id"]).status_code == 201


def test_a_reply_takes_its_parents_option_unless_it_names_one(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did = decision["id"]
    first, second = (o["id"] for o in decision["options"][:2])
    top = _post(client, h["adpc"], did, body="On the first.", option=first).get_json()
    reply = _post(client, h["stro"], did, body="Agreed.", parent=top["id"]).get_json()
    assert (reply["parent"], reply["option"]) == (top["id"], first)
    other = _post(
        client, h["oxfam1"], did, body="Rather the second.", parent=reply["id"], option=second
    ).get_json()
    assert (other["parent"], other["option"]) == (top["id"], second)
    general = _post(client, h["oxfam1"], did, body="In general.").get_json()
    assert general["option"] is None and general["parent"] is None


def test_an_option_of_another_decision_is_refused(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    foreign = make_decision("open")["options"][0]["id"]
    before = snapshot()
    for option in (foreign, True, "1", 99999):
        error = _refused(_post(client, h["adpc"], did, body="Hm", option=option), 400, before)
        assert "option" in error["fields"], option


@pytest.mark.parametrize(
    ("state", "status"),
    [("open", 201), ("closed", 201), ("published", 409), ("withdrawn", 409)],
)
def test_comments_follow_the_lifecycle(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    state: str,
    status: int,
) -> None:
    """Comments stay open after close (for the meeting that publishes), not after."""
    did = make_decision(state)["id"]
    before = snapshot()
    response = _post(client, network["headers"]["adpc"], did, body="A late thought.")
    if status == 201:
        assert response.status_code == 201
        stored = db.session.get(Comment, response.get_json()["id"])
        assert stored is not None and stored.body == "A late thought."
        return
    assert _refused(response, 409, before)["code"] == "comments_closed"


def test_a_decision_past_its_deadline_still_takes_comments_until_published(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    decision = make_decision("open", closes_at=(clock.now + timedelta(hours=1)).isoformat())
    clock.advance(hours=2)
    response = _post(client, network["headers"]["adpc"], decision["id"], body="After.")
    assert response.status_code == 201


def test_comments_closed_refuses_every_comment(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    did = make_decision("open", comments="closed")["id"]
    before = snapshot()
    for who in ("adpc", "facilitator"):
        response = _post(client, network["headers"][who], did, body="Hello")
        error = _refused(response, 409, before)
        assert (error["code"], error["message"]) == (
            "comments_closed",
            "Comments are closed for this decision.",
        )


@pytest.mark.parametrize("state", ["closed", "published", "withdrawn"])
def test_a_comment_cannot_be_reworded_once_the_decision_is_not_open(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    state: str,
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did = decision["id"]
    comment = _post(client, h["adpc"], did, body="First words.").get_json()
    if state == "published":
        client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"])
        client.post(
            f"{API}/decisions/{did}/publish",
            json={"option": None, "statement": "Done."},
            headers=h["facilitator"],
        )
    else:
        action = {"closed": "close", "withdrawn": "withdraw"}[state]
        payload = {"statement": "Stop."} if action == "withdraw" else None
        client.post(f"{API}/decisions/{did}/{action}", json=payload, headers=h["facilitator"])
    before = snapshot()
    response = client.patch(
        f"{API}/comments/{comment['id']}", headers=h["adpc"], json={"body": "Second words."}
    )
    error = _refused(response, 409, before)
    assert error["message"] == "Comments can be changed only while the decision is open."


def test_rewording_past_the_deadline_is_refused(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    h = network["headers"]
    did = make_decision("open", closes_at=(clock.now + timedelta(hours=1)).isoformat())["id"]
    comment = _post(client, h["adpc"], did, body="First words.").get_json()
    clock.advance(hours=1)
    before = snapshot()
    response = client.patch(
        f"{API}/comments/{comment['id']}", headers=h["adpc"], json={"body": "Late words."}
    )
    _refused(response, 409, before)


def test_rewording_sends_the_comment_back_to_review_and_keeps_the_note(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    comment = _post(client, h["adpc"], did, body="First words.").get_json()
    reviewed = client.patch(
        f"{API}/comments/{comment['id']}",
        headers=h["facilitator"],
        json={"review": "flagged", "note": "For the meeting"},
    )
    assert reviewed.status_code == 200
    clock.advance(minutes=5)
    before = snapshot()
    for who in ("stro", "oxfam1", "facilitator"):
        response = client.patch(
            f"{API}/comments/{comment['id']}", headers=h[who], json={"body": "Not mine."}
        )
        _refused(response, 403, before)
    response = client.patch(
        f"{API}/comments/{comment['id']}", headers=h["adpc"], json={"body": "  Better words. "}
    )
    assert response.status_code == 200
    db.session.expire_all()
    stored = db.session.get(Comment, comment["id"])
    assert stored is not None
    assert (stored.body, stored.review, stored.reviewed_at, stored.note, stored.edited_at) == (
        "Better words.",
        "new",
        None,
        "For the meeting",
        clock.now,
    )
    edited = db.session.execute(select(Event).where(Event.kind == "comment.edited")).scalar_one()
    assert (edited.subject, edited.actor_id, edited.at, edited.data) == (
        f"comment:{comment['id']}",
        network["people"]["adpc"].id,
        clock.now,
        {},
    )


def test_a_hidden_comment_cannot_be_reported_nor_reworded(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    comment = _post(client, h["adpc"], did, body="Rude words.").get_json()
    hidden = client.patch(
        f"{API}/comments/{comment['id']}",
        headers=h["facilitator"],
        json={"review": "hidden", "reason": "Off topic"},
    )
    assert hidden.status_code == 200
    before = snapshot()
    report = client.post(
        f"{API}/comments/{comment['id']}/report", headers=h["stro"], json={"reason": "Rude"}
    )
    assert _refused(report, 409, before)["code"] == "already_hidden"
    reword = client.patch(
        f"{API}/comments/{comment['id']}", headers=h["adpc"], json={"body": "Sorry."}
    )
    assert _refused(reword, 409, before)["message"] == "A hidden comment cannot be changed."


def test_reports_once_per_person_never_ones_own_never_by_observers(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    did = make_decision("open")["id"]
    comment = _post(client, h["adpc"], did, body="Words.").get_json()
    url = f"{API}/comments/{comment['id']}/report"
    before = snapshot()
    own = client.post(url, headers=h["adpc"], json={"reason": "Mine"})
    assert _refused(own, 400, before)["code"] == "own_comment"
    _refused(client.post(url, headers=h["observer"], json={"reason": "No"}), 403, before)
    first = client.post(url, headers=h["stro"], json={"reason": "  Rude  "})
    assert first.status_code == 201
    assert first.get_json()["reason"] == "Rude"
    before = snapshot()
    again = client.post(url, headers=h["stro"], json={"reason": "Still rude"})
    assert _refused(again, 409, before)["code"] == "already_reported"
    # Another person's report of the same comment is taken.
    assert client.post(url, headers=h["oxfam1"], json={"reason": "Agreed"}).status_code == 201
