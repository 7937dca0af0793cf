"""Comments: plain text in JSON, signed, nested one level, reviewed by facilitators."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote.services.timefmt import iso_utc

from .conftest import API

SCRIPT = "<script>alert(1)</script> & \"quotes\" 'single' <b>bold</b>"


def test_script_comes_back_verbatim_as_a_json_string(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did = make_decision("open")["id"]
    response = client.post(
        f"{API}/decisions/{did}/comments", headers=network["headers"]["adpc"], json={"body": SCRIPT}
    )
    assert response.status_code == 201
    assert response.content_type == "application/json"
    assert response.get_json()["body"] == SCRIPT
    for key in ("adpc", "observer", "facilitator"):
        response = client.get(f"{API}/decisions/{did}/comments", headers=network["headers"][key])
        assert response.status_code == 200
        assert response.content_type == "application/json"
        assert "text/html" not in response.headers["Content-Type"]
        assert response.get_json()["items"][0]["body"] == SCRIPT
        assert "&lt;" not in response.get_data(as_text=True)
    response = client.patch(
        f"{API}/comments/{response.get_json()['items'][0]['id']}",
        headers=network["headers"]["adpc"],
        json={"body": SCRIPT + "!"},
    )
    assert response.get_json()["body"] == SCRIPT + "!"
    assert response.content_type == "application/json"


def test_comment_thread_signature_and_nesting(
    client: FlaskClient, network: dict[str, Any], clock: Any, make_decision: Any
) -> None:
    decision = make_decision("open")
    did, option = decision["id"], decision["options"][1]["id"]
    h = network["headers"]
    first = client.post(
        f"{API}/decisions/{did}/comments",
        headers=h["oxfam1"],
        json={"body": "  Association, please.  ", "option": option},
    ).get_json()
    assert first["body"] == "Association, please."
    assert first["signature"] == "Idris Nuur (Oxfam Novib)"
    assert first["organisation"] == "oxfam-novib" and first["option"] == option
    assert first["author"] == {"id": network["people"]["oxfam1"].id, "name": "Idris Nuur"}
    assert first["parent"] is None and first["replies"] == []
    assert "review" not in first
    clock.advance(minutes=1)
    reply = client.post(
        f"{API}/decisions/{did}/comments",
        headers=h["adpc"],
        json={"body": "Agreed.", "parent": first["id"]},
    ).get_json()
    assert reply["parent"] == first["id"] and reply["option"] == option
    # A reply to a reply attaches to the top-level comment: one level.
    deeper = client.post(
        f"{API}/decisions/{did}/comments",
        headers=h["stro"],
        json={"body": "Me too.", "parent": reply["id"]},
    ).get_json()
    assert deeper["parent"] == first["id"]
    clock.advance(minutes=1)
    second = client.post(
        f"{API}/decisions/{did}/comments", headers=h["facilitator"], json={"body": "Noted."}
    ).get_json()
    assert second["signature"] == "Samuel Kollie (PSO)"

    items = client.get(f"{API}/decisions/{did}/comments", headers=h["observer"]).get_json()
    assert [c["id"] for c in items["items"]] == [first["id"], second["id"]]
    assert [r["id"] for r in items["items"][0]["replies"]] == [reply["id"], deeper["id"]]
    assert items["next"] is None
    assert items["items"][0]["created_at"].endswith("Z")
    # Written at the moment of the request's clock (the test's clock, not the wall clock).
    assert items["items"][1]["created_at"] == iso_utc(clock.now)


def test_review_hide_and_author_edit(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did = make_decision("open")["id"]
    h = network["headers"]
    comment = client.post(
        f"{API}/decisions/{did}/comments", headers=h["adpc"], json={"body": "Something rude"}
    ).get_json()
    url = f"{API}/comments/{comment['id']}"
    # Another representative may not edit it; an observer may do nothing.
    assert client.patch(url, headers=h["stro"], json={"body": "x"}).status_code == 403
    assert client.patch(url, headers=h["observer"], json={"body": "x"}).status_code == 403
    assert client.patch(url, headers=h["adpc"], json={"review": "hidden"}).status_code == 403
    # Hiding needs a reason.
    response = client.patch(url, headers=h["facilitator"], json={"review": "hidden"})
    assert response.status_code == 400 and "reason" in response.get_json()["error"]["fields"]
    response = client.patch(
        url,
        headers=h["facilitator"],
        json={"review": "hidden", "reason": "Off topic", "note": "Ask"},
    )
    assert response.status_code == 200
    assert response.get_json()["review"] == "hidden"
    shown = client.get(f"{API}/decisions/{did}/comments", headers=h["stro"]).get_json()
    [item] = shown["items"]
    assert item["body"] is None and item["hidden_reason"] == "Off topic"
    assert "review" not in item and "note" not in item
    facilitator_view = client.get(
        f"{API}/decisions/{did}/comments", headers=h["facilitator"]
    ).get_json()["items"][0]
    assert facilitator_view["review"] == "hidden" and facilitator_view["note"] == "Ask"
    # A hidden comment cannot be reworded.
    assert client.patch(url, headers=h["adpc"], json={"body": "Sorry"}).status_code == 409
    response = client.patch(url, headers=h["facilitator"], json={"review": "reviewed"})
    assert response.status_code == 200 and response.get_json()["hidden_reason"] is None
    response = client.patch(url, headers=h["adpc"], json={"body": "Something kind"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["body"] == "Something kind" and body["edited_at"] is not None
    # Mixing review and body, or sending nothing, is refused.
    assert (
        client.patch(
            url, headers=h["facilitator"], json={"review": "flagged", "body": "x"}
        ).status_code
        == 400
    )
    assert client.patch(url, headers=h["adpc"], json={}).status_code == 400


def test_comment_length_limit_and_closed_comments(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did = make_decision("open")["id"]
    h = network["headers"]
    limit = app.config["COMMENT_MAX_LENGTH"]
    url = f"{API}/decisions/{did}/comments"
    assert client.post(url, headers=h["adpc"], json={"body": "x" * limit}).status_code == 201
    response = client.post(url, headers=h["adpc"], json={"body": "x" * (limit + 1)})
    assert response.status_code == 400 and "body" in response.get_json()["error"]["fields"]
    response = client.post(url, headers=h["adpc"], json={"body": "\u200b \u00a0"})
    assert response.status_code == 400
    closed = make_decision("open", comments="closed")["id"]
    response = client.post(
        f"{API}/decisions/{closed}/comments", headers=h["adpc"], json={"body": "Hello"}
    )
    assert response.status_code == 409


def test_premoderated_comments_wait_for_review(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did = make_decision("open", comments="premoderated")["id"]
    h = network["headers"]
    comment = client.post(
        f"{API}/decisions/{did}/comments", headers=h["adpc"], json={"body": "Waiting"}
    ).get_json()
    url = f"{API}/decisions/{did}/comments"
    assert client.get(url, headers=h["stro"]).get_json()["items"] == []
    assert len(client.get(url, headers=h["adpc"]).get_json()["items"]) == 1
    assert (
        client.patch(
            f"{API}/comments/{comment['id']}", headers=h["stro"], json={"body": "x"}
        ).status_code
        == 404
    )
    client.patch(
        f"{API}/comments/{comment['id']}", headers=h["facilitator"], json={"review": "reviewed"}
    )
    assert len(client.get(url, headers=h["stro"]).get_json()["items"]) == 1


def test_comment_paging(client: FlaskClient, network: dict[str, Any], make_decision: Any) -> None:
    did = make_decision("open")["id"]
    h = network["headers"]
    ids = [
        client.post(
            f"{API}/decisions/{did}/comments", headers=h["adpc"], json={"body": f"Comment {n}"}
        ).get_json()["id"]
        for n in range(5)
    ]
    seen: list[int] = []
    url = f"{API}/decisions/{did}/comments?limit=2"
    pages = 0
    while url:
        page = client.get(url, headers=h["stro"]).get_json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        url = (
            f"{API}/decisions/{did}/comments?limit=2&cursor={page['next']}" if page["next"] else ""
        )
    assert seen == ids and pages == 3
