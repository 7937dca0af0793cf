"""Helpers for the API tests: a decision made through the API, in any state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

API = "/api/v1"


def iso(value: Any) -> str:
    """An aware datetime as ISO 8601 with its offset."""
    return value.isoformat()


@pytest.fixture
def make_decision(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> Callable[..., dict[str, Any]]:
    """Factory: ``make_decision(state="open", method="single_choice", **fields)``
    creates a decision through the API as the facilitator and moves it to ``state``
    (``draft``, ``open``, ``closed``, ``published`` or ``withdrawn``)."""

    def make(state: str = "open", **fields: Any) -> dict[str, Any]:
        headers = network["headers"]["facilitator"]
        body: dict[str, Any] = {
            "title": "Form of the community of practice",
            "method": "single_choice",
            "options": [
                {"label": "Foundation"},
                {"label": "Association"},
                {"label": "Network without legal form"},
                {"label": "Cooperative"},
            ],
            "closes_at": iso(clock.now + timedelta(days=14)),
        }
        body.update(fields)
        response = client.post(f"{API}/decisions", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        decision = response.get_json()
        did = decision["id"]
        steps = {
            "draft": [],
            "open": ["open"],
            "closed": ["open", "close"],
            "published": ["open", "close", "publish"],
            "withdrawn": ["withdraw"],
        }[state]
        for step in steps:
            payload: dict[str, Any] | None = None
            if step == "publish":
                payload = {
                    "option": decision["options"][0]["id"] if decision["options"] else None,
                    "statement": "Decided.",
                }
            if step == "withdraw":
                payload = {"statement": "Not needed."}
            response = client.post(f"{API}/decisions/{did}/{step}", json=payload, headers=headers)
            assert response.status_code == 200, response.get_json()
            decision = response.get_json()
        return decision

    return make
