"""``cop verify-log`` protects the count: it fails on a changed log, on ballots or
statuses the log does not account for, and on a log emptied, cut off or rewritten
up to an anchor kept outside the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from cop_vote.extensions import db
from cop_vote.models import (
    AnonymousBallot,
    Ballot,
    BallotChange,
    Decision,
    Elector,
    Event,
    Objection,
    Organisation,
)
from cop_vote.services import audit, objections, transitions
from cop_vote.services import ballots as ballot_service
from tests.web.helpers import make_decision, option_ids


@pytest.fixture
def history(app: Flask, network: dict[str, Any], clock: Any) -> dict[str, Any]:
    """An open-ballot decision and a secret one, both published; a third still open;
    a fourth closed with an objection."""
    people = network["people"]
    fac = people["facilitator"]
    made: dict[str, Any] = {}
    for name, secrecy in (("open", "open"), ("secret", "secret")):
        did = make_decision(fac, clock.now, ballot_secrecy=secrecy)
        first, second, _third = option_ids(did)
        ballot_service.cast_ballot(people["adpc"], did, {"option": first}, clock.now)
        ballot_service.cast_ballot(people["oxfam1"], did, {"option": second}, clock.now)
        ballot_service.cast_ballot(people["oxfam2"], did, {"option": first}, clock.now)
        ballot_service.cast_ballot(people["stro"], did, {"abstain": True}, clock.now)
        ballot_service.withdraw_ballot(people["stro"], did, clock.now)
        transitions.close_decision(fac, did, clock.now)
        transitions.publish_decision(fac, did, first, "Chosen.", clock.now)
        made[name] = did
    running = make_decision(fac, clock.now)
    ballot_service.cast_ballot(
        people["adpc"], running, {"option": option_ids(running)[0]}, clock.now
    )
    made["running"] = running
    disputed = make_decision(fac, clock.now)
    ballot_service.cast_ballot(
        people["stro"], disputed, {"option": option_ids(disputed)[1]}, clock.now
    )
    transitions.close_decision(fac, disputed, clock.now)
    objections.lodge_objection(people["adpc"], disputed, "We cannot find our ballot.", clock.now)
    made["disputed"] = disputed
    db.session.commit()
    decision = db.session.get(Decision, made["secret"])
    assert decision is not None
    made["anchor"] = decision.published_log_hash
    db.session.commit()
    return made


def _verify(app: Flask, *anchors: str) -> Any:
    args = ["cop", "verify-log"]
    for anchor in anchors:
        args += ["--anchor", anchor]
    return app.test_cli_runner().invoke(args=args)


def test_an_intact_log_agrees_with_the_ballots(app: Flask, history: dict[str, Any]) -> None:
    result = _verify(app, history["anchor"])
    assert result.exit_code == 0, result.output
    assert "ballots and decisions agree, 1 anchor found" in result.output


def _rehash_from(first_id: int) -> None:
    """Recompute every hash from ``first_id`` on, as someone covering a change would."""
    entries = db.session.execute(select(Event).order_by(Event.id)).scalars().all()
    prev = audit.GENESIS
    for entry in entries:
        if entry.id >= first_id:
            entry.prev_hash = prev
            entry.hash = audit._digest(  # noqa: SLF001 - the attacker knows the formula
                prev, entry.at, entry.actor_id, entry.kind, entry.subject, entry.data
            )
        prev = entry.hash
    db.session.commit()


def _ballot_entries(decision_id: int) -> list[Event]:
    return list(
        db.session.execute(
            select(Event)
            .where(Event.subject == f"decision:{decision_id}", Event.kind.like("ballot.%"))
            .order_by(Event.id)
        ).scalars()
    )


def _edit_entry(history: dict[str, Any]) -> None:
    entry = _ballot_entries(history["open"])[0]
    entry.data = {**entry.data, "version": 7}
    db.session.commit()


def _delete_entry(history: dict[str, Any]) -> None:
    entry = _ballot_entries(history["open"])[1]
    db.session.execute(delete(Event).where(Event.id == entry.id))
    db.session.commit()


def _reorder_entries(history: dict[str, Any]) -> None:
    a, b = _ballot_entries(history["open"])[:2]
    columns = ("at", "actor_id", "kind", "subject", "data", "prev_hash", "hash")
    values_a = {c: getattr(a, c) for c in columns}
    values_b = {c: getattr(b, c) for c in columns}
    db.session.execute(update(Event).where(Event.id == a.id).values(hash="x" * 64))
    db.session.execute(update(Event).where(Event.id == b.id).values(**values_a))
    db.session.execute(update(Event).where(Event.id == a.id).values(**values_b))
    db.session.commit()


def _edit_open_ballot(history: dict[str, Any]) -> None:
    did = history["open"]
    second = option_ids(did)[1]
    db.session.execute(
        update(Ballot)
        .where(Ballot.decision_id == did, Ballot.content.is_not(None))
        .values(content={"option": second})
    )
    db.session.commit()


def _drop_sealed_ballot(history: dict[str, Any]) -> None:
    db.session.execute(
        delete(AnonymousBallot).where(
            AnonymousBallot.decision_id == history["secret"], AnonymousBallot.position == 0
        )
    )
    db.session.commit()


def _change_sealed_ballot(history: dict[str, Any]) -> None:
    did = history["secret"]
    db.session.execute(
        update(AnonymousBallot)
        .where(AnonymousBallot.decision_id == did)
        .values(content={"option": option_ids(did)[2]})
    )
    db.session.commit()


def _uncast_secret_ballot(history: dict[str, Any]) -> None:
    db.session.execute(
        update(Ballot)
        .where(Ballot.decision_id == history["secret"], Ballot.is_cast.is_(True))
        .values(is_cast=False)
    )
    db.session.commit()


def _reopen(history: dict[str, Any]) -> None:
    db.session.execute(update(Decision).where(Decision.id == history["open"]).values(status="open"))
    db.session.commit()


def _change_outcome(history: dict[str, Any]) -> None:
    did = history["open"]
    db.session.execute(
        update(Decision).where(Decision.id == did).values(outcome_option_id=option_ids(did)[1])
    )
    db.session.commit()


def _change_statement(history: dict[str, Any]) -> None:
    db.session.execute(
        update(Decision).where(Decision.id == history["open"]).values(outcome_statement="Other.")
    )
    db.session.commit()


def _move_the_close(history: dict[str, Any]) -> None:
    decision = db.session.get(Decision, history["open"])
    assert decision is not None and decision.closed_at is not None
    decision.closed_at = decision.closed_at - timedelta(hours=1)
    db.session.commit()


def _add_an_elector(history: dict[str, Any]) -> None:
    pso = db.session.execute(select(Organisation.id).where(Organisation.slug == "pso")).scalar()
    db.session.add(Elector(decision_id=history["open"], organisation_id=pso, kind="facilitator"))
    db.session.commit()


def _swap_receipts(history: dict[str, Any]) -> None:
    rows = (
        db.session.execute(
            select(Ballot)
            .where(Ballot.decision_id == history["open"], Ballot.receipt.is_not(None))
            .order_by(Ballot.id)
        )
        .scalars()
        .all()
    )
    first, second = rows[:2]
    first.receipt, second.receipt = second.receipt, "SWAP-PED0-0000"
    db.session.commit()


def _edit_history(history: dict[str, Any]) -> None:
    did = history["open"]
    ballot_ids = select(Ballot.id).where(Ballot.decision_id == did)
    change = db.session.execute(
        select(BallotChange)
        .where(BallotChange.ballot_id.in_(ballot_ids), BallotChange.content.is_not(None))
        .order_by(BallotChange.id)
        .limit(1)
    ).scalar_one()
    change.content = {"option": option_ids(did)[2]}
    db.session.commit()


def _relink_a_sealed_ballot(history: dict[str, Any]) -> None:
    did = history["secret"]
    db.session.execute(
        update(Ballot)
        .where(Ballot.decision_id == did, Ballot.is_cast.is_(True))
        .values(content={"option": option_ids(did)[0]})
    )
    db.session.commit()


def _edit_objection(history: dict[str, Any]) -> None:
    db.session.execute(update(Objection).values(text="We accept the count."))
    db.session.commit()


def _delete_objection(history: dict[str, Any]) -> None:
    db.session.execute(delete(Objection))
    db.session.commit()


def _empty_log(history: dict[str, Any]) -> None:
    db.session.execute(delete(Event))
    db.session.commit()


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (_edit_entry, "entry changed after it was written"),
        (_delete_entry, "previous entry missing or changed"),
        (_reorder_entries, "previous entry missing or changed"),
        (_edit_open_ballot, "the stored ballot differs from the logged one"),
        (_drop_sealed_ballot, "sealed ballots are stored"),
        (_change_sealed_ballot, "the sealed ballots differ from those logged"),
        (_uncast_secret_ballot, "disagree on whether a ballot is cast"),
        (_reopen, "stored status open, the log says published"),
        (_empty_log, "not in the log"),
        (_change_outcome, "the published option differs from the one logged"),
        (_change_statement, "the published statement differs from the one logged"),
        (_move_the_close, "the stored close time differs from the logged one"),
        (_add_an_elector, "the stored electorate differs from the one logged at opening"),
        (_swap_receipts, "the stored receipt differs from the logged one"),
        (_edit_history, "the ballot's history differs from the log"),
        (_relink_a_sealed_ballot, "holds a content or receipt next to its organisation again"),
        (_edit_objection, "differs from the one logged"),
        (_delete_objection, "was logged but is not stored"),
    ],
)
def test_tampering_is_detected(
    app: Flask, history: dict[str, Any], tamper: Callable[[dict[str, Any]], None], says: str
) -> None:
    tamper(history)
    result = _verify(app)
    assert result.exit_code == 1
    assert says in result.output, result.output


def test_a_tail_cut_off_is_detected_by_the_anchor(app: Flask, history: dict[str, Any]) -> None:
    anchor_entry = db.session.execute(
        select(Event).where(Event.hash == history["anchor"])
    ).scalar_one()
    db.session.execute(delete(Event).where(Event.id >= anchor_entry.id))
    db.session.execute(update(Decision).values(published_log_hash=None))  # covered tracks
    db.session.commit()
    assert "cut off or rewritten" in _verify(app, history["anchor"]).output
    assert _verify(app, history["anchor"]).exit_code == 1


def test_a_log_rewritten_and_rehashed_is_detected_by_the_anchor(
    app: Flask, history: dict[str, Any]
) -> None:
    entry = _ballot_entries(history["open"])[0]
    second = option_ids(history["open"])[1]
    entry.data = {**entry.data, "ballot": {"option": second}}
    db.session.commit()
    _rehash_from(entry.id)
    db.session.execute(update(Decision).values(published_log_hash=None))  # covered tracks
    db.session.commit()
    # The chain is valid again, but the anchor kept outside is gone from it.
    assert audit.verify_chain().ok
    result = _verify(app, history["anchor"])
    assert result.exit_code == 1
    assert "is not in the log" in result.output


def test_what_an_anchor_cannot_cover(app: Flask, history: dict[str, Any], clock: Any) -> None:
    """Entries after the newest anchor, rewritten and re-hashed, keep every
    anchor: the README says so. (The ballots still have to agree with them.)"""
    clock.advance(minutes=5)
    last = db.session.execute(select(Event).order_by(Event.id.desc()).limit(1)).scalar_one()
    last.at = last.at + timedelta(seconds=1)
    db.session.commit()
    _rehash_from(last.id)
    assert _verify(app, history["anchor"]).exit_code == 0
