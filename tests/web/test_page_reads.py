"""The most visited reads send few statements: the decision page, its
participation page and the API's decision read what a decision usually lacks
(outcome history, change notes, meetings, declared interests) only when it
has some, counted with its turnout in one statement; the participation page
counts the turnout beside its rows; the results page asks in one statement
whether the reader's organisation cast a ballot and whether the decision has
declared interests or ballots recorded in a meeting
(services/decision_page.py, results.py). And what they show is the same when
those lists have rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.database import is_sqlite
from cop_vote.extensions import db

from .helpers import sign_in
from .test_statement_counts import counting

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"


def _open_decision(client: FlaskClient, network: dict[str, Any], clock: Any) -> int:
    headers = network["headers"]["facilitator"]
    body = {
        "title": "Form of the community of practice",
        "method": "single_choice",
        "options": [{"label": "Foundation"}, {"label": "Association"}],
        "closes_at": (clock.now + timedelta(days=14)).isoformat(),
        "results_visibility": "live",
    }
    created = client.post(f"{API}/decisions", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    did = int(created.get_json()["id"])
    assert client.post(f"{API}/decisions/{did}/open", headers=headers).status_code == 200
    return did


def test_decision_participation_and_api_read_send_few_statements(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = _open_decision(client, network, clock)
    amina = network["people"]["adpc"]
    api = network["headers"]["adpc"]
    assert client.get(f"{API}/me", headers=api).status_code == 200  # the token's first use
    browser = app.test_client()
    sign_in(browser, app, amina)
    db.session.commit()
    # SQLite's transactions begin with a statement of their own (database.py).
    begin = 1 if is_sqlite() else 0
    assert browser.get(f"/decisions/{did}/results").status_code == 200  # counted once, kept
    counted = {}
    for name, send in {
        # Session, decision, own ballot, comments, turnout with the lists' presence.
        "page": lambda: browser.get(f"/decisions/{did}"),
        # Session, decision, the page of the electorate with its turnout.
        "participation": lambda: browser.get(f"/decisions/{did}/participation"),
        # Token, decision, turnout with own ballot and the lists' presence.
        "api": lambda: client.get(f"{API}/decisions/{did}", headers=api),
        # Session, decision, own ballot with the lists' presence (the count is cached).
        "results": lambda: browser.get(f"/decisions/{did}/results"),
    }.items():
        with counting() as seen:
            assert send().status_code == 200
        counted[name] = len(seen) - begin
    assert counted == {"page": 5, "participation": 3, "api": 3, "results": 3}


def test_the_lists_a_decision_has_are_shown(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = _open_decision(client, network, clock)
    facilitator = network["headers"]["facilitator"]
    later = (clock.now + timedelta(days=21)).isoformat()
    changed = client.patch(f"{API}/decisions/{did}", json={"closes_at": later}, headers=facilitator)
    assert changed.status_code == 200, changed.get_json()
    option = changed.get_json()["options"][0]["id"]
    declared = client.post(
        f"{API}/decisions/{did}/interests",
        json={"option": option, "text": "We would host its office."},
        headers=network["headers"]["adpc"],
    )
    assert declared.status_code == 201, declared.get_json()
    answer = client.get(f"{API}/decisions/{did}", headers=network["headers"]["stro"]).get_json()
    assert [c["kind"] for c in answer["changes"]] == ["deadline"]
    assert answer["ballots_cast"] == 0 and answer["eligible"] >= 3
    browser = app.test_client()
    sign_in(browser, app, network["people"]["stro"])
    page = browser.get(f"/decisions/{did}").get_data(as_text=True)
    assert "We would host its office." in page
    assert 'id="interests"' in page
    assert 'class="change-deadline"' in page


def test_results_show_declared_interests_and_recorded_ballots(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = _open_decision(client, network, clock)
    facilitator = network["headers"]["facilitator"]
    option = client.get(f"{API}/decisions/{did}", headers=facilitator).get_json()["options"][0]
    browser = app.test_client()
    sign_in(browser, app, network["people"]["stro"])
    before = browser.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert "We would host its office." not in before
    assert "Its chair, in the meeting" not in before
    declared = client.post(
        f"{API}/decisions/{did}/interests",
        json={"option": option["id"], "text": "We would host its office."},
        headers=network["headers"]["adpc"],
    )
    assert declared.status_code == 201, declared.get_json()
    recorded = client.put(
        f"{API}/decisions/{did}/ballots/adpc",
        json={"option": option["id"], "given_by": "Its chair, in the meeting"},
        headers=facilitator,
    )
    assert recorded.status_code == 200, recorded.get_json()
    page = browser.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert "We would host its office." in page
    assert "Its chair, in the meeting" in page
