"""The ballot record: anyone in the network recounts a closed decision from it,
``cop recount`` compares the record with the stored ballots and the published
totals, and organisations lodge objections between close and publication."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from cop_vote.extensions import db
from cop_vote.models import AnonymousBallot, Ballot, Event, Objection

from .helpers import make_decision, option_ids, post_form, sign_in

API = "/api/v1"

#: (method, extra fields, options, a ballot per voter given the option ids)
METHODS: list[tuple[str, dict[str, Any], tuple[str, ...], Any]] = [
    ("single_choice", {}, ("A", "B", "C"), lambda ids, n: {"option": ids[n % 2]}),
    ("approval", {}, ("A", "B", "C"), lambda ids, n: {"options": ids[: 1 + n % 3]}),
    (
        "consent",
        {},
        (),
        lambda ids, n: [
            {"position": "agree"},
            {"position": "block", "reason": "Not yet."},
            {"position": "disagree"},
        ][n % 3],
    ),
    (
        "ranked",
        {"counting": "irv"},
        ("A", "B", "C"),
        lambda ids, n: {"ranking": ids[n % 3 :] + ids[: n % 3]},
    ),
    (
        "ranked",
        {"counting": "schulze"},
        ("A", "B", "C"),
        lambda ids, n: {"ranking": ids[n % 3 :] + ids[: n % 3]},
    ),
    ("score", {}, ("A", "B"), lambda ids, n: {"scores": {str(ids[0]): n, str(ids[1]): 2}}),
    ("dot_vote", {"dots": 3}, ("A", "B"), lambda ids, n: {"dots": {str(ids[n % 2]): 3}}),
]
VOTERS = ("adpc", "oxfam1", "stro")


def _closed(
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    method: str,
    extra: dict[str, Any],
    options: tuple[str, ...],
    ballot: Any,
    secrecy: str,
) -> int:
    did = make_decision(
        network["people"]["facilitator"],
        clock.now,
        method=method,
        options=options,
        ballot_secrecy=secrecy,
        **extra,
    )
    ids = option_ids(did)
    for n, who in enumerate(VOTERS):
        answer = client.put(
            f"{API}/decisions/{did}/ballot", json=ballot(ids, n), headers=network["headers"][who]
        )
        assert answer.status_code == 200, answer.get_json()
    fac = network["headers"]["facilitator"]
    assert client.post(f"{API}/decisions/{did}/close", headers=fac).status_code == 200
    return did


@pytest.mark.parametrize("secrecy", ["open", "secret"])
@pytest.mark.parametrize(("method", "extra", "options", "ballot"), METHODS)
def test_every_method_recounts_from_its_record(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    secrecy: str,
    method: str,
    extra: dict[str, Any],
    options: tuple[str, ...],
    ballot: Any,
) -> None:
    did = _closed(client, network, clock, method, extra, options, ballot, secrecy)
    record = client.get(
        f"{API}/decisions/{did}/ballot-record", headers=network["headers"]["observer"]
    ).get_json()
    assert len(record["participants"]) == 3
    if secrecy == "open":
        assert record["form"] == "open"
        receipts = {
            b.organisation.slug: b.receipt for b in db.session.execute(select(Ballot)).scalars()
        }
        assert {b["organisation"]: b["receipt"] for b in record["ballots"]} == receipts
        assert all(receipts.values())
    elif method in ("ranked", "score", "dot_vote"):
        assert record["form"] == "tables" and record["ballots"] is None
        assert record["tables"]["ballots"] == 3
    else:
        assert record["form"] == "ballots"
        assert len(record["ballots"]) == 3
        assert all(set(b) == {"ballot"} for b in record["ballots"])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cop", "recount", str(did)])
    assert result.exit_code == 0, result.output
    assert "The recount matches." in result.output


def test_a_changed_ballot_is_caught_by_the_recount(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, tmp_path: Path
) -> None:
    method, extra, options, ballot = METHODS[0]
    did = _closed(client, network, clock, method, extra, options, ballot, "open")
    ids = option_ids(did)
    fac = network["headers"]["facilitator"]
    published = client.post(
        f"{API}/decisions/{did}/publish", json={"option": ids[0], "statement": "A."}, headers=fac
    )
    assert published.status_code == 200
    saved = tmp_path / "record.json"
    page = client.get(
        f"{API}/decisions/{did}/ballot-record", headers=network["headers"]["stro"]
    ).get_json()
    saved.write_text(json.dumps(page))
    # Someone with access to the database changes STRO's ballot afterwards.
    stro = network["orgs"]["stro"].id
    db.session.execute(
        update(Ballot).where(Ballot.organisation_id == stro).values(content={"option": ids[1]})
    )
    db.session.commit()
    runner = app.test_cli_runner()
    now = runner.invoke(args=["cop", "recount", str(did)])
    assert now.exit_code == 1
    assert "other totals than were published" in now.output
    earlier = runner.invoke(args=["cop", "recount", str(did), "--record", str(saved)])
    assert earlier.exit_code == 1
    assert "stored ballots give other" in earlier.output


def test_a_changed_sealed_ballot_is_caught_by_the_recount(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    method, extra, options, ballot = METHODS[0]
    did = _closed(client, network, clock, method, extra, options, ballot, "secret")
    ids = option_ids(did)
    fac = network["headers"]["facilitator"]
    client.post(
        f"{API}/decisions/{did}/publish", json={"option": ids[0], "statement": "A."}, headers=fac
    )
    db.session.execute(
        update(AnonymousBallot)
        .where(AnonymousBallot.position == 0)
        .values(content={"option": ids[2]})
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cop", "recount", str(did)])
    assert result.exit_code == 1
    assert "other totals than were published" in result.output


def test_the_record_waits_for_the_close(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    answer = client.get(f"{API}/decisions/{did}/ballot-record", headers=network["headers"]["adpc"])
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "record_not_ready"


def test_objections_between_close_and_publication(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    method, extra, options, ballot = METHODS[0]
    did = _closed(client, network, clock, method, extra, options, ballot, "open")
    people = network["people"]
    # Through the page, as a representative.
    sign_in(client, app, people["adpc"])
    page = client.get(f"/decisions/{did}/ballot-record").get_data(as_text=True)
    assert "Lodge the objection" in page
    before = db.session.execute(select(Event.id).order_by(Event.id.desc())).scalar()
    refused = post_form(
        client, f"/decisions/{did}/ballot-record", f"/decisions/{did}/objections", {"text": "  "}
    )
    assert refused.status_code == 400
    assert db.session.execute(select(Objection)).first() is None
    # The refusal: a summary linking to the field, which the form's anchor focuses.
    refusal = refused.get_data(as_text=True)
    assert 'id="error-summary"' in refusal and 'href="#objection-text"' in refusal
    assert f'action="/decisions/{did}/objections#error-summary"' in refusal
    assert "<title>Error: " in refusal and 'aria-invalid="true"' in refusal
    lodged = post_form(
        client,
        f"/decisions/{did}/ballot-record",
        f"/decisions/{did}/objections",
        {"text": "Our ballot is not in the record."},
    )
    assert lodged.status_code == 303
    entry = db.session.execute(select(Event).where(Event.id > before)).scalar_one()
    assert (
        entry.kind == "objection.lodged"
        and entry.data["organisation_id"] == people["adpc"].organisation_id
    )
    # Through the API, as another organisation; observers may not.
    stro = client.post(
        f"{API}/decisions/{did}/objections",
        json={"text": "We dispute the count."},
        headers=network["headers"]["stro"],
    )
    assert stro.status_code == 201 and stro.get_json()["organisation"] == "stro"
    assert (
        client.post(
            f"{API}/decisions/{did}/objections",
            json={"text": "x"},
            headers=network["headers"]["observer"],
        ).status_code
        == 403
    )
    # Each organisation reads its own; the facilitator reads all, on the publish
    # form and in the meeting pack.
    own = client.get(f"{API}/decisions/{did}/objections", headers=network["headers"]["stro"])
    assert [o["organisation"] for o in own.get_json()["items"]] == ["stro"]
    client.post("/auth/logout", data={})
    sign_in(client, app, people["facilitator"])
    publish = client.get(f"/admin/decisions/{did}/publish").get_data(as_text=True)
    assert "Our ballot is not in the record." in publish and "We dispute the count." in publish
    pack = client.get(f"/decisions/{did}/meeting-pack").get_data(as_text=True)
    assert "Our ballot is not in the record." in pack
    csv = client.get(f"/decisions/{did}/meeting-pack.csv").get_data(as_text=True)
    assert "We dispute the count." in csv
    # Once published, no more objections.
    ids = option_ids(did)
    client.post(
        f"{API}/decisions/{did}/publish",
        json={"option": ids[0], "statement": "A."},
        headers=network["headers"]["facilitator"],
    )
    late = client.post(
        f"{API}/decisions/{did}/objections",
        json={"text": "Too late?"},
        headers=network["headers"]["adpc"],
    )
    assert late.status_code == 409
    assert len(db.session.execute(select(Objection)).scalars().all()) == 2
