"""Lists with cursors, and the shape of the objects they hold."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from .conftest import API, iso


def _all_pages(client: FlaskClient, url: str, headers: dict[str, str]) -> tuple[list[Any], int]:
    items: list[Any] = []
    pages = 0
    cursor = None
    while True:
        sep = "&" if "?" in url else "?"
        page_url = url + (f"{sep}cursor={cursor}" if cursor else "")
        response = client.get(page_url, headers=headers)
        assert response.status_code == 200
        page = response.get_json()
        assert set(page) == {"items", "next"}
        items += page["items"]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return items, pages


def test_decisions_newest_first_with_cursor_paging(
    client: FlaskClient, network: dict[str, Any], clock: Any, make_decision: Any
) -> None:
    made = []
    for n in range(5):
        clock.advance(minutes=1)
        made.append(make_decision("open", title=f"Decision {n}")["id"])
    clock.advance(minutes=1)
    draft = make_decision("draft")["id"]
    rep = network["headers"]["adpc"]
    items, pages = _all_pages(client, f"{API}/decisions?limit=2", rep)
    assert [d["id"] for d in items] == list(reversed(made)) and pages == 3
    fac_items, _ = _all_pages(client, f"{API}/decisions", network["headers"]["facilitator"])
    assert fac_items[0]["id"] == draft and len(fac_items) == 6
    single = client.get(f"{API}/decisions?limit=50", headers=rep).get_json()
    assert single["next"] is None and len(single["items"]) == 5


def test_people_list_shows_email_to_facilitators_only(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    fac = client.get(f"{API}/people", headers=network["headers"]["facilitator"]).get_json()
    assert all("email" in p for p in fac["items"])
    amina = next(p for p in fac["items"] if p["name"] == "Amina Warsame")
    assert amina["email"] == "amina@adpc.example.org"
    assert amina["organisation"] == "adpc" and amina["role"] == "representative"
    rep = client.get(f"{API}/people", headers=network["headers"]["stro"]).get_json()
    others = [p for p in rep["items"] if p["id"] != network["people"]["stro"].id]
    assert others and not any("email" in p for p in others)
    assert "@" not in str(others)
    items, pages = _all_pages(client, f"{API}/people?limit=1", network["headers"]["facilitator"])
    assert len(items) == 6 and pages == 6


def test_organisations_list_and_changes(client: FlaskClient, network: dict[str, Any]) -> None:
    fac = network["headers"]["facilitator"]
    orgs = client.get(f"{API}/organisations", headers=network["headers"]["observer"]).get_json()
    assert {o["slug"] for o in orgs["items"]} == {"pso", "adpc", "oxfam-novib", "stro"}
    assert set(orgs["items"][0]) >= {"id", "slug", "name", "short_name", "kind", "voting"}
    response = client.post(
        f"{API}/organisations",
        headers=fac,
        json={
            "name": "Stichting Mondiale Samenwerking",
            "slug": "sms",
            "voting": False,
            "kind": "knowledge",
        },
    )
    assert response.status_code == 201
    assert response.get_json()["voting"] is False
    response = client.post(f"{API}/organisations", headers=fac, json={"name": "X", "slug": "sms"})
    assert response.status_code == 400 and "slug" in response.get_json()["error"]["fields"]
    response = client.patch(f"{API}/organisations/sms", headers=fac, json={"voting": True})
    assert response.status_code == 200 and response.get_json()["voting"] is True


def test_decision_object(
    client: FlaskClient, network: dict[str, Any], clock: Any, make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    rep = network["headers"]["adpc"]
    closes_at = clock.now + timedelta(days=3)
    decision = make_decision(
        "open",
        closes_at=iso(closes_at),
        quorum=0.5,
        results_visibility="after_own_ballot",
        description="Which legal form?",
    )
    did = decision["id"]
    for key in (
        "id",
        "title",
        "description",
        "method",
        "status",
        "options",
        "closes_at",
        "quorum",
        "results_visibility",
        "ballot_secrecy",
        "eligible",
        "ballots_cast",
        "url",
        "links",
        "outcome",
        "comments",
        "counting",
    ):
        assert key in decision, key
    assert decision["quorum"] == 0.5 and decision["outcome"] is None
    assert decision["url"] == f"http://localhost/decisions/{did}"
    assert all(o["edited"] is False and "starts_at" not in o for o in decision["options"])
    # after_own_ballot: the results link appears once the organisation has voted.
    assert "results" not in client.get(f"{API}/decisions/{did}", headers=rep).get_json()["links"]
    client.put(
        f"{API}/decisions/{did}/ballot", headers=rep, json={"option": decision["options"][0]["id"]}
    )
    links = client.get(f"{API}/decisions/{did}", headers=rep).get_json()["links"]
    assert links["results"] == f"http://localhost/api/v1/decisions/{did}/results"
    assert client.get(links["results"], headers=rep).status_code == 200

    # While open: reword an option (shown as edited), extend, but never shorten.
    option = decision["options"][1]
    response = client.patch(
        f"{API}/decisions/{did}",
        headers=fac,
        json={"options": [{"id": option["id"], "label": "Association (vereniging)"}]},
    )
    assert response.status_code == 200
    reworded = next(o for o in response.get_json()["options"] if o["id"] == option["id"])
    assert reworded["edited"] is True and reworded["label"] == "Association (vereniging)"
    response = client.patch(
        f"{API}/decisions/{did}",
        headers=fac,
        json={"closes_at": iso(closes_at - timedelta(hours=1))},
    )
    assert response.status_code == 409
    response = client.patch(f"{API}/decisions/{did}", headers=fac, json={"method": "approval"})
    assert response.status_code == 409

    # The electorate is fixed at opening.
    client.post(f"{API}/organisations", headers=fac, json={"name": "Latecomer"})
    assert client.get(f"{API}/decisions/{did}", headers=fac).get_json()["eligible"] == 3

    # Past its deadline an open decision answers "closed", everywhere.
    clock.advance(days=3, seconds=1)
    detail = client.get(f"{API}/decisions/{did}", headers=rep).get_json()
    assert detail["status"] == "closed"
    assert detail["closed_at"] == closes_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = client.get(f"{API}/decisions", headers=rep).get_json()["items"]
    assert next(d for d in listed if d["id"] == did)["status"] == "closed"
    assert client.post(f"{API}/decisions/{did}/close", headers=fac).status_code in (200, 409)


def test_withdraw_and_transitions(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    decision = make_decision("open")
    did = decision["id"]
    response = client.post(
        f"{API}/decisions/{did}/withdraw",
        headers=fac,
        json={"statement": "Postponed to the next meeting."},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "withdrawn"
    assert body["outcome"]["statement"] == "Postponed to the next meeting."
    assert client.post(f"{API}/decisions/{did}/open", headers=fac).status_code == 409
    assert (
        client.post(
            f"{API}/decisions/{did}/withdraw", headers=fac, json={"statement": "again"}
        ).status_code
        == 409
    )
    response = client.post(f"{API}/decisions/{did}/withdraw", headers=fac, json={})
    assert response.status_code == 400
    assert (
        client.put(
            f"{API}/decisions/{did}/ballot",
            headers=network["headers"]["adpc"],
            json={"option": decision["options"][0]["id"]},
        ).status_code
        == 409
    )
    draft = make_decision("draft", options=[{"label": "Only one"}])
    response = client.post(f"{API}/decisions/{draft['id']}/open", headers=fac)
    assert response.status_code == 409
    response = client.post(
        f"{API}/decisions/{draft['id']}/publish",
        headers=fac,
        json={"option": None, "statement": "x"},
    )
    assert response.status_code == 409


def test_links_name_downloads_that_exist(
    client: FlaskClient, network: dict[str, Any], clock: Any, make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    start = clock.now + timedelta(days=30)
    slots = [
        {
            "starts_at": iso(start + timedelta(days=i)),
            "ends_at": iso(start + timedelta(days=i, hours=2)),
        }
        for i in range(2)
    ]
    decision = make_decision("closed", method="meeting_time", options=slots)
    assert "calendar" not in decision["links"]
    did = decision["id"]
    response = client.post(
        f"{API}/decisions/{did}/publish",
        headers=fac,
        json={"option": decision["options"][1]["id"], "statement": "We meet then."},
    )
    links = response.get_json()["links"]
    assert links["calendar"] == f"http://localhost/decisions/{did}/meeting.ics"
    assert links["results"] == f"http://localhost/api/v1/decisions/{did}/results"
    other = make_decision("published")
    assert "calendar" not in other["links"]


RECEIPT = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")


def test_an_open_ballot_is_shown_with_its_receipt_and_not_as_hidden(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    """``content_hidden`` is true only for a secret ballot seen from outside or a
    sealed one: an open decision's ballot is shown in full to its organisation,
    with a receipt in the documented shape (12 characters of Crockford's base 32)."""
    decision = make_decision("open")
    url = f"{API}/decisions/{decision['id']}/ballot"
    option = decision["options"][0]["id"]
    cast = client.put(url, json={"option": option}, headers=network["headers"]["adpc"])
    assert cast.status_code == 200, cast.get_json()
    for answer in (cast, client.get(url, headers=network["headers"]["adpc"])):
        body = answer.get_json()
        assert (body["ballot"], body["content_hidden"]) == ({"option": option}, False)
        assert RECEIPT.fullmatch(body["receipt"]), body
