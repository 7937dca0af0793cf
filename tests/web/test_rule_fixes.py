"""What a new user found in the declared rules and the results by kind: a
secret double majority over a kind with too few ballots says nothing of them;
an organisation's kind is the one it had at opening; a double majority over
a kind with no organisation in the electorate does not open."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote import clock
from cop_vote.extensions import db
from cop_vote.models import Decision, Organisation, Person
from cop_vote.services import transitions
from cop_vote.services.ballots import cast_ballot

from .helpers import make_decision, option_ids
from .helpers import sign_in as member_sign_in

API = "/api/v1"
TOO_FEW = (
    "Not carried: too few ballots among diaspora organisations to check the double "
    "majority without revealing how they voted"
)


def _knowledge_pair(network: dict[str, Any]) -> list[Person]:
    people = []
    for slug in ("ids", "kit"):
        org = Organisation(slug=slug, name=slug.upper(), short_name=slug.upper(), kind="knowledge")
        person = Person(name=f"Rep {slug}", email=f"rep@{slug}.example.org", organisation=org)
        db.session.add_all([org, person])
        people.append(person)
    db.session.commit()
    return people


def _answers(client: FlaskClient, network: dict[str, Any], did: int) -> dict[str, Any]:
    """The API results, the results page's rule and table, the pack's CSV,
    with the decision's and options' ids replaced by positions."""
    ids = option_ids(did)
    body = client.get(
        f"{API}/decisions/{did}/results", headers=network["headers"]["facilitator"]
    ).get_json()
    position = {oid: i for i, oid in enumerate(ids)}
    options = [(position[o["id"]], o["votes"]) for o in body["options"]]
    rule = dict(body["rule"], option=position.get(body["rule"]["option"]))
    by_kind = [
        dict(row, winners=None if row["winners"] is None else [position[w] for w in row["winners"]])
        for row in body["by_kind"]
    ]
    page = client.get(f"/decisions/{did}/results?lang=en").get_data(as_text=True)
    table = page[page.index('<section class="by-kind"') :]
    table = table[: table.index("</section>")]
    verdict = re.findall(r"Not carried[^<]*", page)
    csv = client.get(f"/decisions/{did}/meeting-pack.csv?lang=en").get_data(as_text=True)
    csv = csv.replace(f"/decisions/{did}", "/decisions/D")
    return {
        "api": (options, rule, by_kind, body["winners"] == [ids[0]]),
        "page": (table, verdict),
        "csv_rule": [line for line in csv.splitlines() if "carried" in line or "kind" in line],
    }


def test_a_secret_double_majority_over_a_lone_ballot_tells_nothing_of_it(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people = network["people"]
    ids, kit = _knowledge_pair(network)
    member_sign_in(client, app, people["facilitator"])
    answers = []
    for adpc_first in (False, True):
        now = clock.now()
        did = make_decision(
            people["facilitator"], now, ballot_secrecy="secret", double_majority=["diaspora"]
        )
        first, second, _third = option_ids(did)
        # Foundation wins 3 to 2 either way; only ADPC's and IDS's ballots swap.
        votes = {
            "adpc": first if adpc_first else second,
            "oxfam1": first,
            "stro": first,
            "ids": second if adpc_first else first,
            "kit": second,
        }
        voters = {**people, "ids": ids, "kit": kit}
        for key, option in votes.items():
            cast_ballot(voters[key], did, {"option": option}, now)
        transitions.close_decision(people["facilitator"], did, now)
        db.session.commit()
        answers.append(_answers(client, network, did))
    assert answers[0] == answers[1]
    options, rule, by_kind, won = answers[0]["api"]
    assert won and rule["met"] is False and rule["option"] is None
    assert len(rule["reasons"]) == 1 and rule["reasons"][0].startswith(TOO_FEW)
    diaspora = next(row for row in by_kind if row["kind"] == "diaspora")
    assert (diaspora["ballots"], diaspora["shown"], diaspora["leads"]) == (1, False, None)
    table, verdict = answers[0]["page"]
    assert verdict and all(TOO_FEW in line for line in verdict)
    assert "does not lead" not in table
    assert "counts for the double majority" in table
    assert any(
        "diaspora organisations (counts for the double majority)" in line
        for line in answers[0]["csv_rule"]
    )


def _by_kind_and_rule(client: FlaskClient, network: dict[str, Any], did: int) -> Any:
    body = client.get(
        f"{API}/decisions/{did}/results", headers=network["headers"]["facilitator"]
    ).get_json()
    return body["by_kind"], body["rule"]


def test_changing_an_organisations_kind_after_opening_rewrites_no_result(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people, h = network["people"], network["headers"]
    now = clock.now()
    # Open: NGOs for the first option, ADPC (diaspora) for the second.
    did = make_decision(people["facilitator"], now, double_majority=["ngo"])
    # Secret: three NGOs and two knowledge institutes, so that groups show.
    ids, kit = _knowledge_pair(network)
    sealed = make_decision(people["facilitator"], now, ballot_secrecy="secret")
    first, second, _third = option_ids(did)
    for key in ("oxfam1", "stro"):
        cast_ballot(people[key], did, {"option": first}, now)
    cast_ballot(people["adpc"], did, {"option": second}, now)
    s_first, s_second, _ = option_ids(sealed)
    for person in (people["oxfam1"], people["stro"], ids, kit):
        cast_ballot(person, sealed, {"option": s_first}, now)
    cast_ballot(people["adpc"], sealed, {"option": s_second}, now)
    db.session.commit()
    before = _by_kind_and_rule(client, network, did)
    assert before[1]["met"] is True
    # STRO becomes a diaspora organisation while both decisions are open.
    response = client.patch(
        f"{API}/organisations/stro", headers=h["facilitator"], json={"kind": "diaspora"}
    )
    assert response.status_code == 200, response.get_json()
    assert _by_kind_and_rule(client, network, did) == before
    transitions.close_decision(people["facilitator"], sealed, now)
    transitions.close_decision(people["facilitator"], did, now)
    db.session.commit()
    assert _by_kind_and_rule(client, network, did) == before
    by_kind, _rule = _by_kind_and_rule(client, network, sealed)
    counts = {row["kind"]: (row["eligible"], row["ballots"]) for row in by_kind}
    assert counts == {"diaspora": (1, 1), "ngo": (2, 2), "knowledge": (2, 2)}
    record = client.get(f"{API}/decisions/{did}/ballot-record", headers=h["stro"]).get_json()
    assert {e["name"]: e["kind"] for e in record["ballots"]}["Social Trade Organisation"] == "ngo"


def test_a_double_majority_among_a_kind_without_electors_does_not_open(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people, h = network["people"], network["headers"]
    now = clock.now()
    did = make_decision(
        people["facilitator"], now, open_it=False, double_majority=["diaspora", "knowledge"]
    )
    # Through the API: 409, the kind named, still a draft.
    response = client.post(f"{API}/decisions/{did}/open", headers=h["facilitator"])
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "double_majority_without_electors"
    assert "double majority among knowledge institutions" in error["message"]
    assert (
        client.get(f"{API}/decisions/{did}", headers=h["facilitator"]).get_json()["status"]
        == "draft"
    )
    # On the page: the reason shown, nothing changed.
    member_sign_in(client, app, people["facilitator"])
    confirm = client.get(f"/admin/decisions/{did}/open?lang=en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.get_data(as_text=True))
    assert token is not None
    page = client.post(f"/admin/decisions/{did}/open?lang=en", data={"csrf_token": token.group(1)})
    assert page.status_code == 409
    assert "double majority among knowledge institutions" in page.get_data(as_text=True)
    assert db.session.get(Decision, did).status == "draft"  # type: ignore[union-attr]
    # A kind the network does not define is refused at draft time.
    response = client.patch(
        f"{API}/decisions/{did}", headers=h["facilitator"], json={"double_majority": ["youth"]}
    )
    assert response.status_code == 400
    assert "double_majority" in response.get_json()["error"]["fields"]
    # Without the empty kind it opens.
    response = client.patch(
        f"{API}/decisions/{did}", headers=h["facilitator"], json={"double_majority": ["diaspora"]}
    )
    assert response.status_code == 200, response.get_json()
    response = client.post(f"{API}/decisions/{did}/open", headers=h["facilitator"])
    assert response.status_code == 200, response.get_json()
