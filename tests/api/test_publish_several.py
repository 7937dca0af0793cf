"""Several options published (issue 10, part 5), through the API with a token:
a dot vote that selects 3 ranks its options by dots, reports a tie at the
boundary of the selection, and publishes 3 options in their order; the single
``option`` of a publication works as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from .conftest import API

QUESTIONS = ["Remittances", "Return migration", "Youth", "Trade", "Climate"]
#: Dots per representative: Remittances 3, Youth 3, Trade 2, Climate 1 (no tie
#: at the boundary of 3), and one where three options tie for the third place.
NO_TIE = {
    "adpc": {"Youth": 3},
    "oxfam1": {"Remittances": 2, "Trade": 1},
    "stro": {"Remittances": 1, "Trade": 1, "Climate": 1},
}
BOUNDARY_TIE = {
    "adpc": {"Youth": 3},
    "oxfam1": {"Remittances": 2, "Trade": 1},
    "stro": {"Remittances": 1, "Climate": 1, "Return migration": 1},
}


def _dot_vote(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    dots: dict[str, dict[str, int]],
    selects: int = 3,
) -> tuple[int, dict[str, int]]:
    """An open dot vote on the five learning questions, ``dots`` placed per
    organisation (``{"adpc": {"Youth": 2}}``), then closed."""
    decision = make_decision(
        "open",
        method="dot_vote",
        dots=3,
        selects=selects,
        options=[{"label": label} for label in QUESTIONS],
    )
    did = decision["id"]
    ids = {o["label"]: o["id"] for o in decision["options"]}
    h = network["headers"]
    for org, placed in dots.items():
        body = {"dots": {str(ids[label]): n for label, n in placed.items()}}
        response = client.put(f"{API}/decisions/{did}/ballot", headers=h[org], json=body)
        assert response.status_code == 200, response.get_json()
    response = client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"])
    assert response.status_code == 200, response.get_json()
    return did, ids


def test_a_dot_vote_selecting_3_ranks_by_dots_and_publishes_3_ordered_options(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did, ids = _dot_vote(client, network, make_decision, NO_TIE)
    h = network["headers"]
    results = client.get(f"{API}/decisions/{did}/results", headers=h["facilitator"]).get_json()
    assert results["selects"] == 3
    places = [(r["id"], r["place"]) for r in results["ranking"]]
    # Sorted by dots; level options share a place and keep their order.
    assert places == [
        (ids["Remittances"], 1),
        (ids["Youth"], 1),
        (ids["Trade"], 3),
        (ids["Climate"], 4),
        (ids["Return migration"], 5),
    ]
    assert results["selected"] == [ids["Remittances"], ids["Youth"], ids["Trade"]]
    assert results["boundary_tie"] == [] and results["places_left"] == 0

    chosen = [ids["Youth"], ids["Remittances"], ids["Trade"]]
    response = client.post(
        f"{API}/decisions/{did}/publish",
        headers=h["facilitator"],
        json={"options": chosen, "statement": "The plan takes up these three questions."},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "published"
    assert body["selects"] == 3
    assert body["outcome"]["options"] == chosen
    assert body["outcome"]["option"] == ids["Youth"]  # the single field: the first
    [entry] = body["outcome_history"]
    assert entry["kind"] == "published" and entry["options"] == chosen
    assert entry["reason"] is None
    # A member reads the same ordered selection.
    seen = client.get(f"{API}/decisions/{did}", headers=h["stro"]).get_json()
    assert seen["outcome"]["options"] == chosen
    listed = client.get(f"{API}/decisions", headers=h["stro"]).get_json()["items"]
    assert [d["outcome"]["options"] for d in listed if d["id"] == did] == [chosen]


def test_a_tie_at_the_boundary_is_reported_and_not_broken(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did, ids = _dot_vote(client, network, make_decision, BOUNDARY_TIE)
    results = client.get(
        f"{API}/decisions/{did}/results", headers=network["headers"]["facilitator"]
    ).get_json()
    # Remittances 3, Youth 3, then three options with 1 dot for the last place.
    assert results["selected"] == [ids["Remittances"], ids["Youth"]]
    assert results["boundary_tie"] == [ids["Return migration"], ids["Trade"], ids["Climate"]]
    assert results["places_left"] == 1


def test_publishing_more_options_than_selected_is_refused_and_changes_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    did, ids = _dot_vote(client, network, make_decision, {"adpc": {"Youth": 3}})
    h = network["headers"]["facilitator"]
    four = [ids[q] for q in QUESTIONS[:4]]
    for body, field in (
        ({"options": four, "statement": "All."}, "options"),
        ({"options": [ids["Youth"], ids["Youth"]], "statement": "Twice."}, "options"),
        ({"options": [ids["Youth"], 999999], "statement": "Unknown."}, "options.1"),
        ({"options": "Youth", "statement": "Not a list."}, "options"),
        ({"option": ids["Trade"], "options": [ids["Youth"]], "statement": "Both."}, "option"),
    ):
        response = client.post(f"{API}/decisions/{did}/publish", headers=h, json=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"]["fields"], response.get_json()
    again = client.get(f"{API}/decisions/{did}", headers=h).get_json()
    assert again["status"] == "closed" and again["outcome"] is None
    assert again["outcome_history"] == []


def test_the_single_option_field_publishes_as_before(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    decision = make_decision("closed")
    first = decision["options"][0]["id"]
    response = client.post(
        f"{API}/decisions/{decision['id']}/publish",
        headers=network["headers"]["facilitator"],
        json={"option": first, "statement": "Decided."},
    )
    assert response.status_code == 200
    outcome = response.get_json()["outcome"]
    assert outcome == {"option": first, "options": [first], "statement": "Decided."}
    assert response.get_json()["selects"] == 1
    none = make_decision("closed")
    response = client.post(
        f"{API}/decisions/{none['id']}/publish",
        headers=network["headers"]["facilitator"],
        json={"option": None, "statement": "None of them."},
    )
    assert response.get_json()["outcome"] == {
        "option": None,
        "options": [],
        "statement": "None of them.",
    }


def test_selects_is_validated_for_the_method_and_the_options(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]["facilitator"]
    base = {"title": "Priorities", "options": [{"label": "A"}, {"label": "B"}]}
    for body in (
        {**base, "method": "ranked", "selects": 2},
        {**base, "method": "consent", "options": [{"label": "A"}], "selects": 2},
        {**base, "method": "dot_vote", "selects": 0},
        {**base, "method": "dot_vote", "selects": 101},
        {**base, "method": "dot_vote", "selects": "3"},
    ):
        response = client.post(f"{API}/decisions", headers=h, json=body)
        assert response.status_code == 400, body
        assert "selects" in response.get_json()["error"]["fields"]
    for method in ("single_choice", "approval", "score", "dot_vote"):
        response = client.post(
            f"{API}/decisions", headers=h, json={**base, "method": method, "selects": 2}
        )
        assert response.status_code == 201, method
        assert response.get_json()["selects"] == 2
    # A draft that selects 3 of 2 options cannot open; changing the method to
    # one that selects a single option is refused while it selects several.
    draft = client.post(
        f"{API}/decisions", headers=h, json={**base, "method": "approval", "selects": 3}
    ).get_json()
    response = client.post(f"{API}/decisions/{draft['id']}/open", headers=h)
    assert response.status_code == 409
    assert "selects 3 options" in response.get_json()["error"]["message"]
    response = client.patch(f"{API}/decisions/{draft['id']}", headers=h, json={"method": "ranked"})
    assert response.status_code == 400 and "selects" in response.get_json()["error"]["fields"]
    # Open, selects cannot change.
    opened = make_decision("open", method="approval", selects=2)
    response = client.patch(f"{API}/decisions/{opened['id']}", headers=h, json={"selects": 1})
    assert response.status_code == 409
