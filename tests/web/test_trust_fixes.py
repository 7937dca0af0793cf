"""What a new user found: the pages agree with the API on who sees what, and a
refused form keeps what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Comment, Person
from cop_vote.services import ballots, transitions

from . import test_rate_limits
from .helpers import csrf_token, make_decision, option_ids, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"
limited = test_rate_limits.limited  # the app with rate limits on (a fixture)


def test_an_observer_sees_no_ballot_of_their_organisation(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    olga = make_person(network["orgs"]["oxfam"], "observer", email="olga@oxfam.example.org")
    for secrecy in ("open", "secret"):
        did = make_decision(
            network["people"]["facilitator"],
            clock.now,
            ballot_secrecy=secrecy,
            secret_receipts=True,
            results_visibility="live" if secrecy == "open" else "after_close",
        )
        nashville = option_ids(did)[1]
        cast = client.put(
            f"{API}/decisions/{did}/ballot",
            json={"option": nashville},
            headers=network["headers"]["oxfam1"],
        )
        assert cast.status_code == 200
        receipt = cast.get_json()["receipt"]
        assert receipt
        # The API refuses the observer the organisation's ballot...
        api = client.get(f"{API}/decisions/{did}/ballot", headers=token_for(olga))
        assert api.status_code == 403
        # ...and so do the page and its htmx blocks.
        sign_in(client, app, olga)
        for headers in ({}, {"HX-Request": "true", "HX-Target": "ballot"}):
            html = client.get(f"/decisions/{did}", headers=headers).get_data(as_text=True)
            assert "Your organisation&#39;s ballot:" not in html
            assert "Your organisation's ballot:" not in html
            assert receipt not in html
            assert "Your organisation has not cast a ballot." not in html
        results = client.get(f"/decisions/{did}/results").get_data(as_text=True)
        assert receipt not in results
        client.post("/auth/logout")
        # The representative still sees it.
        sign_in(client, app, network["people"]["oxfam2"])
        html = client.get(f"/decisions/{did}").get_data(as_text=True)
        assert receipt in html
        client.post("/auth/logout")


def test_a_comment_of_a_hidden_draft_answers_as_an_unknown_comment(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    draft = make_decision(facilitator, clock.now, open_it=False)
    said = client.post(
        f"{API}/decisions/{draft}/comments",
        json={"body": "A first thought on the draft."},
        headers=network["headers"]["facilitator"],
    )
    assert said.status_code == 201
    hidden = said.get_json()["id"]
    rep = network["headers"]["oxfam1"]

    def api(comment_id: int) -> list[tuple[int, Any]]:
        answers = [
            client.post(f"{API}/comments/{comment_id}/report", json={"reason": "x"}, headers=rep),
            client.patch(f"{API}/comments/{comment_id}", json={"body": "y"}, headers=rep),
        ]
        return [(a.status_code, a.get_json()["error"]["message"]) for a in answers]

    assert api(hidden) == [(404, f"No comment {hidden}.")] * 2
    assert api(99999) == [(404, "No comment 99999.")] * 2
    sign_in(client, app, network["people"]["oxfam1"])
    client.get("/")  # shows the sign-in flash
    # The page answers both alike and names no decision.
    pages = [client.get(f"/comments/{cid}/report") for cid in (hidden, 99999)]
    assert [p.status_code for p in pages] == [404, 404]
    # The form token carries the second it was signed: the one difference allowed.
    shown, unknown = (_without_tokens(p.get_data(as_text=True)) for p in pages)
    assert shown.replace(f"/comments/{hidden}/", "/comments/N/") == unknown.replace(
        "/comments/99999/", "/comments/N/"
    )
    assert f"decision {draft}" not in shown


def test_the_publish_page_marks_no_option_of_a_single_choice_tie_selected(
    app: Flask,
    client: FlaskClient,
    fac: Any,
    network: dict[str, Any],
    clock: Any,
    make_org: Callable[..., Any],
    make_person: Callable[..., Person],
) -> None:
    fourth = make_person(make_org("fourth", name="Fourth Org", short_name="Fourth"))
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    for who, option in (
        (people["adpc"], memphis),
        (people["oxfam1"], memphis),
        (people["stro"], nashville),
        (fourth, nashville),
    ):
        ballots.cast_ballot(who, did, {"option": option}, clock.now)
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    api = client.get(f"{API}/decisions/{did}/results", headers=network["headers"]["facilitator"])
    count = api.get_json()
    assert count["selected"] == [] and sorted(count["boundary_tie"]) == [memphis, nashville]
    html = client.get(f"/admin/decisions/{did}/publish").get_data(as_text=True)
    assert "(selected)" not in html
    assert 'class="winner"' not in html
    assert html.count("(tie)") == 2
    results = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert '<span class="tag">selected</span>' not in results


def test_a_form_token_lives_as_long_as_the_signed_in_session(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["oxfam1"])
    token = csrf_token(client.get(f"/decisions/{did}").get_data(as_text=True))
    # Writing a long comment: an hour and a half passes.
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 5400)
    clock.advance(minutes=90)
    body = "Written slowly, over more than an hour."
    said = client.post(f"/decisions/{did}/comments", data={"csrf_token": token, "body": body})
    assert said.status_code in (200, 303), said.status_code
    assert "Form expired" not in said.get_data(as_text=True)
    assert db.session.execute(select(Comment.id).where(Comment.body == body)).first()
    # Signed out, the session's token is refused.
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    again = client.post(f"/decisions/{did}/comments", data={"csrf_token": token, "body": "x"})
    assert again.status_code == 400
    assert "The form had expired" in again.get_data(as_text=True)


HTMX = {"HX-Request": "true", "HX-Target": "comment-form", "HX-Current-URL": "http://localhost/"}


def _in_place(response: Any) -> str:
    """An htmx error answer that leaves the page (and its form) in place and
    puts the message into the page's message region."""
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.headers["HX-Reselect"] == "#error-notice"
    html: str = response.get_data(as_text=True)
    assert '<div id="error-notice" class="flash flash-error" role="alert">' in html
    assert "<main" not in html
    return html


