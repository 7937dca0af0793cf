"""The live server itself: several workers answer on the test's database."""

from __future__ import annotations

from typing import Any

from cop_vote.extensions import db
from cop_vote.services import auth


def test_workers_serve_the_test_database(
    app: Any, network: dict[str, Any], live_server: Any, clock: Any
) -> None:
    headers = network["headers"]["adpc"]
    with live_server.client() as api:
        answer = api.get("/api/v1/organisations", headers=headers)
    assert answer.status_code == 200
    assert {o["slug"] for o in answer.json()["items"]} >= {"adpc", "oxfam-novib", "stro"}
    _person, secret = auth.issue_login_link(network["people"]["adpc"].email, clock.now, minutes=30)
    db.session.commit()
    with live_server.client() as browser:
        browser.sign_in(secret)
        assert browser.get("/").status_code == 200
    assert live_server.server_errors() == []
