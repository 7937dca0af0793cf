"""One organisation, one ballot: representatives and size never weigh on the count."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from .conftest import API


def test_two_representatives_weigh_as_one(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("open", results_visibility="live")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    h = network["headers"]
    url = f"{API}/decisions/{did}/ballot"
    # Oxfam has two representatives; both change the one ballot of Oxfam.
    assert client.put(url, headers=h["oxfam1"], json={"option": options[0]}).status_code == 200
    response = client.put(url, headers=h["oxfam2"], json={"option": options[1]})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert client.put(url, headers=h["adpc"], json={"option": options[2]}).status_code == 200

    results = client.get(f"{API}/decisions/{did}/results", headers=h["adpc"]).get_json()
    votes = {o["id"]: o["votes"] for o in results["options"]}
    assert votes == {options[0]: 0, options[1]: 1, options[2]: 1, options[3]: 0}
    assert results["ballots_cast"] == 2 and results["eligible"] == 3
    assert results["tie"] is True and sorted(results["winners"]) == sorted(options[1:3])
    detail = client.get(f"{API}/decisions/{did}", headers=h["oxfam1"]).get_json()
    assert detail["ballots_cast"] == 2
    # Both representatives see the same ballot of their organisation.
    mine = client.get(url, headers=h["oxfam1"]).get_json()
    assert mine == client.get(url, headers=h["oxfam2"]).get_json()
    assert mine["organisation"] == "oxfam-novib" and mine["ballot"] == {"option": options[1]}


def test_comments_do_not_weigh(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("open", results_visibility="live")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    h = network["headers"]
    for _ in range(5):
        assert (
            client.post(
                f"{API}/decisions/{did}/comments",
                headers=h["oxfam1"],
                json={"body": "Foundation!", "option": options[0]},
            ).status_code
            == 201
        )
    client.put(f"{API}/decisions/{did}/ballot", headers=h["oxfam1"], json={"option": options[0]})
    client.put(f"{API}/decisions/{did}/ballot", headers=h["stro"], json={"option": options[1]})
    results = client.get(f"{API}/decisions/{did}/results", headers=h["stro"]).get_json()
    assert {o["id"]: o["votes"] for o in results["options"]}[options[0]] == 1
    assert results["tie"] is True


def test_deactivation_after_voting_changes_no_published_count(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("open")
    did, options = decision["id"], [o["id"] for o in decision["options"]]
    h = network["headers"]
    fac = h["facilitator"]
    for key, option in (("adpc", 0), ("oxfam1", 0), ("stro", 1)):
        assert (
            client.put(
                f"{API}/decisions/{did}/ballot", headers=h[key], json={"option": options[option]}
            ).status_code
            == 200
        )
    assert client.post(f"{API}/decisions/{did}/close", headers=fac).status_code == 200
    assert (
        client.post(
            f"{API}/decisions/{did}/publish",
            headers=fac,
            json={"option": options[0], "statement": "Foundation."},
        ).status_code
        == 200
    )
    before = client.get(f"{API}/decisions/{did}/results", headers=fac).get_json()
    before_detail = client.get(f"{API}/decisions/{did}", headers=fac).get_json()

    # Deactivate a representative who voted and the organisation of another.
    idris = network["people"]["oxfam1"].id
    response = client.patch(f"{API}/people/{idris}", headers=fac, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    response = client.patch(f"{API}/organisations/stro", headers=fac, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False

    after = client.get(f"{API}/decisions/{did}/results", headers=fac).get_json()
    assert after == before
    detail = client.get(f"{API}/decisions/{did}", headers=fac).get_json()
    assert detail["eligible"] == before_detail["eligible"] == 3
    assert detail["ballots_cast"] == before_detail["ballots_cast"] == 3
    assert detail["outcome"] == before_detail["outcome"]

    # The deactivated person's token no longer works; every other route still answers.
    assert client.get(f"{API}/me", headers=h["oxfam1"]).status_code == 401
    lotte = h["oxfam2"]
    assert client.get(f"{API}/decisions/{did}/ballot", headers=lotte).status_code == 200
    assert client.get(f"{API}/decisions/{did}/comments", headers=lotte).status_code == 200
    assert client.get(f"{API}/decisions", headers=lotte).status_code == 200
    # The deactivated organisation's representative is out while it is inactive
    # (hardening: no sign-in, no token); its ballot still counts, as above.
    assert client.get(f"{API}/decisions/{did}", headers=h["stro"]).status_code == 401
    assert client.get(f"{API}/decisions/{did}/results", headers=h["stro"]).status_code == 401
    people = client.get(f"{API}/people", headers=fac).get_json()["items"]
    assert any(p["id"] == idris and p["active"] is False for p in people)
    orgs = client.get(f"{API}/organisations", headers=fac).get_json()["items"]
    assert any(o["slug"] == "stro" and o["active"] is False for o in orgs)
    members_view = client.get(f"{API}/organisations", headers=lotte).get_json()["items"]
    assert "stro" not in {o["slug"] for o in members_view}

    # A decision opened now leaves the inactive organisation out of its electorate.
    later = make_decision("open")
    assert later["eligible"] == 2
