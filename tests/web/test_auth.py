"""Signing in by e-mail link, and signing out, through the pages."""

from __future__ import annotations

import re

from cop_vote.extensions import db
from cop_vote.models import LoginToken

from .helpers import csrf_token, link_path, make_decision, outbox, post_form, request_link, sign_in


def _strip_tokens(html: str) -> str:
    return re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "TOKEN", html)


def test_known_and_unknown_addresses_get_the_same_answer(app, client, network):
    known = request_link(client, "amina@adpc.example.org")
    unknown = request_link(client, "nobody@nowhere.example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"] == "/auth/login/sent"
    first = client.get("/auth/login/sent")
    second = client.get("/auth/login/sent")
    assert _strip_tokens(first.get_data(as_text=True)) == _strip_tokens(
        second.get_data(as_text=True)
    )
    assert "If the address is known to us" in first.get_data(as_text=True)
    assert len(outbox(app)) == 1


def test_the_mail_holds_an_absolute_link_in_text_and_html(app, client, network):
    request_link(client, "Amina@ADPC.example.org ")
    (message,) = outbox(app)[-1:]
    assert message.to == ["amina@adpc.example.org"]
    path = link_path(message)
    assert f"http://localhost{path}" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="http://localhost{path}"' in html


def test_following_the_link_spends_nothing_pressing_the_button_signs_in(app, client, network):
    request_link(client, "amina@adpc.example.org")
    path = link_path(outbox(app)[-1])
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(path)
        assert page.status_code == 200
        assert "Amina Warsame" in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/").status_code == 302  # not signed in by GET
    response = post_form(client, path, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    token = db.session.execute(db.select(LoginToken)).scalar_one()
    assert token.used_at is not None


def test_a_link_works_once(app, client, other_client, network):
    request_link(client, "amina@adpc.example.org")
    path = link_path(outbox(app)[-1])
    token = csrf_token(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    again = post_form(other_client, "/auth/login", path)
    assert again.status_code == 410
    assert "This link no longer works" in again.get_data(as_text=True)
    assert "Send me a new link" in again.get_data(as_text=True)
    assert other_client.get("/").status_code == 302


def test_an_expired_link_fails(app, client, network, clock):
    request_link(client, "amina@adpc.example.org")
    path = link_path(outbox(app)[-1])
    clock.advance(minutes=31)
    assert client.get(path).status_code == 410
    assert post_form(client, "/auth/login", path).status_code == 410
    assert client.get("/").status_code == 302


def test_a_newer_link_voids_the_older(app, client, network):
    request_link(client, "amina@adpc.example.org")
    older = link_path(outbox(app)[-1])
    request_link(client, "amina@adpc.example.org")
    newer = link_path(outbox(app)[-1])
    assert older != newer
    assert client.get(older).status_code == 410
    assert post_form(client, newer, newer).status_code == 302


def test_next_must_be_a_path_on_this_site(app, client, other_client, network, clock):
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    evil = sign_in(client, app, network["people"]["adpc"], next_path="https://evil.example")
    assert evil.headers["Location"] == "/"
    local = sign_in(
        other_client, app, network["people"]["stro"], next_path=f"/decisions/{decision_id}"
    )
    assert local.headers["Location"] == f"/decisions/{decision_id}"


def test_a_page_sends_an_anonymous_visitor_to_sign_in_with_next(client, network):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/profile"
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/profile"' in form


def test_sign_out_revokes_the_session_so_a_copied_cookie_fails(app, client, other_client, network):
    sign_in(client, app, network["people"]["adpc"])
    assert client.get("/profile").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    other_client.set_cookie("session", cookie.value)  # a stolen copy
    assert other_client.get("/profile").status_code == 200
    response = post_form(client, "/profile", "/auth/logout")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302
    assert other_client.get("/profile").status_code == 302


def test_sign_out_needs_csrf(app, client, network):
    sign_in(client, app, network["people"]["adpc"])
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/profile").status_code == 200


def test_sign_in_is_rate_limited_per_address(app, network, database_url, clock):
    from cop_vote import create_app

    from .conftest import FreshClient

    limited = create_app(
        {**app.config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    )
    limited.test_client_class = FreshClient
    with limited.app_context():
        client = limited.test_client()
        codes = [request_link(client, "amina@adpc.example.org").status_code for _ in range(6)]
        db.session.remove()
        db.engine.dispose()  # close its connections now, not when garbage-collected
    assert codes[:5] == [302] * 5
    assert codes[5] == 429
