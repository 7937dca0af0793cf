"""Decisions at the service level: closing at deadlines (``close_due``), what an
open decision may still change, and a ballot's history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cop_vote.domain.errors import Conflict, InvalidInput
from cop_vote.extensions import db
from cop_vote.models import Decision, Event
from cop_vote.services import ballot_reads, ballots, decision_options, decisions, transitions
from tests.dbstate import changed_tables, snapshot
from tests.web.helpers import make_decision, option_ids


def _stored(did: int) -> Decision:
    db.session.expire_all()
    decision = db.session.get(Decision, did)
    assert decision is not None
    return decision


def test_close_due_closes_only_open_decisions_past_their_deadline(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    start = clock.now
    due = make_decision(facilitator, start, days=1, title="Due")
    exactly = make_decision(facilitator, start, days=2, title="Due exactly now")
    later = make_decision(facilitator, start, days=5, title="Later")
    draft = make_decision(facilitator, start, days=1, open_it=False, title="Draft")
    closed_by_hand = make_decision(facilitator, start, days=1, title="Closed by hand")
    transitions.close_decision(facilitator, closed_by_hand, start + timedelta(hours=1))
    db.session.commit()
    clock.advance(days=2)

    closed = transitions.close_due(clock.now)
    db.session.commit()
    assert sorted(d.id for d in closed) == sorted([due, exactly])
    assert _stored(due).status == "closed"
    assert _stored(due).closed_at == start + timedelta(days=1)
    assert _stored(exactly).closed_at == clock.now
    assert _stored(later).status == "open"
    assert _stored(draft).status == "draft"
    assert _stored(closed_by_hand).closed_at == start + timedelta(hours=1)
    entries = db.session.execute(
        select(Event.subject, Event.data).where(Event.kind == "decision.closed")
    ).all()
    by_deadline = {s: d["by"] for s, d in entries}
    assert by_deadline == {
        f"decision:{closed_by_hand}": "facilitator",
        f"decision:{due}": "deadline",
        f"decision:{exactly}": "deadline",
    }
    # Safe to run twice: nothing more to close, nothing written.
    before = snapshot()
    assert transitions.close_due(clock.now) == []
    db.session.commit()
    assert snapshot() == before


def test_close_due_leaves_a_decision_extended_meanwhile(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now, days=1)
    decisions.update_decision(
        facilitator, did, {"closes_at": (clock.now + timedelta(days=3)).isoformat()}, clock.now
    )
    db.session.commit()
    clock.advance(days=2)
    assert transitions.close_due(clock.now) == []
    assert _stored(did).status == "open"


def test_an_open_decision_changes_only_its_wording_and_a_later_deadline(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now, days=7)
    first, second, _third = option_ids(did)
    deadline = _stored(did).closes_at
    assert deadline is not None
    refusals: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"title": "New title"}, Conflict),
        ({"method": "approval"}, Conflict),
        ({"quorum": 0.5}, Conflict),
        ({"closes_at": (deadline - timedelta(hours=1)).isoformat()}, Conflict),
        ({"closes_at": None}, InvalidInput),
        ({"closes_at": ""}, InvalidInput),
        ({"options": {"id": first}}, InvalidInput),
        ({"options": [{"id": 99999, "label": "X"}]}, InvalidInput),
        ({"options": [{"label": "No id"}]}, InvalidInput),
        ({"options": ["not an object"]}, InvalidInput),
        ({"options": [{"id": first, "position": 3}]}, Conflict),
    ]
    for data, error in refusals:
        before = snapshot()
        with pytest.raises(error):
            decisions.update_decision(facilitator, did, data, clock.now)
        db.session.rollback()
        after = snapshot()
        assert after == before, (data, changed_tables(before, after))
    # The deadline it has already is no change, and no refusal either.
    before = snapshot()
    decisions.update_decision(facilitator, did, {"closes_at": deadline.isoformat()}, clock.now)
    db.session.commit()
    assert snapshot() == before

    clock.advance(hours=1)
    later = deadline + timedelta(days=1)
    decisions.update_decision(
        facilitator,
        did,
        {
            "closes_at": later.isoformat(),
            "description": "Now with a map.",
            "options": [{"id": second, "label": "  Nashville, TN ", "description": "Music city"}],
        },
        clock.now,
    )
    db.session.commit()
    decision = _stored(did)
    assert decision.closes_at == later
    assert decision.description == "Now with a map."
    reworded = {o.id: o for o in decision.options}
    assert (reworded[second].label, reworded[second].description) == (
        "Nashville, TN",
        "Music city",
    )
    assert reworded[second].edited_at == clock.now
    assert reworded[first].edited_at is None and reworded[first].label == "Memphis"
    entry = db.session.execute(
        select(Event.data).where(Event.kind == "decision.updated")
    ).scalar_one()
    assert entry["fields"] == ["closes_at", "description", "options"]
    assert entry["status"] == "open"


@pytest.mark.parametrize("state", ["closed", "published", "withdrawn"])
def test_a_decision_that_is_not_draft_or_open_cannot_change(
    network: dict[str, Any], clock: Any, state: str
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    if state == "withdrawn":
        transitions.withdraw_decision(facilitator, did, "Stop.", clock.now)
    else:
        transitions.close_decision(facilitator, did, clock.now)
        if state == "published":
            transitions.publish_decision(facilitator, did, None, "Done.", clock.now)
    db.session.commit()
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        decisions.update_decision(facilitator, did, {"description": "Later words."}, clock.now)
    assert (caught.value.message, caught.value.code) == (
        f"A {state} decision cannot be changed.",
        "conflict",
    )
    db.session.rollback()
    assert snapshot() == before


def test_a_ballots_history_lists_every_write_oldest_first(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    ballots.cast_ballot(people["oxfam1"], did, {"option": memphis}, clock.now)
    clock.advance(minutes=1)
    ballots.cast_ballot(people["oxfam2"], did, {"option": nashville}, clock.now)
    clock.advance(minutes=1)
    ballots.withdraw_ballot(people["oxfam1"], did, clock.now)
    ballots.cast_ballot(people["adpc"], did, {"option": memphis}, clock.now)
    db.session.commit()
    oxfam = network["orgs"]["oxfam"].id
    changes = ballot_reads.history(did, oxfam)
    assert [(c.version, c.action, c.content, c.person_id) for c in changes] == [
        (1, "cast", {"option": memphis}, people["oxfam1"].id),
        (2, "change", {"option": nashville}, people["oxfam2"].id),
        (3, "withdraw", None, people["oxfam1"].id),
    ]
    assert ballot_reads.history(did, network["orgs"]["stro"].id) == []


def test_who_sees_which_decisions_in_the_list(network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    open_one = make_decision(facilitator, clock.now, title="Open")
    clock.advance(minutes=1)
    draft = make_decision(facilitator, clock.now, open_it=False, title="Draft")
    clock.advance(minutes=1)
    proposing = make_decision(
        facilitator, clock.now, open_it=False, title="Proposals", proposals_open=True
    )
    clock.advance(minutes=1)
    closed = make_decision(facilitator, clock.now, title="Closed")
    transitions.close_decision(facilitator, closed, clock.now)
    db.session.commit()

    def listed(viewer: Any) -> list[int]:
        return [d.id for d in decisions.list_decisions(viewer)]

    assert listed(facilitator) == [closed, proposing, draft, open_one]
    assert listed(people["adpc"]) == [closed, proposing, open_one]
    assert listed(people["observer"]) == [closed, open_one]


def test_a_slot_is_named_in_the_networks_zone() -> None:
    from datetime import UTC, datetime

    starts = datetime(2010, 1, 12, 13, 0, tzinfo=UTC)
    assert (
        decision_options.slot_label(starts, starts + timedelta(hours=3), "Europe/Amsterdam")
        == "Tue 2010-01-12 14:00–17:00 CET"
    )
    assert (
        decision_options.slot_label(starts, starts + timedelta(hours=12), "Europe/Amsterdam")
        == "Tue 2010-01-12 14:00–Wed 2010-01-13 02:00 CET"
    )
    assert (
        decision_options.slot_label(starts, starts + timedelta(hours=1), "America/New_York")
        == "Tue 2010-01-12 08:00–09:00 EST"
    )


def test_rewording_an_open_decisions_options_checks_each_text(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    memphis = option_ids(did)[0]
    refused: list[dict[str, Any]] = [
        {"id": memphis, "label": "Two\nlines"},
        {"id": memphis, "label": "x" * 501},
        {"id": memphis, "label": "   "},
        {"id": memphis, "description": "x" * 5001},
    ]
    for item in refused:
        before = snapshot()
        with pytest.raises(InvalidInput) as caught:
            decisions.update_decision(facilitator, did, {"options": [item]}, clock.now)
        field = "label" if "label" in item else "description"
        assert f"options.0.{field}" in caught.value.fields, item
        db.session.rollback()
        assert snapshot() == before
    decisions.update_decision(
        facilitator,
        did,
        {"options": [{"id": memphis, "description": "y" * 5000}]},
        clock.now,
    )
    decisions.update_decision(
        facilitator, did, {"options": [{"id": memphis, "label": "z" * 500}]}, clock.now
    )
    db.session.commit()
    option = {o.id: o for o in _stored(did).options}[memphis]
    assert (option.label, option.description) == ("z" * 500, "y" * 5000)
    decisions.update_decision(
        facilitator, did, {"options": [{"id": memphis, "description": ""}]}, clock.now
    )
    db.session.commit()
    assert {o.id: o for o in _stored(did).options}[memphis].description in ("", None)


def test_only_a_signed_in_member_sees_their_organisations_ballot(
    network: dict[str, Any], clock: Any
) -> None:
    from cop_vote.domain.errors import NotAllowed, NotFound

    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    with pytest.raises(NotAllowed) as caught:
        ballots.own_ballot(None, did)
    assert caught.value.message == "Sign in to see your organisation's ballot."
    with pytest.raises(NotFound) as missing:
        ballots.own_ballot(people["adpc"], did)
    assert missing.value.message == "Your organisation has not cast a ballot."
    ballots.cast_ballot(people["oxfam1"], did, {"option": option_ids(did)[1]}, clock.now)
    db.session.commit()
    assert ballots.own_ballot(people["oxfam2"], did).content == {"option": option_ids(did)[1]}


def test_withdrawing_an_open_secret_decision_seals_it_then(
    network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    ballots.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    clock.advance(hours=5)
    transitions.withdraw_decision(people["facilitator"], did, "  Overtaken by events. ", clock.now)
    db.session.commit()
    decision = _stored(did)
    assert (decision.status, decision.withdrawn_at, decision.ballots_sealed_at) == (
        "withdrawn",
        clock.now,
        clock.now,
    )
    assert decision.outcome_statement == "Overtaken by events."
    kinds = db.session.execute(
        select(Event.kind, Event.at).where(Event.subject == f"decision:{did}").order_by(Event.id)
    ).all()
    assert ("decision.withdrawn", clock.now) in kinds


def test_an_open_decisions_refusals_say_what_may_change(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    cases: list[tuple[Any, str, dict[str, str]]] = [
        (
            ["not", "an", "object"],
            "The body must be a JSON object.",
            {"body": "Must be an object."},
        ),
        (
            {"closes_at": None},
            "An open decision keeps a deadline.",
            {"closes_at": "Give a later time."},
        ),
    ]
    for data, message, fields in cases:
        with pytest.raises(InvalidInput) as caught:
            decisions.update_decision(facilitator, did, data, clock.now)
        assert (caught.value.message, caught.value.fields) == (message, fields)
        db.session.rollback()
    with pytest.raises(Conflict) as locked:
        decisions.update_decision(facilitator, did, {"title": "New", "quorum": 0.5}, clock.now)
    assert locked.value.message == (
        "An open decision can change only its deadline (later), "
        "description and option wording; not: title, quorum."
    )
    db.session.rollback()
    with pytest.raises(Conflict) as earlier:
        decisions.update_decision(
            facilitator, did, {"closes_at": (clock.now + timedelta(days=1)).isoformat()}, clock.now
        )
    assert earlier.value.message == "The deadline of an open decision can only move later."


def test_publication_logs_what_was_published_at_its_time(
    network: dict[str, Any], clock: Any
) -> None:
    from cop_vote.services import audit
    from cop_vote.services.ballot_record import totals_digest
    from cop_vote.services.results import count

    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    ballots.cast_ballot(people["adpc"], did, {"option": nashville}, clock.now)
    ballots.cast_ballot(people["stro"], did, {"option": nashville}, clock.now)
    ballots.cast_ballot(people["oxfam1"], did, {"option": memphis}, clock.now)
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    clock.advance(days=2)
    transitions.publish_decision(people["facilitator"], did, nashville, " Nashville. ", clock.now)
    db.session.commit()
    decision = _stored(did)
    entry = db.session.execute(select(Event).where(Event.kind == "decision.published")).scalar_one()
    assert (entry.subject, entry.actor_id, entry.at) == (
        f"decision:{did}",
        people["facilitator"].id,
        clock.now,
    )
    assert entry.data == {
        "option": nashville,
        "options": [nashville],
        "statement_digest": audit.text_digest("Nashville."),
        "ballots_cast": 3,
        "winners": [nashville],
        "totals_digest": totals_digest(count(decision)),
    }
    assert decision.published_log_hash == entry.hash
    assert (decision.outcome_option_id, decision.outcome_statement, decision.published_at) == (
        nashville,
        "Nashville.",
        clock.now,
    )
