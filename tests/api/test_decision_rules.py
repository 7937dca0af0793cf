"""Declared majority rules, results by kind and declared interests through the
API (issue 10, parts 10 and 11): a two-thirds rule of the ballots cast is met
at exactly two thirds and not one ballot below, on both sides of abstentions
as its base says; a double majority fails in words where the winner does not
lead; interests are declared, shown with the results and withdrawn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.models import Event, Organisation, Person

from .conftest import API


@pytest.fixture
def fourth(
    network: dict[str, Any],
    make_org: Callable[..., Organisation],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> dict[str, str]:
    """A fourth member organisation, a knowledge institute, with its headers."""
    ids = make_org("ids", kind="knowledge", name="Institute of Development Studies")
    person = make_person(ids, name="Ravi Menon", email="ravi@ids.example.org")
    db.session.commit()
    return token_for(person)


def _vote(client: FlaskClient, did: int, headers: dict[str, str], body: dict[str, Any]) -> None:
    response = client.put(f"{API}/decisions/{did}/ballot", headers=headers, json=body)
    assert response.status_code == 200, response.get_json()


def _results(client: FlaskClient, did: int, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"{API}/decisions/{did}/results", headers=headers)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_two_thirds_of_the_ballots_cast_is_met_at_exactly_two_thirds(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    fourth: dict[str, str],
) -> None:
    h = network["headers"]
    decision = make_decision("open", majority_rule="two_thirds", majority_base="cast")
    assert (decision["majority_rule"], decision["majority_base"]) == ("two_thirds", "cast")
    did, first = decision["id"], decision["options"][0]["id"]
    _vote(client, did, h["adpc"], {"option": first})
    _vote(client, did, h["oxfam1"], {"option": first})
    _vote(client, did, h["stro"], {"abstain": True})
    # 2 of 3 ballots cast: exactly two thirds.
    results = _results(client, did, h["facilitator"])
    assert results["rule"] == {"met": True, "option": first, "reasons": []}
    # One more abstention: 2 of 4, below two thirds (3 needed).
    _vote(client, did, fourth, {"abstain": True})
    results = _results(client, did, h["facilitator"])
    assert results["rule"]["met"] is False and results["rule"]["option"] is None
    assert results["rule"]["reasons"] == [
        "Not carried: Foundation has the support of 2 of 4 organisations; 3 needed for "
        "a two-thirds majority (at least two thirds) of the ballots cast, abstentions included."
    ]
    # The same ballots when abstentions stay out of the base: 2 of 2.
    other = make_decision("open", majority_rule="two_thirds", majority_base="option_ballots")
    oid, option = other["id"], other["options"][0]["id"]
    for headers in (h["adpc"], h["oxfam1"]):
        _vote(client, oid, headers, {"option": option})
    for headers in (h["stro"], fourth):
        _vote(client, oid, headers, {"abstain": True})
    assert _results(client, oid, h["facilitator"])["rule"]["met"] is True


def test_a_double_majority_fails_where_the_winner_does_not_lead(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    decision = make_decision("open", double_majority=["diaspora", "ngo"])
    assert decision["double_majority"] == ["diaspora", "ngo"]
    did = decision["id"]
    first, second = (o["id"] for o in decision["options"][:2])
    _vote(client, did, h["oxfam1"], {"option": first})
    _vote(client, did, h["stro"], {"option": first})
    _vote(client, did, h["adpc"], {"option": second})
    results = _results(client, did, h["facilitator"])
    assert results["winners"] == [first]
    assert results["rule"]["met"] is False
    assert results["rule"]["reasons"] == [
        "Not carried among diaspora organisations: Foundation does not lead there, "
        "and this decision requires a double majority."
    ]
    kinds = {row["kind"]: row for row in results["by_kind"]}
    assert kinds["ngo"] == {
        "kind": "ngo",
        "eligible": 2,
        "ballots": 2,
        "shown": True,
        "winners": [first],
        "tie": False,
        "leads": True,
    }
    assert kinds["diaspora"]["winners"] == [second] and kinds["diaspora"]["leads"] is False
    assert "facilitator" not in kinds  # PSO does not vote: not in the electorate


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"majority_rule": "most"}, "majority_rule"),
        ({"majority_base": "people"}, "majority_base"),
        ({"majority_rule": "fraction"}, "majority_share"),
        ({"majority_rule": "fraction", "majority_share": "3/2"}, "majority_share"),
        ({"majority_rule": "absolute", "majority_share": "1/2"}, "majority_share"),
        ({"method": "dot_vote", "majority_rule": "absolute"}, "majority_rule"),
        ({"double_majority": ["people"]}, "double_majority"),
        ({"method": "discussion", "options": [], "double_majority": ["ngo"]}, "double_majority"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_made(
    client: FlaskClient, network: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    h = network["headers"]["facilitator"]
    before = client.get(f"{API}/decisions", headers=h).get_json()["items"]
    data = {"title": "Rules", "method": "single_choice", "options": [{"label": "A"}], **body}
    response = client.post(f"{API}/decisions", headers=h, json=data)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert client.get(f"{API}/decisions", headers=h).get_json()["items"] == before


def test_a_share_rule_is_kept_exactly_and_the_defaults_keep_todays_rule(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    plain = make_decision("draft")
    assert (plain["majority_rule"], plain["majority_base"]) == ("relative", "option_ballots")
    assert plain["majority_share"] is None and plain["double_majority"] == []
    h = network["headers"]["facilitator"]
    response = client.patch(
        f"{API}/decisions/{plain['id']}",
        headers=h,
        json={"majority_rule": "fraction", "majority_share": "0.6", "majority_base": "electorate"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["majority_share"] == "3/5"


def test_an_interest_is_declared_shown_with_the_results_and_withdrawn(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did, option = decision["id"], decision["options"][1]["id"]
    url = f"{API}/decisions/{did}/interests"
    response = client.post(
        url, headers=h["oxfam1"], json={"option": option, "text": "We would host it."}
    )
    assert response.status_code == 201, response.get_json()
    declared = response.get_json()
    assert (declared["option"], declared["organisation"]) == (option, "oxfam-novib")
    # A colleague rewords the organisation's one declaration for the option.
    response = client.post(
        url, headers=h["oxfam2"], json={"option": option, "text": "We would host the office."}
    )
    assert response.status_code == 201
    items = client.get(url, headers=h["observer"]).get_json()["items"]
    assert [(i["organisation"], i["text"]) for i in items] == [
        ("oxfam-novib", "We would host the office.")
    ]
    assert _results(client, did, h["facilitator"])["interests"] == items
    assert (
        client.post(url, headers=h["observer"], json={"option": option, "text": "x"}).status_code
        == 403
    )
    bad = client.post(url, headers=h["adpc"], json={"option": option, "text": " "})
    assert bad.status_code == 400 and "text" in bad.get_json()["error"]["fields"]
    assert client.delete(f"{url}/{option}", headers=h["adpc"]).status_code == 404
    assert client.delete(f"{url}/{option}", headers=h["oxfam1"]).status_code == 204
    assert client.get(url, headers=h["observer"]).get_json()["items"] == []
    kinds = [e.kind for e in db.session.query(Event).filter(Event.subject == f"decision:{did}")]
    assert kinds.count("interest.declared") == 2 and kinds.count("interest.withdrawn") == 1
    # Closed: nothing more is declared or withdrawn.
    client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"])
    late = client.post(url, headers=h["oxfam1"], json={"option": option, "text": "Late."})
    assert late.status_code == 409


def test_a_secret_decisions_small_kind_is_too_few_to_show(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
    make_org: Callable[..., Organisation],
    make_person: Callable[..., Person],
    token_for: Callable[[Person], dict[str, str]],
) -> None:
    h = dict(network["headers"])
    for slug in ("cordaid", "icco"):
        org = make_org(slug, kind="ngo")
        h[slug] = token_for(make_person(org, email=f"rep@{slug}.example.org"))
    ids = make_org("ids", kind="knowledge")
    h["ids"] = token_for(make_person(ids, email="rep@ids.example.org"))
    db.session.commit()
    decision = make_decision("open", ballot_secrecy="secret")
    did, first = decision["id"], decision["options"][0]["id"]
    for key in ("oxfam1", "stro", "cordaid", "icco", "adpc", "ids"):
        _vote(client, did, h[key], {"option": first})
    assert client.post(f"{API}/decisions/{did}/close", headers=h["facilitator"]).status_code == 200
    rows = {r["kind"]: r for r in _results(client, did, h["adpc"])["by_kind"]}
    # 4 NGOs are shown; one diaspora and one knowledge ballot are too few.
    assert rows["ngo"]["shown"] is True and rows["ngo"]["leads"] is True
    for kind in ("diaspora", "knowledge"):
        assert rows[kind] == {
            "kind": kind,
            "eligible": 1,
            "ballots": 1,
            "shown": False,
            "winners": None,
            "tie": None,
            "leads": None,
        }
