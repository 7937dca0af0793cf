"""Changing, withdrawing, publishing and listing decisions: each refusal says
exactly what is wrong and stores nothing, a draft's change is checked against
the decision's own settings, and a write decides on the stored state, not on
an object the session loaded before."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from cop_vote.domain.errors import Conflict, InvalidInput, TransitionNotAllowed
from cop_vote.extensions import db
from cop_vote.models import Decision, Event
from cop_vote.services import audit, decisions, transitions
from tests.dbstate import snapshot
from tests.services.test_decision_changes import _stored
from tests.web.helpers import make_decision, option_ids


def test_an_open_decisions_options_are_reworded_by_id_only(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    first = option_ids(did)[0]
    before = snapshot()
    with pytest.raises(InvalidInput) as not_a_list:
        decisions.update_decision(facilitator, did, {"options": "Memphis"}, clock.now)
    assert (not_a_list.value.message, not_a_list.value.fields) == (
        "options must be a list.",
        {"options": "Must be a list."},
    )
    db.session.rollback()
    assert snapshot() == before
    with pytest.raises(Conflict) as other_field:
        decisions.update_decision(
            facilitator, did, {"options": [{"id": first, "label": "M", "position": 2}]}, clock.now
        )
    assert other_field.value.message == (
        "While open, only an option's label and description can change."
    )
    db.session.rollback()
    assert snapshot() == before


def test_a_consent_drafts_new_options_are_counted_before_anything_changes(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now, method="consent", options=("Adopt",), open_it=False)
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        decisions.update_decision(
            facilitator, did, {"options": [{"label": "Adopt"}, {"label": "Reject"}]}, clock.now
        )
    assert (caught.value.message, caught.value.fields) == (
        "A consent decision has at most one option, the proposal.",
        {"options": "At most one for a consent decision."},
    )
    db.session.rollback()
    assert snapshot() == before


def test_a_dot_vote_drafts_cap_is_checked_against_its_own_dots(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now, method="dot_vote", open_it=False, dots=5)
    decisions.update_decision(facilitator, did, {"dots_per_option": 4}, clock.now)
    db.session.commit()
    assert (_stored(did).dots, _stored(did).dots_per_option) == (5, 4)
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        decisions.update_decision(facilitator, did, {"dots_per_option": 6}, clock.now)
    assert (caught.value.message, caught.value.fields) == (
        "The cap per option is larger than the dots.",
        {"dots_per_option": "At most the number of dots (5)."},
    )
    db.session.rollback()
    assert snapshot() == before


def test_withdrawing_logs_a_digest_of_the_statement(network: dict[str, Any], clock: Any) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    transitions.withdraw_decision(facilitator, did, "  Overtaken by events. ", clock.now)
    db.session.commit()
    entry = db.session.execute(select(Event).where(Event.kind == "decision.withdrawn")).scalar_one()
    assert (entry.subject, entry.actor_id, entry.at, entry.data) == (
        f"decision:{did}",
        facilitator.id,
        clock.now,
        {"statement_digest": audit.text_digest("Overtaken by events.")},
    )


def test_publishing_decides_on_the_stored_status_not_a_loaded_one(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    transitions.close_decision(facilitator, did, clock.now)
    db.session.commit()
    loaded = db.session.get(Decision, did)
    assert loaded is not None and loaded.status == "closed"
    # Another writer publishes it meanwhile (behind this session's back).
    db.session.execute(
        text("UPDATE decision SET status = 'published' WHERE id = :d"),
        {"d": did},
    )
    with pytest.raises(TransitionNotAllowed):
        transitions.publish_decision(facilitator, did, None, "Mine.", clock.now)
    db.session.rollback()
    assert _stored(did).status == "closed"


def test_decisions_made_at_the_same_moment_are_listed_newest_first(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    made = [make_decision(facilitator, clock.now, title=f"Decision {n}") for n in range(3)]
    listed = [d.id for d in decisions.list_decisions(facilitator)]
    assert listed == made[::-1]
    assert [d.id for d in decisions.list_decisions(facilitator, offset=1, limit=1)] == [made[1]]


def test_an_open_decisions_deadline_moves_later_in_the_networks_wall_clock(
    network: dict[str, Any], clock: Any
) -> None:
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    current = _stored(did).closes_at
    assert current is not None
    amsterdam = ZoneInfo("Europe/Amsterdam")
    later = (current + timedelta(days=1)).astimezone(amsterdam).replace(second=0, tzinfo=None)
    decisions.update_decision(
        facilitator, did, {"closes_at": later.isoformat()}, clock.now, zone="Europe/Amsterdam"
    )
    db.session.commit()
    assert _stored(did).closes_at == later.replace(tzinfo=amsterdam).astimezone(UTC)
    # Read in the zone, the same wall-clock time is the deadline it has: nothing
    # changes (no change note, no log entry), and nothing is refused.
    before = snapshot()
    decisions.update_decision(
        facilitator, did, {"closes_at": later.isoformat()}, clock.now, zone="Europe/Amsterdam"
    )
    db.session.commit()
    assert snapshot() == before
    # A minute earlier is refused, and changes nothing either.
    earlier = (later - timedelta(minutes=1)).isoformat()
    with pytest.raises(Conflict) as caught:
        decisions.update_decision(
            facilitator, did, {"closes_at": earlier}, clock.now, zone="Europe/Amsterdam"
        )
    assert caught.value.message == "The deadline of an open decision can only move later."
    db.session.rollback()
    assert snapshot() == before


def test_an_edition_is_checked_only_where_the_change_could_be_made(
    network: dict[str, Any], clock: Any
) -> None:
    """A form's edition refuses a save on a changed decision; on a closed one the
    refusal says it is closed (that, not the edition, is why nothing can change)."""
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    seen = decisions.edition(_stored(did))
    decisions.update_decision(facilitator, did, {"description": "New."}, clock.now, seen=seen)
    db.session.commit()
    assert decisions.edition(_stored(did)) != seen
    with pytest.raises(Conflict) as stale:
        decisions.update_decision(facilitator, did, {"description": "Old."}, clock.now, seen=seen)
    assert stale.value.message.startswith("Someone saved a change to this decision")
    db.session.rollback()
    clock.advance(days=8)
    with pytest.raises(Conflict) as closed:
        decisions.update_decision(facilitator, did, {"description": "Old."}, clock.now, seen=seen)
    assert closed.value.message == "A closed decision cannot be changed."
    db.session.rollback()
    assert _stored(did).description == "New."


@pytest.mark.parametrize(
    ("behind_our_back", "write"),
    [
        (
            "closed",
            lambda fac, did, now: transitions.withdraw_decision(fac, did, "Not needed.", now),
        ),
        ("withdrawn", lambda fac, did, now: transitions.close_decision(fac, did, now)),
    ],
    ids=["withdraw", "close"],
)
def test_withdrawing_and_closing_decide_on_the_stored_status_not_a_loaded_one(
    network: dict[str, Any], clock: Any, behind_our_back: str, write: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    loaded = db.session.get(Decision, did)
    assert loaded is not None and loaded.status == "open"
    # Another writer closes or withdraws it meanwhile (behind this session's back).
    db.session.execute(
        text("UPDATE decision SET status = :s WHERE id = :d"), {"s": behind_our_back, "d": did}
    )
    with pytest.raises(TransitionNotAllowed):
        write(facilitator, did, clock.now)
    db.session.rollback()
    assert _stored(did).status == "open"


def test_an_open_decisions_change_keeps_the_translations_it_does_not_name(
    network: dict[str, Any], clock: Any
) -> None:
    """An empty ``translations`` changes nothing, and a title translation it does
    not mention is not taken for removed (which an open decision refuses)."""
    facilitator = network["people"]["facilitator"]
    dutch = {"nl": {"title": "Waar komen we samen?"}}
    did = make_decision(facilitator, clock.now, original_language="en", translations=dutch)
    decisions.update_decision(facilitator, did, {"translations": {}}, clock.now)
    db.session.commit()
    assert _stored(did).translations == dutch


def test_an_open_option_is_reworded_by_id_and_the_log_keeps_the_callers_moment(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    with pytest.raises(InvalidInput) as unknown:
        decisions.update_decision(facilitator, did, {"options": [{"label": "New"}]}, clock.now)
    assert (unknown.value.message, unknown.value.fields) == (
        "While open, options are changed by id only.",
        {"options.0.id": "The id of an existing option."},
    )
    db.session.rollback()
    moment = clock.now - timedelta(minutes=3)
    first = option_ids(did)[0]
    decisions.update_decision(
        facilitator, did, {"options": [{"id": first, "description": ""}]}, moment
    )
    db.session.commit()
    event = db.session.execute(
        select(Event).where(Event.kind == "decision.updated").order_by(Event.id.desc())
    ).scalar_one()
    assert event.at == moment
    assert _stored(did).options[0].description == ""


def test_a_close_is_logged_at_the_moment_of_the_write(network: dict[str, Any], clock: Any) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)
    moment = clock.now + timedelta(hours=2, seconds=5)
    transitions.close_decision(facilitator, did, moment)
    db.session.commit()
    event = db.session.execute(
        select(Event).where(Event.kind == "decision.closed").order_by(Event.id.desc())
    ).scalar_one()
    assert event.at == moment == _stored(did).closed_at
