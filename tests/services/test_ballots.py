"""Casting ballots through the services: one organisation, one ballot."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from cop_vote.domain.errors import DecisionClosed, NotAllowed, StaleBallot
from cop_vote.extensions import db
from cop_vote.models import Ballot, BallotChange, Person
from cop_vote.services import ballot_reads, ballots, decisions, results, transitions


def _open_decision(network: dict[str, Any], clock: Any, **extra: Any) -> int:
    facilitator = network["people"]["facilitator"]
    decision = decisions.create_decision(
        facilitator,
        {
            "title": "Form of the cooperation",
            "method": "single_choice",
            "options": [
                {"label": "MOS"},
                {"label": "Kenniscentrum"},
                {"label": "CoP"},
                {"label": "Taskforce"},
            ],
            "closes_at": (clock.now + timedelta(days=14)).isoformat(),
            **extra,
        },
        clock.now,
    )
    transitions.open_decision(facilitator, decision.id, clock.now)
    db.session.commit()
    return decision.id


def _option_ids(decision_id: int) -> list[int]:
    return [o.id for o in db.session.get(decisions.Decision, decision_id).options]


def test_two_representatives_share_one_ballot(network: dict[str, Any], clock: Any) -> None:
    decision_id = _open_decision(network, clock)
    first, second = _option_ids(decision_id)[:2]
    people = network["people"]
    ballots.cast_ballot(people["oxfam1"], decision_id, {"option": first}, clock.now)
    clock.advance(minutes=1)
    ballot = ballots.cast_ballot(people["oxfam2"], decision_id, {"option": second}, clock.now)
    db.session.commit()
    assert ballot.version == 2
    assert ballot.cast_by is not None and ballot.cast_by.id == people["oxfam2"].id
    rows = db.session.execute(select(func.count()).select_from(Ballot)).scalar()
    assert rows == 1
    history = ballot_reads.history(decision_id, ballot.organisation_id)
    assert [(c.version, c.action, c.person_id) for c in history] == [
        (1, "cast", people["oxfam1"].id),
        (2, "change", people["oxfam2"].id),
    ]
    assert history[0].receipt != history[1].receipt
    decision = db.session.get(decisions.Decision, decision_id)
    result = results.count(decision)
    votes = {o["id"]: o["votes"] for o in result.options}
    assert votes[first] == 0 and votes[second] == 1  # the organisation counts once


def test_stale_version_changes_nothing(network: dict[str, Any], clock: Any) -> None:
    decision_id = _open_decision(network, clock)
    first, second = _option_ids(decision_id)[:2]
    people = network["people"]
    ballots.cast_ballot(people["oxfam1"], decision_id, {"option": first}, clock.now, version=0)
    db.session.commit()
    with pytest.raises(StaleBallot) as info:
        ballots.cast_ballot(people["oxfam2"], decision_id, {"option": second}, clock.now, version=0)
    db.session.rollback()
    assert info.value.current is not None and info.value.current["ballot"] == {"option": first}
    assert ballots.own_ballot(people["oxfam2"], decision_id).content == {"option": first}


def test_deadline_is_checked_inside_the_write(network: dict[str, Any], clock: Any) -> None:
    decision_id = _open_decision(network, clock)
    first = _option_ids(decision_id)[0]
    clock.advance(days=14)
    with pytest.raises(DecisionClosed) as info:
        ballots.cast_ballot(network["people"]["adpc"], decision_id, {"option": first}, clock.now)
    db.session.rollback()
    assert info.value.closes_at == clock.now
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar() == 0


def test_observer_and_facilitator_organisation_cannot_vote(
    network: dict[str, Any], clock: Any
) -> None:
    decision_id = _open_decision(network, clock)
    first = _option_ids(decision_id)[0]
    for who in ("observer", "facilitator"):
        with pytest.raises(NotAllowed):
            ballots.cast_ballot(network["people"][who], decision_id, {"option": first}, clock.now)
        db.session.rollback()


def test_facilitator_votes_when_the_decision_says_so(network: dict[str, Any], clock: Any) -> None:
    decision_id = _open_decision(network, clock, facilitator_votes=True)
    first = _option_ids(decision_id)[0]
    ballot = ballots.cast_ballot(
        network["people"]["facilitator"], decision_id, {"option": first}, clock.now
    )
    assert ballot.organisation_slug == "pso"


def test_withdraw_keeps_version_rising(network: dict[str, Any], clock: Any) -> None:
    decision_id = _open_decision(network, clock)
    first = _option_ids(decision_id)[0]
    rep = network["people"]["adpc"]
    ballots.cast_ballot(rep, decision_id, {"option": first}, clock.now)
    withdrawn = ballots.withdraw_ballot(rep, decision_id, clock.now)
    assert withdrawn.version == 2 and withdrawn.content is None
    again = ballots.cast_ballot(rep, decision_id, {"abstain": True}, clock.now)
    assert again.version == 3
    db.session.commit()


def _cast_in_thread(
    app: Flask,
    person_id: int,
    decision_id: int,
    option_id: int,
    barrier: threading.Barrier,
    errors: list[BaseException],
) -> None:
    with app.app_context():
        try:
            barrier.wait(timeout=10)  # before any query: on SQLite a query takes the lock
            person = db.session.get(Person, person_id)
            ballots.cast_ballot(person, decision_id, {"option": option_id}, app.config["CLOCK"]())
            db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            db.session.rollback()
            errors.append(exc)
        finally:
            db.session.remove()


def test_simultaneous_casts_leave_one_ballot(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    decision_id = _open_decision(network, clock)
    first, second = _option_ids(decision_id)[:2]
    ids = {key: network["people"][key].id for key in ("oxfam1", "oxfam2")}
    db.session.rollback()  # hold no transaction (on SQLite: no write lock) while threads run
    for _round in range(5):
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []
        threads = [
            threading.Thread(
                target=_cast_in_thread, args=(app, ids[key], decision_id, option, barrier, errors)
            )
            for key, option in (("oxfam1", first), ("oxfam2", second))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
    db.session.expire_all()
    rows = db.session.execute(select(Ballot)).scalars().all()
    assert len(rows) == 1
    assert rows[0].version == 10
    versions = (
        db.session.execute(select(BallotChange.version).order_by(BallotChange.version))
        .scalars()
        .all()
    )
    assert versions == list(range(1, 11))
