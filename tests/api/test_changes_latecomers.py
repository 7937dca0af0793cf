"""Changes in the open and latecomers (issue 10, parts 3 and 7), through the API
with a token: each change of an open decision is a dated note in the decision
object, an entry of the log and one mail per representative (the organisations
that voted for a reworded option are asked to confirm or change their ballot);
an organisation that joined after the opening has no ballot and no mail until
a facilitator adds it, which is logged, announced and counted; a secret
decision takes no organisation after its first ballot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Event, Notification
from cop_vote.services import verification
from tests.web.helpers import outbox

from .conftest import API, iso

REPRESENTATIVES = [
    "amina@adpc.example.org",
    "idris@oxfam.example.org",
    "lotte@oxfam.example.org",
    "marieke@stro.example.org",
]
CONFIRM = "confirm your ballot"


def _since(app: Flask, before: int) -> list[Any]:
    return list(outbox(app)[before:])


def _kinds(client: FlaskClient, did: int, headers: dict[str, str]) -> list[str]:
    items = client.get(f"{API}/decisions/{did}/events", headers=headers).get_json()["items"]
    return [item["kind"] for item in items]


def _in_english(client: FlaskClient, network: dict[str, Any]) -> None:
    """Everyone reads English (mail follows each person's language, else the
    network's; the API's answers follow Accept-Language, else the network's)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for person in network["people"].values():
        person.language = "en"
    db.session.commit()


def _log_size() -> int:
    return db.session.execute(select(func.count()).select_from(Event)).scalar_one()


def test_extending_and_rewording_an_open_decision_notes_logs_and_mails_each_change(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]
    _in_english(client, network)
    decision = make_decision("open")
    did = decision["id"]
    foundation, association = (o["id"] for o in decision["options"][:2])
    client.put(f"{API}/decisions/{did}/ballot", headers=h["oxfam1"], json={"option": foundation})
    client.put(f"{API}/decisions/{did}/ballot", headers=h["adpc"], json={"option": association})

    before = len(outbox(app))
    later = clock.now + timedelta(days=21)
    response = client.patch(
        f"{API}/decisions/{did}", headers=h["facilitator"], json={"closes_at": iso(later)}
    )
    assert response.status_code == 200, response.get_json()
    [note] = response.get_json()["changes"]
    assert note["kind"] == "deadline" and note["option"] is None
    assert note["text"].startswith("Deadline extended to ")
    mails = _since(app, before)
    assert sorted(m.to[0] for m in mails) == REPRESENTATIVES  # one each
    assert all("Changed while open" in m.subject for m in mails)
    assert all("Deadline extended to" in m.body and CONFIRM not in m.body for m in mails)

    # Sending the deadline it now has (a client returning the object it read)
    # is no change: 200, no note, no mail, no log entry.
    before, logged_before = len(outbox(app)), _log_size()
    response = client.patch(
        f"{API}/decisions/{did}", headers=h["facilitator"], json={"closes_at": iso(later)}
    )
    assert response.status_code == 200, response.get_json()
    assert [c["kind"] for c in response.get_json()["changes"]] == ["deadline"]
    assert (len(outbox(app)), _log_size()) == (before, logged_before)

    before = len(outbox(app))
    response = client.patch(
        f"{API}/decisions/{did}",
        headers=h["facilitator"],
        json={"options": [{"id": foundation, "label": "Foundation (stichting)"}]},
    )
    assert response.status_code == 200, response.get_json()
    changes = response.get_json()["changes"]
    assert [c["kind"] for c in changes] == ["deadline", "option"]
    assert changes[1]["option"] == foundation
    assert changes[1]["text"] == "Option “Foundation” reworded as “Foundation (stichting)”."
    mails = {m.to[0]: m for m in _since(app, before)}
    assert sorted(mails) == REPRESENTATIVES
    # Oxfam Novib voted for the reworded option: both its representatives are asked.
    confirming = sorted(a for a, m in mails.items() if CONFIRM in m.body)
    assert confirming == ["idris@oxfam.example.org", "lotte@oxfam.example.org"]
    assert "Foundation (stichting)" in mails["amina@adpc.example.org"].body

    assert _kinds(client, did, h["adpc"]).count("decision.updated") == 2
    logged = db.session.execute(
        select(Event.data).where(Event.kind == "decision.updated").order_by(Event.id.desc())
    ).scalar()
    assert logged is not None
    assert logged["changes"][0]["kind"] == "option"
    assert logged["changes"][0]["before"] == "Foundation"
    # Every reader sees the notes; a second reading changes nothing.
    seen = client.get(f"{API}/decisions/{did}", headers=h["observer"]).get_json()["changes"]
    assert [c["kind"] for c in seen] == ["deadline", "option"]
    listed = client.get(f"{API}/decisions", headers=h["adpc"]).get_json()["items"]
    assert [c["kind"] for c in listed[0]["changes"]] == ["deadline", "option"]
    assert verification.verify_log().ok


def test_the_notes_and_mail_are_in_dutch_for_dutch_readers(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]
    network["people"]["adpc"].language = "nl"
    db.session.commit()
    did = make_decision("open")["id"]
    before = len(outbox(app))
    client.patch(
        f"{API}/decisions/{did}",
        headers=h["facilitator"],
        json={"description": "Nieuwe context.", "closes_at": iso(clock.now + timedelta(days=30))},
    )
    [dutch] = [m for m in _since(app, before) if m.to[0] == "amina@adpc.example.org"]
    assert "Gewijzigd" in dutch.subject
    for english in ("Changed", "Deadline extended", "description was reworded", "ballot stays"):
        assert english not in dutch.body, english
    notes = client.get(
        f"{API}/decisions/{did}", headers={**h["adpc"], "Accept-Language": "nl"}
    ).get_json()["changes"]
    assert [n["kind"] for n in notes] == ["deadline", "description"]
    assert notes[0]["text"].startswith("Sluitingstijd verlengd tot ")


def test_a_draft_change_makes_no_note_and_no_mail(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]
    did = make_decision("draft")["id"]
    before = len(outbox(app))
    response = client.patch(
        f"{API}/decisions/{did}", headers=h["facilitator"], json={"description": "Drafting."}
    )
    assert response.status_code == 200 and response.get_json()["changes"] == []
    assert _since(app, before) == []


def test_a_latecomer_has_no_ballot_nor_mail_until_added_then_votes_and_is_counted(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Any,
    make_org: Any,
    make_person: Any,
    token_for: Any,
) -> None:
    h = network["headers"]
    _in_english(client, network)
    decision = make_decision("open")
    did, first = decision["id"], decision["options"][0]["id"]
    assert decision["eligible"] == 3
    late = make_org("mdf", name="Migrant Development Forum", kind="diaspora")
    rep = make_person(late, name="Yusuf Late", email="yusuf@mdf.example.org", language="en")
    late_id, rep_id = late.id, rep.id
    headers = token_for(rep)

    refused = client.put(f"{API}/decisions/{did}/ballot", headers=headers, json={"option": first})
    assert refused.status_code == 403
    assert (
        "not in this decision's electorate when it opened" in refused.get_json()["error"]["message"]
    )
    # Changes are mailed to the electorate only.
    client.patch(
        f"{API}/decisions/{did}", headers=h["facilitator"], json={"description": "More context."}
    )
    mailed = select(func.count()).select_from(Notification).where(Notification.person_id == rep_id)
    assert db.session.execute(mailed).scalar_one() == 0

    before = len(outbox(app))
    added = client.post(
        f"{API}/decisions/{did}/electorate",
        headers=h["facilitator"],
        json={"organisation": late_id},
    )
    assert added.status_code == 200, added.get_json()
    body = added.get_json()
    assert body["eligible"] == 4
    assert body["changes"][-1]["kind"] == "electorate"
    assert body["changes"][-1]["organisation"] == late_id
    assert body["changes"][-1]["text"] == "Migrant Development Forum was added to the electorate."
    [announced] = _since(app, before)
    assert announced.to == ["yusuf@mdf.example.org"]
    assert "Your organisation can now vote" in announced.subject
    assert f"http://localhost/decisions/{did}" in announced.body

    cast = client.put(f"{API}/decisions/{did}/ballot", headers=headers, json={"option": first})
    assert cast.status_code == 200, cast.get_json()
    again = client.get(f"{API}/decisions/{did}", headers=h["adpc"]).get_json()
    assert (again["eligible"], again["ballots_cast"]) == (4, 1)
    assert "decision.elector_added" in _kinds(client, did, h["adpc"])
    assert verification.verify_log().ok


def test_adding_to_the_electorate_refuses_bad_input_and_wrong_states_changing_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, make_org: Any
) -> None:
    h, orgs = network["headers"], network["orgs"]
    _in_english(client, network)
    did = make_decision("open")["id"]
    inactive = make_org("gone", active=False).id
    silent = make_org("guest", voting=False).id
    draft = make_decision("draft")["id"]
    newcomer = make_org("late").id
    size = _log_size()
    url = f"{API}/decisions/{did}/electorate"
    for body, status in (
        ({}, 400),
        ({"organisation": "adpc"}, 400),
        ({"organisation": 99999}, 400),
        ({"organisation": 9223372036854775808}, 400),  # past SQLite's integer: no 500
        ({"organisation": 2**31}, 400),  # past PostgreSQL's
        ({"organisation": True}, 400),
        ({"organisation": inactive}, 400),
        ({"organisation": silent}, 400),
        ({"organisation": orgs["pso"].id}, 400),  # the facilitator's does not vote
        ({"organisation": orgs["adpc"].id, "note": "x"}, 400),
        ({"organisation": orgs["adpc"].id}, 409),  # in it already
    ):
        response = client.post(url, headers=h["facilitator"], json=body)
        assert response.status_code == status, (body, response.get_json())
        if status == 400 and body and "note" not in body:
            assert "organisation" in response.get_json()["error"]["fields"], body
    response = client.post(url, headers=h["adpc"], json={"organisation": newcomer})
    assert response.status_code == 403
    response = client.post(
        f"{API}/decisions/{draft}/electorate",
        headers=h["facilitator"],
        json={"organisation": newcomer},
    )
    assert response.status_code == 409
    assert "only to an open decision" in response.get_json()["error"]["message"]
    assert _log_size() == size


