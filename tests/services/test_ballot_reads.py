"""What the ballot service reads back: whose electorate an organisation is in,
one decision's history of one organisation's ballot, the ballots recorded in a
meeting; and a withdrawal decided on the stored state of the decision."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from cop_vote.domain.errors import DecisionClosed, InvalidInput, NotFound
from cop_vote.extensions import db
from cop_vote.services import ballot_reads, ballots, decisions
from tests.web.helpers import make_decision, option_ids


def test_elector_of_names_the_decisions_whose_electorate_holds_the_organisation(
    network: dict[str, Any], clock: Any, make_org: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    first = make_decision(facilitator, clock.now, title="First")
    draft = make_decision(facilitator, clock.now, title="Draft", open_it=False)
    newcomer = make_org("newcomer", name="Newcomer")
    db.session.commit()
    second = make_decision(facilitator, clock.now, title="Second")
    adpc = network["orgs"]["adpc"].id
    every = [first, draft, second]
    # The electorate is fixed when a decision opens: a draft has none yet.
    assert ballots.elector_of(every, adpc) == {first, second}
    assert ballots.elector_of(every, newcomer.id) == {second}
    assert ballots.elector_of([first], newcomer.id) == set()
    assert ballots.elector_of([], adpc) == set()
    assert ballots.elector_of(every, None) == set()


def test_a_history_is_of_one_decision_only(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    one = make_decision(people["facilitator"], clock.now, title="One")
    other = make_decision(people["facilitator"], clock.now, title="Other")
    ballots.cast_ballot(people["adpc"], other, {"option": option_ids(other)[1]}, clock.now)
    ballots.cast_ballot(people["adpc"], one, {"option": option_ids(one)[0]}, clock.now)
    db.session.commit()
    adpc = network["orgs"]["adpc"].id
    assert [(c.version, c.content) for c in ballot_reads.history(one, adpc)] == [
        (1, {"option": option_ids(one)[0]})
    ]
    assert [(c.version, c.content) for c in ballot_reads.history(other, adpc)] == [
        (1, {"option": option_ids(other)[1]})
    ]


def test_recorded_ballots_are_the_cast_ones_a_facilitator_recorded(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(facilitator, clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    ballots.cast_ballot(people["adpc"], did, {"option": memphis}, clock.now)
    ballots.record_ballot(facilitator, did, "stro", {"option": nashville}, "Marieke", clock.now)
    ballots.record_ballot(facilitator, did, "oxfam-novib", {"option": memphis}, "Idris", clock.now)
    ballots.withdraw_ballot(people["oxfam1"], did, clock.now)
    db.session.commit()
    decision = decisions.get_decision(facilitator, did)
    recorded = ballot_reads.recorded_ballots(decision)
    # Organisation names and who gave each, in the order recorded; a recorded
    # ballot withdrawn since (oxfam-novib's) is not among them.
    assert [(b.organisation, b.given_by) for b in recorded] == [
        (network["orgs"]["stro"].name, "Marieke")
    ]


def test_withdrawing_decides_on_the_stored_status_not_a_loaded_one(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    loaded = decisions.get_decision(people["adpc"], did)
    assert loaded.status == "open"
    # The facilitator closes it meanwhile (behind this session's back; nothing
    # may expire the loaded object before the withdrawal reads the decision).
    db.session.execute(
        text("UPDATE decision SET status = 'closed', closed_at = :at WHERE id = :d"),
        {"at": clock.now, "d": did},
    )
    with pytest.raises(DecisionClosed):
        ballots.withdraw_ballot(people["adpc"], did, clock.now)
    db.session.rollback()
    assert [
        (c.version, c.action) for c in ballot_reads.history(did, network["orgs"]["adpc"].id)
    ] == [(1, "cast")]


def test_recording_decides_on_the_stored_status_not_a_loaded_one(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    loaded = decisions.get_decision(facilitator, did)
    assert loaded.status == "open"
    # Closed meanwhile by another request (behind this session's back).
    db.session.execute(
        text("UPDATE decision SET status = 'closed', closed_at = :at WHERE id = :d"),
        {"at": clock.now, "d": did},
    )
    with pytest.raises(DecisionClosed):
        ballots.record_ballot(
            facilitator, did, "stro", {"option": option_ids(did)[0]}, "Marieke", clock.now
        )
    db.session.rollback()
    assert ballot_reads.history(did, network["orgs"]["stro"].id) == []


def test_casting_decides_on_the_stored_status_not_a_loaded_one(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    loaded = decisions.get_decision(people["adpc"], did)
    assert loaded.status == "open"
    db.session.execute(
        text("UPDATE decision SET status = 'closed', closed_at = :at WHERE id = :d"),
        {"at": clock.now, "d": did},
    )
    with pytest.raises(DecisionClosed):
        ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.rollback()
    assert ballot_reads.history(did, network["orgs"]["adpc"].id) == []


def test_a_bad_version_or_nothing_to_withdraw_is_said_exactly(
    network: dict[str, Any], clock: Any
) -> None:
    adpc = network["people"]["adpc"]
    did = make_decision(network["people"]["facilitator"], clock.now)
    with pytest.raises(NotFound) as nothing:
        ballots.withdraw_ballot(adpc, did, clock.now)
    assert str(nothing.value) == "Your organisation has no ballot to withdraw."
    db.session.rollback()
    for version in ("1", 1.0, True):
        with pytest.raises(InvalidInput) as caught:
            ballots.cast_ballot(
                adpc, did, {"option": option_ids(did)[0]}, clock.now, version=version
            )
        assert (caught.value.message, caught.value.fields) == (
            "version must be a whole number.",
            {"version": "A whole number."},
        )
        db.session.rollback()
    assert ballot_reads.history(did, network["orgs"]["adpc"].id) == []


def test_a_ballot_inserted_by_another_writer_first_is_updated_not_duplicated(
    network: dict[str, Any], clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback of a write whose insert meets a row another transaction made
    (the races in tests/races reach it for real; here the first look-up is made
    to miss the row, as it would before the other transaction commits): the
    stored row is updated to this write, recorded by its writer and given by
    the name given, one version later."""
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    ballots.cast_ballot(people["adpc"], did, {"option": memphis}, clock.now)
    db.session.commit()
    real = ballots.find_ballot_locked  # the write's look-up, under the lock
    calls: list[tuple[Any, ...]] = []

    def first_misses(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(ballots, "find_ballot_locked", first_misses)
    ack = ballots.record_ballot(
        people["facilitator"], did, "adpc", {"option": nashville}, "A. Warsame", clock.now
    )
    db.session.commit()
    assert len(calls) == 2  # the look-up that missed, and the one after the insert failed
    stored = real(did, network["orgs"]["adpc"].id)
    assert stored is not None
    assert (stored.version, stored.content, stored.given_by) == (
        2,
        {"option": nashville},
        "A. Warsame",
    )
    assert (stored.recorded_by_id, stored.cast_by_id) == (people["facilitator"].id, None)
    assert (ack.version, ack.content) == (2, {"option": nashville})
    count = db.session.execute(
        text("SELECT count(*) FROM ballot WHERE decision_id = :d"), {"d": did}
    ).scalar()
    assert count == 1


def test_a_ballots_log_entry_carries_the_moment_of_the_write(
    network: dict[str, Any], clock: Any
) -> None:
    """The log says when a ballot was cast as the ballot does (the write's clock,
    read under the lock), so that a recount from the log lines up with it."""
    from cop_vote.models import Event

    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    clock.advance(hours=1, seconds=7)
    ack = ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    event = db.session.execute(
        db.select(Event).where(Event.kind == "ballot.cast").order_by(Event.id.desc())
    ).scalar_one()
    assert event.at == ack.cast_at == clock.now
