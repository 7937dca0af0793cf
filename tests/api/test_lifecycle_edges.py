"""Lifecycle edges through the API: every transition the lifecycle forbids is a
409 that changes nothing in the database, and the allowed ones at a deadline
do what DESIGN.md says (close at the deadline, not at the click)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, Elector, Event
from tests.dbstate import changed_tables, snapshot

API = "/api/v1"
STATES = ("draft", "open", "closed", "published", "withdrawn")
ALLOWED = {
    "draft": {"open", "withdraw"},
    "open": {"close", "withdraw"},
    "closed": {"publish"},
    "published": set(),
    "withdrawn": set(),
}
TARGET = {"open": "open", "close": "closed", "publish": "published", "withdraw": "withdrawn"}


def _payload(action: str, decision: dict[str, Any]) -> dict[str, Any] | None:
    if action == "publish":
        return {"option": decision["options"][0]["id"], "statement": "Decided again."}
    if action == "withdraw":
        return {"statement": "Withdrawn again."}
    return None


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(TARGET))
def test_each_transition_is_allowed_or_refused_without_a_trace(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    state: str,
    action: str,
) -> None:
    decision = make_decision(state)
    headers = network["headers"]["facilitator"]
    before = snapshot()
    response = client.post(
        f"{API}/decisions/{decision['id']}/{action}",
        json=_payload(action, decision),
        headers=headers,
    )
    if action in ALLOWED[state]:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == TARGET[action]
        stored = db.session.get(Decision, decision["id"])
        assert stored is not None and stored.status == TARGET[action]
        return
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "transition_not_allowed"
    after = snapshot()
    assert after == before, changed_tables(before, after)


def test_opening_a_draft_whose_deadline_has_passed_is_refused_and_changes_nothing(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    decision = make_decision("draft", closes_at=(clock.now + timedelta(hours=1)).isoformat())
    clock.advance(hours=1)  # the deadline is now: not later than now
    before = snapshot()
    response = client.post(
        f"{API}/decisions/{decision['id']}/open", headers=network["headers"]["facilitator"]
    )
    assert response.status_code == 409
    assert "deadline" in response.get_json()["error"]["message"]
    after = snapshot()
    assert after == before, changed_tables(before, after)
    # A minute before the deadline it opens and fixes the electorate.
    later = make_decision("draft", closes_at=(clock.now + timedelta(minutes=1)).isoformat())
    opened = client.post(
        f"{API}/decisions/{later['id']}/open", headers=network["headers"]["facilitator"]
    )
    assert opened.status_code == 200
    electorate = db.session.execute(
        select(Elector.organisation_id).where(Elector.decision_id == later["id"])
    ).scalars()
    orgs = network["orgs"]
    assert sorted(electorate) == sorted(o.id for o in (orgs["adpc"], orgs["oxfam"], orgs["stro"]))


def test_a_decision_with_too_few_options_does_not_open(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("draft", options=[{"label": "Only this"}])
    before = snapshot()
    response = client.post(
        f"{API}/decisions/{decision['id']}/open", headers=network["headers"]["facilitator"]
    )
    assert response.status_code == 409
    assert "at least 2 options" in response.get_json()["error"]["message"]
    assert snapshot() == before


def test_closing_after_the_deadline_closes_at_the_deadline(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    deadline = clock.now + timedelta(days=1)
    decision = make_decision("open", closes_at=deadline.isoformat())
    clock.advance(days=3)
    response = client.post(
        f"{API}/decisions/{decision['id']}/close", headers=network["headers"]["facilitator"]
    )
    assert response.status_code == 200
    stored = db.session.get(Decision, decision["id"])
    assert stored is not None
    assert (stored.status, stored.closed_at) == ("closed", deadline)
    closing = db.session.execute(
        select(Event.data).where(Event.kind == "decision.closed")
    ).scalar_one()
    assert closing == {
        "closed_at": deadline.isoformat().replace("+00:00", "Z"),
        "by": "facilitator",
    }


def test_closing_before_the_deadline_closes_now(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    decision = make_decision("open")
    clock.advance(hours=2)
    response = client.post(
        f"{API}/decisions/{decision['id']}/close", headers=network["headers"]["facilitator"]
    )
    assert response.status_code == 200
    stored = db.session.get(Decision, decision["id"])
    assert stored is not None and stored.closed_at == clock.now


def test_publishing_an_open_decision_past_its_deadline_closes_it_at_the_deadline_first(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    clock: Any,
) -> None:
    deadline = clock.now + timedelta(days=1)
    decision = make_decision("open", closes_at=deadline.isoformat())
    clock.advance(days=2)
    response = client.post(
        f"{API}/decisions/{decision['id']}/publish",
        json={"option": decision["options"][1]["id"], "statement": "Association it is."},
        headers=network["headers"]["facilitator"],
    )
    assert response.status_code == 200, response.get_json()
    stored = db.session.get(Decision, decision["id"])
    assert stored is not None
    assert (stored.status, stored.closed_at, stored.published_at) == (
        "published",
        deadline,
        clock.now,
    )
    assert stored.outcome_option_id == decision["options"][1]["id"]
    assert stored.outcome_statement == "Association it is."
    kinds = db.session.execute(
        select(Event.kind).where(Event.subject == f"decision:{decision['id']}").order_by(Event.id)
    ).scalars()
    assert list(kinds)[-2:] == ["decision.closed", "decision.published"]
    assert (
        stored.published_log_hash
        == db.session.execute(select(Event.hash).order_by(Event.id.desc()).limit(1)).scalar_one()
    )


@pytest.mark.parametrize("option", [True, 0, "1", -1])
def test_publishing_with_an_option_that_is_not_this_decisions_changes_nothing(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    option: Any,
) -> None:
    decision = make_decision("closed")
    other = make_decision("closed")
    headers = network["headers"]["facilitator"]
    for bad in (option, other["options"][0]["id"]):
        before = snapshot()
        response = client.post(
            f"{API}/decisions/{decision['id']}/publish",
            json={"option": bad, "statement": "Decided."},
            headers=headers,
        )
        assert response.status_code == 400, (bad, response.get_json())
        assert snapshot() == before


def test_publishing_without_an_option_records_none(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("closed")
    response = client.post(
        f"{API}/decisions/{decision['id']}/publish",
        json={"option": None, "statement": "No option chosen; we meet again."},
        headers=network["headers"]["facilitator"],
    )
    assert response.status_code == 200
    assert response.get_json()["outcome"] == {
        "option": None,
        "options": [],
        "statement": "No option chosen; we meet again.",
    }


def test_withdrawing_a_draft_keeps_its_statement_and_seals_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("draft")
    response = client.post(
        f"{API}/decisions/{decision['id']}/withdraw",
        json={"statement": "Not needed after all."},
        headers=network["headers"]["facilitator"],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "withdrawn"
    assert body["outcome"]["statement"] == "Not needed after all."
    assert body["ballots_sealed"] is False
    assert body["withdrawn_at"] is not None
