"""A secret ballot stays secret: before close nobody outside an organisation sees
its choice or any count, the facilitator included; at close the link between
organisation and content is cut in the write that closes, never in a read."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from cop_vote.extensions import db
from cop_vote.models import AnonymousBallot, Ballot, BallotChange, Decision, Event
from cop_vote.services import ballot_reads
from cop_vote.services.sealing import canonical

from .helpers import make_decision, option_ids, outbox, post_form, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"
BLOCK_REASON = "Migrant organisations were not consulted on this proposal."


def _secret(network: dict[str, Any], clock: Any, **fields: Any) -> tuple[int, list[int]]:
    did = make_decision(
        network["people"]["facilitator"], clock.now, ballot_secrecy="secret", **fields
    )
    return did, option_ids(did)


def _put(client: FlaskClient, network: dict[str, Any], who: str, did: int, body: Any) -> Any:
    return client.put(f"{API}/decisions/{did}/ballot", json=body, headers=network["headers"][who])


def test_nobody_outside_the_organisation_sees_a_choice_before_close(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, nashville, _atlanta) = _secret(network, clock)
    cast = _put(client, network, "oxfam1", did, {"option": nashville})
    assert cast.status_code == 200
    # Secret decisions give no receipt unless they turn receipts on.
    assert cast.get_json()["receipt"] is None
    facilitator = network["headers"]["facilitator"]
    # No count, for the facilitator either: results, links, meeting pack.
    assert client.get(f"{API}/decisions/{did}/results", headers=facilitator).status_code == 403
    assert (
        "results"
        not in client.get(f"{API}/decisions/{did}", headers=facilitator).get_json()["links"]
    )
    # The colleague inside the organisation sees and can change the ballot.
    own = client.get(f"{API}/decisions/{did}/ballot", headers=network["headers"]["oxfam2"])
    assert own.get_json()["ballot"] == {"option": nashville}
    # A 409 to the facilitator names the version, never the content.
    stale = client.put(
        f"{API}/decisions/{did}/ballots/oxfam-novib",
        json={"option": memphis, "given_by": "Idris", "version": 0},
        headers=facilitator,
    )
    assert stale.status_code == 409
    current = stale.get_json()["error"]["current"]
    assert current["version"] == 1 and current["ballot"] is None and current["receipt"] is None
    assert current["content_hidden"] is True
    # The facilitator's pages: the record-a-ballot page says only that a ballot exists.
    sign_in(client, app, network["people"]["facilitator"])
    page = client.get(f"/admin/decisions/{did}/record?organisation=oxfam-novib").get_data(
        as_text=True
    )
    assert "has cast a ballot (version 1)" in page
    assert "checked" not in page.split('class="ballot-form"', 1)[1]
    assert client.get(f"/decisions/{did}/results").status_code == 403
    pack = client.get(f"/decisions/{did}/meeting-pack")
    assert pack.status_code == 200
    assert "The results are not visible." in pack.get_data(as_text=True)
    # The log holds no content of a secret ballot.
    data = db.session.execute(
        select(Event.data).where(Event.kind.like("ballot.%"), Event.subject == f"decision:{did}")
    ).scalars()
    assert all("ballot" not in entry for entry in data)


def test_a_deadline_alone_does_not_cut_and_keeps_the_results_hidden(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, *_rest) = _secret(network, clock, days=1)
    assert _put(client, network, "adpc", did, {"option": memphis}).status_code == 200
    clock.advance(days=2)
    facilitator = network["headers"]["facilitator"]
    shown = client.get(f"{API}/decisions/{did}", headers=facilitator).get_json()
    assert shown["status"] == "closed" and shown["ballots_sealed"] is False
    assert client.get(f"{API}/decisions/{did}/results", headers=facilitator).status_code == 403
    assert (
        client.get(f"{API}/decisions/{did}/ballot-record", headers=facilitator).status_code == 409
    )
    # Reads never cut: the ballot is still the organisation's.
    db.session.expire_all()
    ballot = db.session.execute(select(Ballot).where(Ballot.decision_id == did)).scalar_one()
    assert ballot.content == {"option": memphis}
    # The write that closes does: close-due (the scheduler's or cron's).
    assert app.test_cli_runner().invoke(args=["cop", "close-due"]).exit_code == 0
    assert client.get(f"{API}/decisions/{did}/results", headers=facilitator).status_code == 200


def test_the_close_cuts_every_link_between_organisation_and_content(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, nashville, atlanta) = _secret(network, clock)
    people = network["people"]
    assert _put(client, network, "adpc", did, {"option": memphis}).status_code == 200
    assert _put(client, network, "oxfam1", did, {"option": nashville}).status_code == 200
    assert _put(client, network, "oxfam2", did, {"option": atlanta}).status_code == 200
    assert _put(client, network, "stro", did, {"abstain": True}).status_code == 200
    recorded = client.put(
        f"{API}/decisions/{did}/ballots/stro",
        json={"option": memphis, "given_by": "Marieke", "version": 1},
        headers=network["headers"]["facilitator"],
    )
    assert recorded.status_code == 200
    sign_in(client, app, people["facilitator"])
    page = client.get(f"/admin/decisions/{did}/close").get_data(as_text=True)
    assert "separates every ballot from its organisation" in page
    assert post_form(client, f"/admin/decisions/{did}/close", f"/admin/decisions/{did}/close")
    db.session.expire_all()
    decision = db.session.get(Decision, did)
    assert decision is not None and decision.status == "closed" and decision.ballots_sealed_at
    # The counted contents are in the anonymous table, nowhere else.
    sealed = db.session.execute(
        select(AnonymousBallot).where(AnonymousBallot.decision_id == did)
    ).scalars()
    contents = Counter(canonical(a.content) for a in sealed)
    assert contents == Counter(
        canonical(c) for c in ({"option": memphis}, {"option": atlanta}, {"option": memphis})
    )
    assert not {c.name for c in inspect(AnonymousBallot).columns} & {
        "organisation_id",
        "person_id",
        "cast_at",
        "id",
        "at",
    }
    for row in db.session.execute(select(Ballot).where(Ballot.decision_id == did)).scalars():
        assert row.content is None and row.receipt is None and row.is_cast
    for change in db.session.execute(select(BallotChange)).scalars():
        assert change.content is None and change.receipt is None
        assert change.person_id is not None  # who acted, and when, stay
    # Participation and results both hold, apart.
    results = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert "3 of 3 organisations cast a ballot" in results
    participation = client.get(f"/decisions/{did}/participation").get_data(as_text=True)
    assert participation.count(">cast<") == 3
    # The organisation's own page says its ballot was cut, and shows no choice.
    client.post("/auth/logout", data={})
    sign_in(client, app, people["oxfam1"])
    own = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "separated from your organisation" in own
    api_own = client.get(f"{API}/decisions/{did}/ballot", headers=network["headers"]["oxfam1"])
    assert api_own.get_json()["ballot"] is None and api_own.get_json()["content_hidden"]


def test_no_table_links_an_organisation_to_a_content_after_close(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    """Every row of every table, scanned as text: the block reason and the choices
    appear only in the anonymous table."""
    did = make_decision(
        network["people"]["facilitator"],
        clock.now,
        method="consent",
        options=(),
        ballot_secrecy="secret",
    )
    _put(client, network, "adpc", did, {"position": "block", "reason": BLOCK_REASON})
    _put(client, network, "oxfam1", did, {"position": "agree"})
    _put(client, network, "oxfam2", did, {"position": "disagree"})
    _put(client, network, "stro", did, {"position": "agree"})
    close = client.post(f"{API}/decisions/{did}/close", headers=network["headers"]["facilitator"])
    assert close.status_code == 200
    db.session.commit()
    found: dict[str, int] = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                line = json.dumps([str(v) for v in row])
                for needle in (BLOCK_REASON, "disagree", '"block"'):
                    if needle in line:
                        found[table.name] = found.get(table.name, 0) + 1
    assert set(found) == {"anonymous_ballot"}, found
    if db.engine.dialect.name == "sqlite":
        # Nor do the write-ahead log's old page images: the cut truncated it.
        path = Path(db.engine.url.database or "")
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or BLOCK_REASON.encode() not in wal.read_bytes()
    # The record shows blocks without their organisation, and recounts.
    record = client.get(
        f"{API}/decisions/{did}/ballot-record", headers=network["headers"]["observer"]
    ).get_json()
    assert record["form"] == "ballots"
    assert len(record["participants"]) == len(record["ballots"]) == 3  # Oxfam's two share one
    assert all(set(entry) == {"ballot"} for entry in record["ballots"])
    assert record["totals"]["blocks"] == [{"reason": BLOCK_REASON}]


def test_secret_receipts_when_the_decision_turns_them_on(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, *_rest) = _secret(network, clock, secret_receipts=True)
    cast = _put(client, network, "adpc", did, {"option": memphis}).get_json()
    assert cast["receipt"]
    client.post(f"{API}/decisions/{did}/close", headers=network["headers"]["facilitator"])
    record = client.get(
        f"{API}/decisions/{did}/ballot-record", headers=network["headers"]["stro"]
    ).get_json()
    assert record["receipts"] is True
    assert record["ballots"] == [{"ballot": {"option": memphis}, "receipt": cast["receipt"]}]


def test_few_ballots_are_warned_of_before_close_and_on_the_results(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, *_rest) = _secret(network, clock)
    _put(client, network, "adpc", did, {"option": memphis})
    sign_in(client, app, network["people"]["facilitator"])
    page = client.get(f"/admin/decisions/{did}/close").get_data(as_text=True)
    assert "Only 1 organisation has cast a ballot." in page
    post_form(client, f"/admin/decisions/{did}/close", f"/admin/decisions/{did}/close")
    results = client.get(f"/decisions/{did}/results").get_data(as_text=True)
    assert "may reveal how it voted" in results


def test_mail_never_carries_a_secret_choice_or_a_receipt(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, *_rest) = _secret(network, clock, secret_receipts=True)
    before = len(outbox(app))
    cast = _put(client, network, "oxfam1", did, {"option": memphis}).get_json()
    client.post(f"{API}/decisions/{did}/close", headers=network["headers"]["facilitator"])
    mails = outbox(app)[before:]
    assert mails  # the colleague and the closed mails
    for mail in mails:
        text_and_html = mail.body + "".join(a[0] for a in getattr(mail, "alternatives", []))
        assert "Memphis" not in text_and_html
        assert cast["receipt"] not in text_and_html


def test_withdrawing_an_open_secret_decision_cuts_too(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did, (memphis, *_rest) = _secret(network, clock)
    _put(client, network, "adpc", did, {"option": memphis})
    answer = client.post(
        f"{API}/decisions/{did}/withdraw",
        json={"statement": "Merged with another decision."},
        headers=network["headers"]["facilitator"],
    )
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.execute(select(Ballot.content)).scalar() is None
    assert db.session.execute(select(AnonymousBallot.content)).scalar() == {"option": memphis}


def test_an_open_ballot_is_not_cut(
    client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now)
    memphis = option_ids(did)[0]
    _put(client, network, "adpc", did, {"option": memphis})
    client.post(f"{API}/decisions/{did}/close", headers=network["headers"]["facilitator"])
    db.session.expire_all()
    ballot = db.session.execute(select(Ballot)).scalar_one()
    assert ballot.content == {"option": memphis} and ballot.receipt
    assert db.session.execute(select(AnonymousBallot)).first() is None
    assert ballot_reads.cast_ballots(db.session.get(Decision, did)) == [ballot]  # type: ignore[arg-type]
