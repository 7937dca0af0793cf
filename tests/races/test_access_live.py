"""Ended access holds in every worker process: over HTTP against four gunicorn workers.

A person deactivated on the facilitator's page, a token revoked through the
API, an organisation deactivated through the API: from the next request on,
whichever worker answers, the cookie is sent to sign in and the token is 401.
"""

from __future__ import annotations

from typing import Any

import httpx

from cop_vote.extensions import db
from cop_vote.services import auth
from tests.live.server import LiveServer

TRIES = 12  # requests per check, spread over the workers


def _link(person: Any, clock: Any) -> str:
    _person, secret = auth.issue_login_link(person.email, clock.now, minutes=30)
    db.session.commit()
    return secret


def _statuses(server: LiveServer, path: str, **kwargs: Any) -> set[int]:
    """The statuses of ``TRIES`` requests, each on a connection of its own."""
    found = set()
    for _ in range(TRIES):
        with httpx.Client(base_url=server.url, timeout=60, follow_redirects=False) as client:
            found.add(client.get(path, **kwargs).status_code)
    return found


def _page_statuses(browser: Any) -> set[int]:
    return {browser.get("/profile").status_code for _ in range(TRIES)}


def test_revoked_cookies_and_tokens_stop_in_every_worker(
    app: Any, network: dict[str, Any], database_url: str, clock: Any
) -> None:
    people = network["people"]
    headers = network["headers"]
    links = {key: _link(people[key], clock) for key in ("facilitator", "adpc", "stro")}
    amina_id = people["adpc"].id
    db.session.commit()  # no transaction of ours may hold SQLite's lock while workers run
    with LiveServer(database_url, workers=4, access_log=True) as server:
        facilitator, amina, marieke = (server.client() for _ in range(3))
        facilitator.sign_in(links["facilitator"])
        amina.sign_in(links["adpc"])
        marieke.sign_in(links["stro"])
        assert _page_statuses(amina) == {200}
        assert _statuses(server, "/api/v1/me", headers=headers["adpc"]) == {200}

        # A person deactivated on the page: cookie and token stop, and stay stopped.
        url = f"/admin/people/{amina_id}/deactivate"
        done = facilitator.post(url, data={"csrf_token": facilitator.csrf(url)})
        assert done.status_code == 303
        assert _page_statuses(amina) == {302}
        assert _statuses(server, "/api/v1/me", headers=headers["adpc"]) == {401}
        url = f"/admin/people/{amina_id}/reactivate"
        done = facilitator.post(url, data={"csrf_token": facilitator.csrf(url)})
        assert done.status_code == 303
        assert _page_statuses(amina) == {302}
        assert _statuses(server, "/api/v1/me", headers=headers["adpc"]) == {401}

        # A token revoked by its owner through the API.
        with httpx.Client(base_url=server.url) as api:
            mine = api.get("/api/v1/me/tokens", headers=headers["oxfam1"]).json()["items"]
            revoked = api.delete(f"/api/v1/me/tokens/{mine[0]['id']}", headers=headers["oxfam1"])
        assert revoked.status_code == 204
        assert _statuses(server, "/api/v1/me", headers=headers["oxfam1"]) == {401}

        # An organisation deactivated: its people are out while it is inactive.
        with httpx.Client(base_url=server.url) as api:
            off = api.patch(
                "/api/v1/organisations/stro", json={"active": False}, headers=headers["facilitator"]
            )
            assert off.status_code == 200
            assert _page_statuses(marieke) == {302}
            assert _statuses(server, "/api/v1/me", headers=headers["stro"]) == {401}
            on = api.patch(
                "/api/v1/organisations/stro", json={"active": True}, headers=headers["facilitator"]
            )
            assert on.status_code == 200
        assert _page_statuses(marieke) == {200}
        assert _statuses(server, "/api/v1/me", headers=headers["stro"]) == {200}
        for browser in (facilitator, amina, marieke):
            browser.close()
        refusals = server.worker_pids("GET", "/api/v1/me")
        errors = server.server_errors()
    assert sum(1 for statuses in refusals.values() if 401 in statuses) >= 2, refusals
    assert errors == []
