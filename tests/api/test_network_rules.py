"""Rules of the network that protect one organisation, one ballot."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

API = "/api/v1"


def test_an_organisation_cannot_be_added_twice(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    headers = network["headers"]["facilitator"]
    first = client.post(f"{API}/organisations", json={"name": "Stichting Ümit"}, headers=headers)
    assert first.status_code == 201
    again = client.post(f"{API}/organisations", json={"name": "stichting ümit"}, headers=headers)
    assert again.status_code == 400
    assert "name" in again.get_json()["error"]["fields"]
    names = [o["name"] for o in client.get(f"{API}/organisations", headers=headers).json["items"]]
    assert names.count("Stichting Ümit") == 1


def test_dot_cap_cannot_exceed_the_dots(client: FlaskClient, network: dict[str, Any]) -> None:
    response = client.post(
        f"{API}/decisions",
        json={
            "title": "Learning agenda",
            "method": "dot_vote",
            "dots": 3,
            "dots_per_option": 5,
            "options": [{"label": "A"}, {"label": "B"}],
        },
        headers=network["headers"]["facilitator"],
    )
    assert response.status_code == 400
    assert "dots_per_option" in response.get_json()["error"]["fields"]
