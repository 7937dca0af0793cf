"""Organisation self-service over the API (issue 10, part 12): a facilitator
names an organisation's lead, who invites and removes its own representatives
and observers under ``/api/v1/organisations/{slug}/people``; a lead of A
cannot act on B, a plain representative cannot act, bad input changes
nothing, every act is logged and the log verifies, and removing a
representative keeps the organisation's ballot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Ballot, Event, Person
from cop_vote.services import verification
from tests.api.conftest import API


def _people_count() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Person)).scalar_one()


def _events() -> int:
    return db.session.execute(select(func.count()).select_from(Event)).scalar_one()


@pytest.fixture
def leads(client: FlaskClient, network: dict[str, Any]) -> dict[str, Any]:
    """Idris leads Oxfam Novib, Amina leads ADPC (named by the facilitator)."""
    fac = network["headers"]["facilitator"]
    for slug, key in (("oxfam-novib", "oxfam1"), ("adpc", "adpc")):
        response = client.patch(
            f"{API}/organisations/{slug}",
            json={"lead": network["people"][key].id},
            headers=fac,
        )
        assert response.status_code == 200, response.get_json()
    return network


def test_a_facilitator_names_and_changes_the_lead(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    fac = network["headers"]["facilitator"]
    idris, lotte = network["people"]["oxfam1"], network["people"]["oxfam2"]
    for person in (idris, lotte, idris):
        response = client.patch(
            f"{API}/organisations/oxfam-novib", json={"lead": person.id}, headers=fac
        )
        assert response.status_code == 200
        people = client.get(f"{API}/organisations/oxfam-novib/people", headers=fac).get_json()
        assert {p["id"] for p in people["items"] if p["lead"]} == {person.id}
    me = client.get(f"{API}/me", headers=network["headers"]["oxfam1"]).get_json()
    assert me["lead"] is True
    assert (
        client.patch(
            f"{API}/organisations/oxfam-novib", json={"lead": None}, headers=fac
        ).status_code
        == 200
    )
    assert client.get(f"{API}/me", headers=network["headers"]["oxfam1"]).get_json()["lead"] is False
    logged = db.session.scalars(
        select(Event.data).where(Event.kind == "organisation.lead_named").order_by(Event.id)
    ).all()
    assert [d["lead"] for d in logged] == [idris.id, lotte.id, idris.id, None]
    assert verification.verify_log().ok


@pytest.mark.parametrize(
    ("lead", "headers_of", "status"),
    [
        ("adpc", "facilitator", 400),  # not of Oxfam Novib
        ("observer", "facilitator", 400),  # not a representative
        ("facilitator", "facilitator", 400),
        (True, "facilitator", 400),
        (10**6, "facilitator", 400),
        (99999999999999999999, "facilitator", 400),  # past any integer column: no 500
        (2**31, "facilitator", 400),
        ("oxfam1", "oxfam1", 403),  # only facilitators name leads
    ],
)
def test_only_a_facilitator_names_an_active_representative_of_it(
    client: FlaskClient, network: dict[str, Any], lead: Any, headers_of: str, status: int
) -> None:
    value = network["people"][lead].id if isinstance(lead, str) else lead
    before = _events()
    response = client.patch(
        f"{API}/organisations/oxfam-novib",
        json={"lead": value},
        headers=network["headers"][headers_of],
    )
    assert response.status_code == status, response.get_json()
    if status == 400:
        assert "lead" in response.get_json()["error"]["fields"]
    assert _events() == before
    assert not any(p.is_lead for p in db.session.scalars(select(Person)))


def test_the_lead_invites_resends_and_removes_with_the_log(
    app: Flask, client: FlaskClient, leads: dict[str, Any]
) -> None:
    lead = leads["headers"]["oxfam1"]
    response = client.post(
        f"{API}/organisations/oxfam-novib/people",
        json={"name": "Noor Bakker", "email": "Noor@Oxfam.example.org", "role": "observer"},
        headers=lead,
    )
    assert response.status_code == 201, response.get_json()
    noor = response.get_json()
    assert (noor["organisation"], noor["role"], noor["lead"]) == ("oxfam-novib", "observer", False)
    created = db.session.scalars(
        select(Event).where(Event.kind == "person.created", Event.subject == f"person:{noor['id']}")
    ).one()
    assert created.actor_id == leads["people"]["oxfam1"].id and created.data["by_lead"] is True

    again = client.post(
        f"{API}/organisations/oxfam-novib/people/{noor['id']}/invitation", headers=lead
    )
    assert again.status_code == 200
    listed = client.get(f"{API}/organisations/oxfam-novib/people", headers=lead).get_json()
    assert {p["name"] for p in listed["items"]} == {"Idris Nuur", "Lotte Hendriks", "Noor Bakker"}

    lotte = leads["people"]["oxfam2"]
    gone = client.delete(f"{API}/organisations/oxfam-novib/people/{lotte.id}", headers=lead)
    assert gone.status_code == 200 and gone.get_json()["active"] is False
    # Lotte's token no longer works; doing it twice is a conflict.
    assert client.get(f"{API}/me", headers=leads["headers"]["oxfam2"]).status_code == 401
    twice = client.delete(f"{API}/organisations/oxfam-novib/people/{lotte.id}", headers=lead)
    assert twice.status_code == 409
    kinds = db.session.scalars(
        select(Event.kind).where(Event.subject == f"person:{lotte.id}").order_by(Event.id)
    ).all()
    assert kinds[-2:] == ["person.updated", "person.access_ended"]
    assert verification.verify_log().ok


def test_removing_a_representative_keeps_the_organisations_ballot(
    client: FlaskClient, leads: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    decision = make_decision("open")
    option = decision["options"][0]["id"]
    lotte = leads["people"]["oxfam2"]
    cast = client.put(
        f"{API}/decisions/{decision['id']}/ballot",
        json={"option": option},
        headers=leads["headers"]["oxfam2"],
    )
    assert cast.status_code == 200
    removed = client.delete(
        f"{API}/organisations/oxfam-novib/people/{lotte.id}", headers=leads["headers"]["oxfam1"]
    )
    assert removed.status_code == 200
    ballot = client.get(
        f"{API}/decisions/{decision['id']}/ballot", headers=leads["headers"]["oxfam1"]
    )
    assert ballot.status_code == 200
    assert ballot.get_json()["ballot"] == {"option": option}
    db.session.expire_all()
    stored = db.session.scalars(select(Ballot).where(Ballot.decision_id == decision["id"])).one()
    assert stored.is_cast and stored.organisation.slug == "oxfam-novib"


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "status"),
    [
        # a lead of ADPC on Oxfam Novib
        ("adpc", "GET", "/organisations/oxfam-novib/people", None, 403),
        (
            "adpc",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X", "email": "x@e.org"},
            403,
        ),
        ("adpc", "DELETE", "/organisations/oxfam-novib/people/{oxfam2}", None, 403),
        ("adpc", "POST", "/organisations/oxfam-novib/people/{oxfam2}/invitation", None, 403),
        # a plain representative (of the lead's own organisation too) and an observer
        ("oxfam2", "GET", "/organisations/oxfam-novib/people", None, 403),
        ("oxfam2", "DELETE", "/organisations/oxfam-novib/people/{oxfam1}", None, 403),
        ("stro", "POST", "/organisations/stro/people", {"name": "X", "email": "x@e.org"}, 403),
        ("observer", "GET", "/organisations/oxfam-novib/people", None, 403),
        # the lead on themself, on someone of another organisation, on a facilitator
        ("oxfam1", "DELETE", "/organisations/oxfam-novib/people/{oxfam1}", None, 403),
        ("oxfam1", "DELETE", "/organisations/oxfam-novib/people/{adpc}", None, 404),
        ("oxfam1", "DELETE", "/organisations/oxfam-novib/people/{facilitator}", None, 404),
        ("oxfam1", "GET", "/organisations/no-such-org/people", None, 403),
        ("facilitator", "GET", "/organisations/no-such-org/people", None, 404),
        # bad input
        (
            "oxfam1",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X", "email": "not-an-address"},
            400,
        ),
        (
            "oxfam1",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X", "email": "LOTTE@oxfam.example.org"},
            400,
        ),
        (
            "oxfam1",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X", "email": "x@e.org", "role": "facilitator"},
            400,
        ),
        (
            "oxfam1",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X", "email": "x@e.org", "role": "chair"},
            400,
        ),
        (
            "oxfam1",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X", "email": "x@e.org", "organisation": "adpc"},
            400,
        ),
        ("oxfam1", "POST", "/organisations/oxfam-novib/people", {"email": "x@e.org"}, 400),
        (
            "oxfam1",
            "POST",
            "/organisations/oxfam-novib/people",
            {"name": "X\x00", "email": "x@e.org"},
            400,
        ),
        (None, "GET", "/organisations/oxfam-novib/people", None, 401),
    ],
)
def test_who_may_not_act_and_bad_input_change_nothing(
    client: FlaskClient,
    leads: dict[str, Any],
    who: str | None,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
) -> None:
    ids = {key: person.id for key, person in leads["people"].items()}
    before_people, before_events = _people_count(), _events()
    active = {p.id: p.active for p in db.session.scalars(select(Person))}
    headers = leads["headers"][who] if who else {}
    response = client.open(f"{API}{path.format(**ids)}", method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["message"]
    if status == 400:
        assert error["fields"]
    assert _people_count() == before_people and _events() == before_events
    db.session.expire_all()
    assert {p.id: p.active for p in db.session.scalars(select(Person))} == active