def test_a_refused_htmx_form_keeps_its_text_and_shows_the_message(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["oxfam1"])
    client.get(f"/decisions/{did}")
    data = {"csrf_token": "expired", "body": "A long comment."}
    refused = client.post(f"/decisions/{did}/comments", data=data, headers=HTMX)
    assert refused.status_code == 400
    assert "The form had expired" in _in_place(refused)
    # Without JavaScript the plain error page stays.
    plain = client.post(f"/decisions/{did}/comments", data=data)
    assert plain.status_code == 400 and "HX-Retarget" not in plain.headers
    assert "<main" in plain.get_data(as_text=True)


def test_an_htmx_request_over_the_rate_limit_keeps_the_form(
    limited: Flask, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    client = limited.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, limited, network["people"]["oxfam1"])
    token = csrf_token(client.get(f"/decisions/{did}").get_data(as_text=True))
    url = f"/decisions/{did}/comments"
    answers = [
        client.post(url, data={"csrf_token": token, "body": f"Point {n}."}, headers=HTMX)
        for n in range(12)
    ]
    limited_answer = answers[-1]
    assert limited_answer.status_code == 429
    assert "Too many requests" in _in_place(limited_answer)
    assert int(limited_answer.headers["Retry-After"]) > 0


def test_a_ballot_form_with_an_unknown_action_casts_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    memphis = option_ids(did)[0]
    sign_in(client, app, network["people"]["oxfam1"])
    token = csrf_token(client.get(f"/decisions/{did}").get_data(as_text=True))
    data = {"csrf_token": token, "version": "0", "option": str(memphis), "action": "nuke"}
    refused = client.post(f"/decisions/{did}/ballot", data=data)
    assert refused.status_code == 400
    own = client.get(f"{API}/decisions/{did}/ballot", headers=network["headers"]["oxfam1"])
    assert own.status_code == 404
    cast = client.post(f"/decisions/{did}/ballot", data={**data, "action": "cast"})
    assert cast.status_code == 303


def test_a_malformed_json_body_is_named_without_python_internals(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    headers = {**network["headers"]["oxfam1"], "Content-Type": "application/json"}
    said = {
        b"[" * 100000: "The body is not valid JSON.",
        b"\xef\xbb\xbf{}": "The body is not valid JSON (line 1, column 1).",
        b"{bad": "The body is not valid JSON (line 1, column 2).",
        b"\xff\xfe": "The body is not valid JSON.",
    }
    for body, field in said.items():
        answer = client.put(f"{API}/decisions/{did}/ballot", data=body, headers=headers)
        assert answer.status_code == 400
        error = answer.get_json()["error"]
        assert error["code"] == "malformed_json"
        assert error["message"] == "The body is not valid JSON."
        assert error["fields"] == {"body": field}


def test_a_token_of_a_person_without_access_says_so(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    headers = network["headers"]["oxfam1"]
    assert client.get(f"{API}/decisions", headers=headers).status_code == 200
    network["orgs"]["oxfam"].active = False
    db.session.commit()
    refused = client.get(f"{API}/decisions", headers=headers)
    assert refused.status_code == 401
    error = refused.get_json()["error"]
    assert error["code"] == "unauthorized"
    assert error["message"].startswith("This token's person has no access")
    unknown = client.get(f"{API}/decisions", headers={"Authorization": "Bearer nope"})
    assert unknown.get_json()["error"]["message"].startswith("This token is unknown or revoked")
    none = client.get(f"{API}/decisions").get_json()["error"]["message"]
    assert none == "Authentication required: send Authorization: Bearer <token>."


def _without_tokens(html: str) -> str:
    """A page with its CSRF tokens (signed with a time stamp) blanked."""
    html = re.sub(r'("X-CSRFToken": ")[^"]+"', r'\1TOKEN"', html)
    return re.sub(r'(name="csrf_token" value=")[^"]+"', r'\1TOKEN"', html)
