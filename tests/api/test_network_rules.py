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


def test_a_consent_decision_has_at_most_one_option(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    """Found by reading the tally for the contract work: a consent decision with
    two options was accepted, and its results answered 500."""
    h = network["headers"]
    headers = h["facilitator"]
    two = [{"label": "A"}, {"label": "B"}]
    created = client.post(
        f"{API}/decisions",
        json={"title": "Consent", "method": "consent", "options": two},
        headers=headers,
    )
    assert created.status_code == 400
    assert "options" in created.get_json()["error"]["fields"]
    draft = make_decision("draft")  # four options
    changed = client.patch(
        f"{API}/decisions/{draft['id']}", json={"method": "consent"}, headers=headers
    )
    assert changed.status_code == 400
    assert "options" in changed.get_json()["error"]["fields"]
    one = client.patch(
        f"{API}/decisions/{draft['id']}",
        json={"method": "consent", "options": [{"label": "The proposal"}]},
        headers=headers,
    )
    assert one.status_code == 200, one.get_json()
    assert client.get(f"{API}/decisions/{draft['id']}/results", headers=headers).status_code == 200
    phase = make_decision("draft", method="consent", options=[], proposals_open=True)
    url = f"{API}/decisions/{phase['id']}/options"
    assert client.post(url, json={"label": "Ours"}, headers=h["adpc"]).status_code == 201
    second = client.post(url, json={"label": "Theirs"}, headers=h["stro"])
    assert second.status_code == 409
    assert client.get(f"{API}/decisions/{phase['id']}/results", headers=headers).status_code == 200


def test_made_slugs_fit_their_64_characters(client: FlaskClient, network: dict[str, Any]) -> None:
    """A long name that slugs to 64 characters, twice: the second slug took a
    suffix past 64 (a 500 on PostgreSQL); a cut could also end in a hyphen."""
    headers = network["headers"]["facilitator"]
    slugs = []
    for name in ("x" * 63 + " a", "x" * 63 + " b", "x" * 64 + " c"):
        created = client.post(f"{API}/organisations", json={"name": name}, headers=headers)
        assert created.status_code == 201, created.get_json()
        slugs.append(created.get_json()["slug"])
    assert slugs == ["x" * 63, "x" * 62 + "-2", "x" * 64]
    # "ﬀ" folds to "ff": 65 characters, cut at 64 right after the hyphen.
    ligature = {"name": "Ligature", "short_name": "x" * 61 + "\ufb00 z"}
    created = client.post(f"{API}/organisations", json=ligature, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["slug"] == "x" * 61 + "ff"
