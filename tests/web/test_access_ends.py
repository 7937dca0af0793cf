"""Access that ends for good: deactivated people, inactive organisations, revoked
tokens, and a new session key at every sign-in.

Over HTTP against several workers: ``tests/races/test_access_live.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.domain.errors import NotAllowed
from cop_vote.extensions import db
from cop_vote.models import ApiToken, LoginSession, LoginToken
from cop_vote.services import auth as auth_service
from cop_vote.services import ballots as ballot_service

from .helpers import make_decision, option_ids, outbox, post_form, request_link, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/profile").status_code == 200


def _link(person: Any, clock: Any) -> str:
    issued = auth_service.issue_login_link(person.email, clock.now)
    assert issued is not None
    db.session.commit()
    return f"/auth/link/{issued[1]}"


def _live_rows(person_id: int) -> tuple[int, int, int]:
    sessions = db.session.execute(
        select(LoginSession).where(
            LoginSession.person_id == person_id, LoginSession.revoked_at.is_(None)
        )
    ).all()
    tokens = db.session.execute(
        select(ApiToken).where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))
    ).all()
    links = db.session.execute(
        select(LoginToken).where(
            LoginToken.person_id == person_id,
            LoginToken.used_at.is_(None),
            LoginToken.voided_at.is_(None),
        )
    ).all()
    db.session.commit()
    return len(sessions), len(tokens), len(links)


@pytest.mark.parametrize("door", ["page", "api"])
def test_deactivating_a_person_ends_sessions_tokens_and_links_for_good(
    app: Flask,
    client: FlaskClient,
    other_client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    token_for: Any,
    door: str,
) -> None:
    people = network["people"]
    amina = people["adpc"]
    sign_in(other_client, app, amina)
    token = network["headers"]["adpc"]
    link = _link(amina, clock)
    assert _live_rows(amina.id) == (1, 1, 1)
    if door == "page":
        sign_in(client, app, people["facilitator"])
        url = f"/admin/people/{amina.id}/deactivate"
        assert post_form(client, url, url).status_code == 303
    else:
        headers = network["headers"]["facilitator"]
        response = client.patch(f"{API}/people/{amina.id}", json={"active": False}, headers=headers)
        assert response.status_code == 200
    assert _live_rows(amina.id) == (0, 0, 0)
    assert not _signed_in(other_client)
    assert client.get(f"{API}/me", headers=token).status_code == 401
    assert client.get(link).status_code == 410
    # Reactivated: nothing comes back; a new sign-in works.
    headers = network["headers"]["facilitator"]
    response = client.patch(f"{API}/people/{amina.id}", json={"active": True}, headers=headers)
    assert response.status_code == 200
    assert _live_rows(amina.id) == (0, 0, 0)
    assert not _signed_in(other_client)
    assert client.get(f"{API}/me", headers=token).status_code == 401
    assert client.get(link).status_code == 410
    sign_in(other_client, app, amina)
    assert _signed_in(other_client)


def test_an_inactive_organisation_s_people_cannot_sign_in_use_tokens_vote_or_comment(
    app: Flask,
    client: FlaskClient,
    other_client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first = option_ids(decision_id)[0]
    idris = people["oxfam1"]
    sign_in(other_client, app, idris)
    token = network["headers"]["oxfam1"]
    link = _link(idris, clock)
    facilitator = network["headers"]["facilitator"]
    response = client.patch(
        f"{API}/organisations/oxfam-novib", json={"active": False}, headers=facilitator
    )
    assert response.status_code == 200
    assert not _signed_in(other_client)
    assert client.get(f"{API}/me", headers=token).status_code == 401
    url = f"{API}/decisions/{decision_id}/ballot"
    assert client.put(url, json={"option": first}, headers=token).status_code == 401
    comments = f"{API}/decisions/{decision_id}/comments"
    assert client.post(comments, json={"body": "Hello"}, headers=token).status_code == 401
    assert client.get(link).status_code == 410
    before = len(outbox(app))
    assert request_link(client, idris.email).status_code == 302  # the same answer...
    assert len(outbox(app)) == before  # ...but no link is sent
    with pytest.raises(NotAllowed):  # the services refuse too, whatever door
        ballot_service.cast_ballot(idris, decision_id, {"option": first}, clock.now)
    db.session.rollback()
    # While the organisation is inactive only; its people come back with it.
    response = client.patch(
        f"{API}/organisations/oxfam-novib", json={"active": True}, headers=facilitator
    )
    assert response.status_code == 200
    assert _signed_in(other_client)
    assert client.put(url, json={"option": first}, headers=token).status_code == 200


def test_a_facilitator_keeps_access_when_their_organisation_is_inactive(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    headers = network["headers"]["facilitator"]
    response = client.patch(f"{API}/organisations/pso", json={"active": False}, headers=headers)
    assert response.status_code == 200
    assert client.get(f"{API}/me", headers=headers).status_code == 200


def test_tokens_are_listed_and_revoked_on_the_profile_page(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    amina = network["people"]["adpc"]
    sign_in(client, app, amina)
    made = post_form(client, "/profile", "/profile/token", {"label": "my script"})
    secret = made.get_data(as_text=True).split('<code class="token">')[1].split("</code>")[0]
    mine = {"Authorization": f"Bearer {secret}"}
    listed = client.get(f"{API}/me/tokens", headers=mine).get_json()["items"]
    assert [t["label"] for t in listed] == ["my script", ""]  # newest first
    html = client.get("/profile").get_data(as_text=True)
    assert "my script" in html and secret not in html
    revoke = f"/profile/tokens/{listed[0]['id']}/revoke"
    assert f'action="{revoke}"' in html
    response = post_form(client, "/profile", revoke)
    assert response.status_code == 303
    assert client.get(f"{API}/me", headers=mine).status_code == 401
    assert client.get(f"{API}/me", headers=network["headers"]["adpc"]).status_code == 200
    # Someone else's token, or one revoked already: not found, nothing changes.
    other = db.session.execute(
        select(ApiToken.id).where(ApiToken.person_id == network["people"]["stro"].id)
    ).scalar()
    db.session.commit()
    for token_id in (other, listed[0]["id"]):
        response = post_form(client, "/profile", f"/profile/tokens/{token_id}/revoke")
        assert response.status_code == 404
    assert client.get(f"{API}/me", headers=network["headers"]["stro"]).status_code == 200


def test_a_token_label_with_a_line_break_is_refused_on_the_form(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["adpc"])
    response = post_form(client, "/profile", "/profile/token", {"label": "two\nlines"})
    assert response.status_code == 400
    assert "Must be one line" in response.get_data(as_text=True)


def test_tokens_are_listed_and_revoked_through_the_api(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    mine = network["headers"]["adpc"]
    listed = client.get(f"{API}/me/tokens", headers=mine)
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["next"] is None and len(body["items"]) == 1
    assert set(body["items"][0]) == {"id", "label", "created_at", "last_used_at"}
    token_id = body["items"][0]["id"]
    theirs = client.get(f"{API}/me/tokens", headers=network["headers"]["stro"]).get_json()
    assert (
        client.delete(f"{API}/me/tokens/{theirs['items'][0]['id']}", headers=mine).status_code
        == 404
    )
    assert client.delete(f"{API}/me/tokens/99999999999", headers=mine).status_code == 404
    assert client.delete(f"{API}/me/tokens/{token_id}", headers=mine).status_code == 204
    assert client.get(f"{API}/me/tokens", headers=mine).status_code == 401  # it was this one
    assert client.get(f"{API}/me/tokens").status_code == 401
    spec = client.get(f"{API}/openapi.json").get_json()
    assert set(spec["paths"]["/api/v1/me/tokens"]["get"]["responses"]) >= {"200", "401"}
    delete = spec["paths"]["/api/v1/me/tokens/{token_id}"]["delete"]["responses"]
    assert set(delete) >= {"204", "401", "404"}


def test_signing_in_rotates_the_session_key_and_revokes_the_one_held_before(
    app: Flask, client: FlaskClient, other_client: FlaskClient, network: dict[str, Any]
) -> None:
    people = network["people"]
    sign_in(client, app, people["adpc"])
    planted = client.get_cookie("session")
    assert planted is not None
    # The same cookie in another browser (planted there), which then signs in.
    other_client.set_cookie("session", planted.value)
    assert _signed_in(other_client)
    sign_in(other_client, app, people["stro"])
    rotated = other_client.get_cookie("session")
    assert rotated is not None and rotated.value != planted.value
    assert "Marieke Dijkstra" in other_client.get("/profile").get_data(as_text=True)
    assert not _signed_in(client)  # the key it held before is revoked
    # Signing in again in the same browser: again a new key, the old one revoked.
    before = other_client.get_cookie("session")
    sign_in(other_client, app, people["stro"])
    after = other_client.get_cookie("session")
    assert before is not None and after is not None and after.value != before.value
    assert _live_rows(people["stro"].id)[0] == 1
