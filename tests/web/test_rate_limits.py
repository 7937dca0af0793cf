"""Rate limits on sign-in, link requests, ballot, comment and report writes (pages and API).

Each test runs its own app with the limits on and counts in memory (the
ordinary ``app`` fixture has them off); ``tests/races/test_rate_limit_redis.py``
shows the count shared by several worker processes through Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote import ratelimits
from cop_vote.extensions import db
from cop_vote.services import auth as auth_service

from .conftest import FreshClient
from .helpers import csrf_token, make_decision, option_ids, post_form, request_link, sign_in

API = "/api/v1"


def _per_minute(limit: str) -> int:
    """The per-minute count of a limit string such as ``"30/minute;300/hour"``."""
    return int(limit.split(";")[0].split("/")[0])


@pytest.fixture
def limited(app: Flask) -> Iterator[Flask]:
    """The app with rate limits on, counting in this process's memory."""
    from cop_vote import create_app

    limited = create_app(
        {**app.config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    )
    limited.test_client_class = FreshClient
    with limited.app_context():
        yield limited
        db.session.remove()
        db.engine.dispose()  # close its connections now, not when garbage-collected


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _token(person: Any, now: Any) -> dict[str, str]:
    _p, token = auth_service.issue_api_token(person.email, now)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _is_limited_page(response: Any) -> None:
    assert response.status_code == 429
    assert "<h1>Too many requests</h1>" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def _is_limited_json(response: Any) -> None:
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0


def test_a_representative_changing_the_ballot_often_is_never_stopped(
    limited: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    options = option_ids(decision_id)
    client = _client(limited)
    sign_in(client, limited, people["adpc"])
    headers = _token(people["adpc"], clock.now)
    page = f"/decisions/{decision_id}"
    for n in range(12):  # a dozen changes in a minute, page and API alternating
        if n % 2:
            response = client.put(
                f"{API}{page}/ballot", json={"option": options[n % 3]}, headers=headers
            )
            assert response.status_code == 200, response.get_json()
            # "Come back later" belongs to a refusal, not to a success.
            assert "Retry-After" not in response.headers
        else:
            html = client.get(page).get_data(as_text=True)
            version = html.split('name="version" value="')[1].split('"')[0]
            data = {"csrf_token": csrf_token(html), "option": options[n % 3], "version": version}
            response = client.post(f"{page}/ballot", data=data)
            assert response.status_code == 303, response.status_code


def test_ballot_writes_are_limited_per_person_across_page_and_api(
    limited: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first = option_ids(decision_id)[0]
    client = _client(limited)
    sign_in(client, limited, people["adpc"])
    headers = _token(people["adpc"], clock.now)
    url = f"{API}/decisions/{decision_id}/ballot"
    allowed = _per_minute(ratelimits.BALLOT_WRITES)
    codes = [
        client.put(url, json={"option": first}, headers=headers).status_code for _ in range(allowed)
    ]
    assert codes == [200] * allowed
    _is_limited_json(client.put(url, json={"option": first}, headers=headers))
    # The page is the same door for the count: limited too, with the site's page.
    page = f"/decisions/{decision_id}"
    _is_limited_page(post_form(client, page, f"{page}/ballot", {"option": str(first)}))
    # Another organisation's representative is not.
    other = _token(people["stro"], clock.now)
    assert client.put(url, json={"option": first}, headers=other).status_code == 200


def test_comment_writes_are_limited_and_a_facilitators_review_is_not(
    limited: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    client = _client(limited)
    sign_in(client, limited, people["adpc"])
    page = f"/decisions/{decision_id}"
    allowed = _per_minute(ratelimits.COMMENT_WRITES)
    for n in range(allowed - 1):
        response = post_form(client, page, f"{page}/comments", {"body": f"Point {n}."})
        assert response.status_code == 303
    headers = _token(people["adpc"], clock.now)
    url = f"{API}/decisions/{decision_id}/comments"
    created = client.post(url, json={"body": "Last one."}, headers=headers)
    assert created.status_code == 201
    _is_limited_json(client.post(url, json={"body": "One more."}, headers=headers))
    _is_limited_page(post_form(client, page, f"{page}/comments", {"body": "And more."}))
    review = _token(people["facilitator"], clock.now)
    comment = created.get_json()["id"]
    for _ in range(allowed + 1):
        response = client.patch(
            f"{API}/comments/{comment}", json={"review": "reviewed"}, headers=review
        )
        assert response.status_code == 200


def test_reports_are_limited(limited: Flask, network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    author = _token(people["adpc"], clock.now)
    url = f"{API}/decisions/{decision_id}/comments"
    client = _client(limited)
    comment = client.post(url, json={"body": "Report me."}, headers=author).get_json()["id"]
    reporter = _token(people["stro"], clock.now)
    allowed = _per_minute(ratelimits.REPORT_WRITES)
    codes = [
        client.post(f"{API}/comments/{comment}/report", json={"reason": "r"}, headers=reporter)
        for _ in range(allowed)
    ]
    assert [c.status_code for c in codes] == [201] + [409] * (allowed - 1)
    _is_limited_json(
        client.post(f"{API}/comments/{comment}/report", json={"reason": "r"}, headers=reporter)
    )
    sign_in(client, limited, people["stro"])
    report_page = f"/comments/{comment}/report"
    assert client.get(report_page).status_code == 200  # reading the form is not a write
    _is_limited_page(post_form(client, report_page, report_page, {"reason": "again"}))


def test_link_requests_are_limited_per_client_as_well_as_per_address(
    limited: Flask, network: dict[str, Any]
) -> None:
    client = _client(limited)
    allowed = _per_minute(ratelimits.LINK_REQUESTS_PER_CLIENT)
    codes = [request_link(client, f"nobody{n}@example.org").status_code for n in range(allowed)]
    assert codes == [302] * allowed
    _is_limited_page(request_link(client, "nobody-else@example.org"))


def test_signing_in_is_limited_per_client(limited: Flask, network: dict[str, Any]) -> None:
    client = _client(limited)
    page = client.get("/auth/link/not-a-link")  # a confirm page to take a CSRF token from
    assert page.status_code == 410
    token = csrf_token(page.get_data(as_text=True))
    allowed = _per_minute(ratelimits.SIGN_INS)
    for n in range(allowed):
        response = client.post(f"/auth/link/wrong-{n}", data={"csrf_token": token})
        assert response.status_code == 410
    _is_limited_page(client.post("/auth/link/wrong-again", data={"csrf_token": token}))
