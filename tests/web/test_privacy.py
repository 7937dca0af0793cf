"""Personal data (GDPR/AVG): the privacy notice, and a person's own data as JSON."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.services import comments

from .helpers import make_decision, sign_in

API = "/api/v1"


def test_the_privacy_notice_is_public_linked_from_every_footer_and_in_dutch(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for heading in ("What is stored", "Why", "How long", "Who to ask", "Your rights"):
        assert f">{heading}</h2>" in text
    assert "works for 14 days, once" in text
    # Not signed in: no download link.
    assert "/profile/data" not in text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    dutch = client.get("/privacy").get_data(as_text=True)
    assert "Privacyverklaring" in dutch and "Je rechten" in dutch
    assert 'href="/privacy"' in client.get("/auth/login").get_data(as_text=True)


def test_the_privacy_notice_says_how_long_and_whom_to_write_to(
    app: Flask, client: FlaskClient
) -> None:
    text = client.get("/privacy").get_data(as_text=True)
    assert "removed 30 days after they were made, ended sessions after 90 days" in text
    assert "calendar address" in text and "minutes" in text and "Backups" in text
    assert "Write to" not in text  # no contact configured: the facilitators
    app.config["PRIVACY_CONTACT"] = "privacy@pso.example.org"
    assert "Write to privacy@pso.example.org." in client.get("/privacy").get_data(as_text=True)


def test_your_data_from_the_profile_and_the_api_are_the_same_and_yours_only(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    amina = people["adpc"]
    decision_id = make_decision(people["facilitator"], clock.now)
    comments.add_comment(amina, decision_id, "We prefer a foundation.", clock.now)
    comments.add_comment(people["stro"], decision_id, "Someone else's words.", clock.now)
    db.session.commit()
    vote = client.put(
        f"{API}/decisions/{decision_id}/ballot",
        json={"option": _first_option(client, network, decision_id)},
        headers=network["headers"]["adpc"],
    )
    assert vote.status_code in (200, 201), vote.get_json()
    sign_in(client, app, amina)
    profile = client.get("/profile").get_data(as_text=True)
    assert 'href="/profile/data"' in profile
    download = client.get("/profile/data")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    mine = download.get_json()
    assert mine["person"]["email"] == "amina@adpc.example.org"
    assert mine["person"]["organisation"]["slug"] == "adpc"
    assert [c["body"] for c in mine["comments"]] == ["We prefer a foundation."]
    assert [(b["decision_id"], b["action"]) for b in mine["ballot_changes"]] == [
        (decision_id, "cast")
    ]
    assert mine["sign_in_links"] and mine["sessions"] and mine["api_tokens"]
    assert any(e["kind"] == "ballot.cast" for e in mine["log"])
    body = download.get_data(as_text=True)
    assert "Someone else" not in body and "marieke" not in body
    assert "token_hash" not in body and "key_hash" not in body
    api = client.get(f"{API}/me/data", headers=network["headers"]["adpc"])
    assert api.status_code == 200
    from_api = api.get_json()
    # The same data; only the token's last use moved on with this request.
    for key in from_api:
        if key != "api_tokens":
            assert from_api[key] == mine[key], key
    assert client.get(f"{API}/me/data").status_code == 401


def test_your_data_needs_you_signed_in(client: FlaskClient, network: dict[str, Any]) -> None:
    answer = client.get("/profile/data")
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


def _first_option(client: FlaskClient, network: dict[str, Any], decision_id: int) -> int:
    found = client.get(f"{API}/decisions/{decision_id}", headers=network["headers"]["adpc"])
    return int(found.get_json()["options"][0]["id"])
