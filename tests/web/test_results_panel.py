"""The results panel is rendered once per change of what it shows and kept
(web/results_pages.py): whatever changes, the kept panel a reader gets is the
one a fresh render gives, and every reader allowed to see it gets the same.

Each step changes one thing the panel shows, through the API as a client
would; after it, the panel served from what is kept is compared with one
rendered after forgetting everything kept (``tally_cache.clear``), for a
Dutch and an English reader."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.services import tally_cache

from .helpers import sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"
#: An htmx request for the panel alone (its polling).
PANEL = {"HX-Request": "true", "HX-Target": "results-panel"}


def _opened(client: FlaskClient, facilitator: dict[str, str], clock: Any, **fields: Any) -> Any:
    """An open single-choice decision made through the API: its JSON."""
    body = {"method": "single_choice", "closes_at": (clock.now + timedelta(days=14)).isoformat()}
    created = client.post(f"{API}/decisions", json={**body, **fields}, headers=facilitator)
    assert created.status_code == 201, created.get_json()
    did = created.get_json()["id"]
    assert client.post(f"{API}/decisions/{did}/open", headers=facilitator).status_code == 200
    return created.get_json()


def _caller(client: FlaskClient, headers: dict[str, Any]) -> Callable[..., None]:
    """``call(method, path, body, who)``: an API request that must succeed."""

    def call(method: str, path: str, body: dict[str, Any], who: str = "facilitator") -> None:
        answer = client.open(f"{API}{path}", method=method, json=body, headers=headers[who])
        assert answer.status_code in (200, 201), answer.get_json()

    return call


def test_the_kept_panel_is_the_fresh_one_after_every_change(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    headers = network["headers"]
    facilitator = headers["facilitator"]
    decision = _opened(
        client,
        facilitator,
        clock,
        title="Form of the community of practice",
        options=[{"label": "Foundation"}, {"label": "Association"}],
        results_visibility="live",
    )
    did = decision["id"]
    foundation, association = (o["id"] for o in decision["options"])

    readers = {}
    for who, language in (("stro", "nl"), ("oxfam1", "en")):
        browser = app.test_client()
        sign_in(browser, app, network["people"][who])
        if language == "en":
            browser.get("/?lang=en")
        readers[who] = browser

    def panel(who: str) -> str:
        answer = readers[who].get(f"/decisions/{did}/results", headers=PANEL)
        assert answer.status_code == 200
        return answer.get_data(as_text=True)

    def same_as_fresh(seen: str) -> None:
        kept = {who: panel(who) for who in readers}
        again = {who: panel(who) for who in readers}  # now certainly from what is kept
        tally_cache.clear()
        fresh = {who: panel(who) for who in readers}
        assert kept == again == fresh
        assert seen in fresh["stro"] + fresh["oxfam1"]

    call = _caller(client, headers)

    steps: list[tuple[Callable[[], None], str]] = [
        (lambda: None, "Foundation"),
        (lambda: call("PUT", f"/decisions/{did}/ballot", {"option": foundation}, "adpc"), "1"),
        (
            lambda: call("PUT", f"/decisions/{did}/ballot", {"option": association}, "adpc"),
            "Association",
        ),
        (
            lambda: call(
                "POST",
                f"/decisions/{did}/interests",
                {"option": foundation, "text": "We would host its office."},
                "stro",
            ),
            "We would host its office.",
        ),
        (
            lambda: call(
                "PUT",
                f"/decisions/{did}/ballots/stro",
                {"option": foundation, "given_by": "Its chair, in the meeting"},
            ),
            "Its chair, in the meeting",
        ),
        (
            lambda: call(
                "PATCH",
                f"/decisions/{did}",
                {"options": [{"id": foundation, "label": "A foundation (stichting)"}]},
            ),
            "A foundation (stichting)",
        ),
        (
            lambda: call(
                "PATCH",
                f"/decisions/{did}",
                {
                    "options": [
                        {
                            "id": association,
                            "translations": {"en": {"label": "An association, in English"}},
                        }
                    ]
                },
            ),
            "An association, in English",
        ),
        (lambda: call("POST", f"/decisions/{did}/close", {}), "closed"),
    ]
    for change, seen in steps:
        change()
        same_as_fresh(seen)


def test_the_kept_participation_panel_is_the_fresh_one_after_every_change(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    headers = network["headers"]
    facilitator = headers["facilitator"]
    decision = _opened(
        client,
        facilitator,
        clock,
        title="A date for the follow-up meeting",
        options=[{"label": "In January"}, {"label": "In February"}],
    )
    did, january = decision["id"], decision["options"][0]["id"]
    readers = {}
    for who in ("stro", "facilitator"):
        browser = app.test_client()
        sign_in(browser, app, network["people"][who])
        readers[who] = browser

    def panels() -> dict[str, str]:
        found = {}
        for who, browser in readers.items():
            answer = browser.get(
                f"/decisions/{did}/participation",
                headers={"HX-Request": "true", "HX-Target": "participation-panel"},
            )
            assert answer.status_code == 200
            found[who] = answer.get_data(as_text=True)
        return found

    call = _caller(client, headers)

    remind = f"/admin/decisions/{did}/remind"
    for change, seen in [
        (lambda: None, "Social Trade Organisation"),
        (lambda: call("PUT", f"/decisions/{did}/ballot", {"option": january}, "adpc"), "1"),
        (
            lambda: call("PATCH", "/organisations/stro", {"name": "Social Trade Organisation NL"}),
            "Social Trade Organisation NL",
        ),
    ]:
        change()
        kept, again = panels(), panels()
        tally_cache.clear()
        fresh = panels()
        assert kept == again == fresh
        assert seen in fresh["stro"]
        # Only a facilitator is offered the reminders.
        assert remind in fresh["facilitator"] and remind not in fresh["stro"]