def test_a_secret_decision_takes_an_organisation_only_before_its_first_ballot(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, make_org: Any
) -> None:
    h = network["headers"]
    _in_english(client, network)
    decision = make_decision("open", ballot_secrecy="secret")
    did, first = decision["id"], decision["options"][0]["id"]
    early, late = make_org("early").id, make_org("late").id
    url = f"{API}/decisions/{did}/electorate"
    assert (
        client.post(url, headers=h["facilitator"], json={"organisation": early}).status_code == 200
    )
    client.put(f"{API}/decisions/{did}/ballot", headers=h["stro"], json={"option": first})
    size = _log_size()
    refused = client.post(url, headers=h["facilitator"], json={"organisation": late})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "secret_ballots_cast"
    assert "show how it voted" in error["message"]
    assert _log_size() == size
    assert client.get(f"{API}/decisions/{did}", headers=h["adpc"]).get_json()["eligible"] == 4


def test_a_secret_reworded_option_asks_every_organisation_that_voted_to_confirm(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    _in_english(client, network)
    decision = make_decision("open", ballot_secrecy="secret")
    did, first, second = decision["id"], decision["options"][0]["id"], decision["options"][1]["id"]
    client.put(f"{API}/decisions/{did}/ballot", headers=h["stro"], json={"option": second})
    before = len(outbox(app))
    client.patch(
        f"{API}/decisions/{did}",
        headers=h["facilitator"],
        json={"options": [{"id": first, "description": "Reworded."}]},
    )
    mails = _since(app, before)
    assert sorted(m.to[0] for m in mails) == REPRESENTATIVES
    # STRO voted for another option, yet gets the same mail: it tells no choice.
    assert sorted(m.to[0] for m in mails if CONFIRM in m.body) == ["marieke@stro.example.org"]


def test_a_translation_added_rewords_nothing_but_a_changed_one_is_a_note(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    _in_english(client, network)
    decision = make_decision("open", original_language="en")
    did, first = decision["id"], decision["options"][0]["id"]
    url = f"{API}/decisions/{did}"
    before = len(outbox(app))
    added = client.patch(
        url,
        headers=h["facilitator"],
        json={"options": [{"id": first, "translations": {"nl": {"label": "Stichting"}}}]},
    )
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["changes"] == [] and _since(app, before) == []
    changed = client.patch(
        url,
        headers=h["facilitator"],
        json={"options": [{"id": first, "translations": {"nl": {"label": "Een stichting"}}}]},
    )
    notes = changed.get_json()["changes"]
    assert [(n["kind"], n["option"]) for n in notes] == [("option", first)]
    assert notes[0]["text"] == "The wording of option “Foundation” changed."
    assert len(_since(app, before)) == len(REPRESENTATIVES)
