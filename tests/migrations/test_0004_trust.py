"""Revision 0004 on a populated database upgraded from 0003 (the demo network
with open-ballot and secret decisions, open, closed, published and withdrawn)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from cop_vote.domain.tally import OptionRef, tally
from cop_vote.extensions import db
from cop_vote.models import AnonymousBallot, Ballot, BallotChange, Decision, Event
from cop_vote.services import audit, results, verification
from cop_vote.services.sealing import canonical
from tests.migrations.harness import database_at, populated


def _rows(snapshot: dict[str, Any], table: str) -> list[dict[str, Any]]:
    return list(snapshot["tables"][table])


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Any:
    with database_at(database_url, "0003", tmp_path) as app:
        snapshot = populated(app, "0003")
        upgrade()
        yield app, snapshot


def test_is_cast_follows_the_old_content(upgraded: Any) -> None:
    _app, snapshot = upgraded
    old = {row["id"]: row["content"] is not None for row in _rows(snapshot, "ballot")}
    new = {b.id: b.is_cast for b in db.session.execute(select(Ballot)).scalars()}
    assert new == old
    assert any(old.values()) and not all(old.values())  # withdrawals are in the snapshot


def test_ended_secret_decisions_are_cut_from_their_organisations(upgraded: Any) -> None:
    _app, snapshot = upgraded
    decisions = {d["id"]: d for d in _rows(snapshot, "decision")}
    electors = Counter((e["decision_id"], e["organisation_id"]) for e in _rows(snapshot, "elector"))
    ended = {
        i
        for i, d in decisions.items()
        if d["ballot_secrecy"] == "secret" and d["status"] in ("closed", "published", "withdrawn")
    }
    still_open = {
        i for i, d in decisions.items() if d["ballot_secrecy"] == "secret" and d["status"] == "open"
    }
    assert ended and still_open
    old_ballots = _rows(snapshot, "ballot")
    for decision_id in ended:
        before = Counter(
            canonical(b["content"])
            for b in old_ballots
            if b["decision_id"] == decision_id
            and b["content"] is not None
            and electors[(decision_id, b["organisation_id"])]
        )
        sealed = db.session.execute(
            select(AnonymousBallot).where(AnonymousBallot.decision_id == decision_id)
        ).scalars()
        rows = list(sealed)
        assert Counter(canonical(a.content) for a in rows) == before
        assert sorted(a.position for a in rows) == list(range(len(rows)))
        assert all(a.receipt is None for a in rows)
        decision = db.session.get(Decision, decision_id)
        assert decision is not None and decision.ballots_sealed_at is not None
    # No row of ballot or ballot_change still holds a content or receipt of an ended
    # secret decision; open ones and open-ballot decisions keep theirs.
    for ballot in db.session.execute(select(Ballot)).scalars():
        if ballot.decision_id in ended:
            assert ballot.content is None and ballot.receipt is None
        old = next(b for b in old_ballots if b["id"] == ballot.id)
        if ballot.decision_id not in ended:
            assert ballot.content == old["content"] and ballot.receipt == old["receipt"]
    ended_ballot_ids = {b["id"] for b in old_ballots if b["decision_id"] in ended}
    for change in db.session.execute(select(BallotChange)).scalars():
        if change.ballot_id in ended_ballot_ids:
            assert change.content is None and change.receipt is None
            assert change.person_id is not None and change.at is not None  # who and when stay
    for decision_id in still_open:
        decision = db.session.get(Decision, decision_id)
        assert decision is not None and decision.ballots_sealed_at is None


def test_published_decisions_are_anchored_in_the_log(upgraded: Any) -> None:
    published = db.session.execute(select(Decision).where(Decision.status == "published")).scalars()
    anchored = 0
    for decision in published:
        entry = db.session.execute(
            select(Event).where(
                Event.kind == "decision.published", Event.subject == f"decision:{decision.id}"
            )
        ).scalar_one()
        assert decision.published_log_hash == entry.hash
        anchored += 1
    assert anchored >= 2
    assert audit.verify_chain().ok


def test_downgrade_refuses_to_pretend_it_can_restore_the_link(
    upgraded: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):  # Flask-Migrate turns the refusal into exit status 1
        downgrade(revision="0003")
    assert "cannot be restored" in capfd.readouterr().err
    # still at 0004 (later revisions were downgraded; `kind` came in 0013)
    assert db.session.execute(select(AnonymousBallot.receipt)).first() is not None


def test_the_upgraded_network_counts_and_verifies(upgraded: Any) -> None:
    """After the upgrade the sealed decisions count as before, from the anonymous
    ballots, and the log agrees with the ballots."""
    _app, snapshot = upgraded
    check = verification.verify_log()
    assert check.ok, check.problems
    rows = {d["id"]: d for d in _rows(snapshot, "decision")}
    electors = {(e["decision_id"], e["organisation_id"]) for e in _rows(snapshot, "elector")}
    counted = 0
    for decision in db.session.execute(select(Decision)).scalars():
        old = rows[decision.id]
        if old["ballot_secrecy"] != "secret" or old["status"] not in ("closed", "published"):
            continue
        before = [
            b["content"]
            for b in _rows(snapshot, "ballot")
            if b["decision_id"] == decision.id
            and b["content"] is not None
            and (decision.id, b["organisation_id"]) in electors
        ]
        options = [OptionRef(o.id, o.label) for o in decision.options]
        expected = tally(
            decision.method,
            options,
            before,
            eligible=len(decision.electorate),
            counting=decision.counting,
            max_score=decision.max_score,
            dots=decision.dots,
            quorum=results.quorum_of(decision),
        )
        assert results.count(decision).to_dict() == expected.to_dict()
        counted += 1
    assert counted == 2
