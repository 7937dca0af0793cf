"""Conditional GET for what is polled: the results and participation panels
(pages, and the API's results) carry an ETag and answer 304 while unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.services import ballots

from .helpers import make_decision, option_ids, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

PANEL = {"HX-Request": "true"}


def _revalidate(client: FlaskClient, url: str, headers: dict[str, str]) -> tuple[str, int]:
    """GET ``url``, then again with its ETag: (the ETag, the second status)."""
    first = client.get(url, headers=headers)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    if again.status_code == 304:
        assert again.get_data() == b""
    return etag, again.status_code


def test_panels_answer_304_until_a_ballot_changes_them(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, results_visibility="live")
    sign_in(client, app, people["oxfam1"])
    panels = {
        f"/decisions/{did}/participation": {**PANEL, "HX-Target": "participation-panel"},
        f"/decisions/{did}/results": {**PANEL, "HX-Target": "results-panel"},
    }
    before = {}
    for url, headers in panels.items():
        etag, status = _revalidate(client, url, headers)
        assert status == 304, url
        before[url] = etag
    ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    for url, headers in panels.items():
        changed = client.get(url, headers={**headers, "If-None-Match": before[url]})
        assert changed.status_code == 200, url
        assert changed.headers["ETag"] != before[url]
        assert "1 of " in changed.get_data(as_text=True)


def test_a_panel_is_one_element_with_its_id(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now, results_visibility="live")
    sign_in(client, app, network["people"]["oxfam1"])
    html = client.get(
        f"/decisions/{did}/participation",
        headers={**PANEL, "HX-Target": "participation-panel"},
    ).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="participation-panel"')
    assert "<h1" not in html


def test_the_api_results_answer_304_until_a_ballot_changes_them(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people, headers = network["people"], network["headers"]
    did = make_decision(people["facilitator"], clock.now, results_visibility="live")
    url = f"/api/v1/decisions/{did}/results"
    etag, status = _revalidate(client, url, headers["facilitator"])
    assert status == 304
    put = client.put(
        f"/api/v1/decisions/{did}/ballot",
        json={"option": option_ids(did)[1]},
        headers=headers["stro"],
    )
    assert put.status_code == 200
    changed = client.get(url, headers={**headers["facilitator"], "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["ballots_cast"] == 1


def test_hidden_results_are_not_cached(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people, headers = network["people"], network["headers"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    answer = client.get(f"/api/v1/decisions/{did}/results", headers=headers["facilitator"])
    assert answer.status_code == 403
    assert "ETag" not in answer.headers
