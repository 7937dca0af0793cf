"""Bad values are 400 before a state conflict is 409 (API.md, which error wins)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

API = "/api/v1"


@pytest.mark.parametrize("state", ["open", "closed", "published"])
def test_bad_value_on_a_decision_that_cannot_change_is_400(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    state: str,
) -> None:
    decision = make_decision(state)
    headers = network["headers"]["facilitator"]
    bad = client.patch(f"{API}/decisions/{decision['id']}", json={"quorum": 7}, headers=headers)
    assert bad.status_code == 400
    assert "quorum" in bad.get_json()["error"]["fields"]
    good_but_locked = client.patch(
        f"{API}/decisions/{decision['id']}", json={"quorum": 0.5}, headers=headers
    )
    assert good_but_locked.status_code == 409
    after = client.get(f"{API}/decisions/{decision['id']}", headers=headers).get_json()
    assert after["quorum"] == 0


def test_recording_a_ballot_on_a_draft_is_409(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("draft")
    option = decision["options"][0]["id"]
    response = client.put(
        f"{API}/decisions/{decision['id']}/ballots/adpc",
        json={"option": option, "given_by": "Amina Warsame"},
        headers=network["headers"]["facilitator"],
    )
    assert response.status_code == 409
