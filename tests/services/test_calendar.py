"""The meeting poll's outcome as an iCalendar file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar

from cop_vote.domain.errors import NotFound
from cop_vote.extensions import db
from cop_vote.services import ballots, calendar, decisions, transitions


def test_published_slot_reads_back_as_one_event(network: dict[str, Any], clock: Any) -> None:
    facilitator = network["people"]["facilitator"]
    decision = decisions.create_decision(
        facilitator,
        {
            "title": "When do we hold the follow-up meeting?",
            "method": "meeting_time",
            "options": [
                {"starts_at": "2030-03-26T14:00:00+01:00", "ends_at": "2030-03-26T17:00:00+01:00"},
                {"starts_at": "2030-04-02T14:00:00+02:00", "ends_at": "2030-04-02T17:00:00+02:00"},
            ],
            "closes_at": (clock.now + timedelta(days=7)).isoformat(),
        },
        clock.now,
    )
    transitions.open_decision(facilitator, decision.id, clock.now)
    first, second = (o.id for o in decision.options)
    ballots.cast_ballot(
        network["people"]["adpc"],
        decision.id,
        {"availability": {str(first): "no", str(second): "yes"}},
        clock.now,
    )
    with pytest.raises(NotFound):
        calendar.meeting_calendar(decision, url="http://x/decisions/1", now=clock.now)
    transitions.close_decision(facilitator, decision.id, clock.now)
    transitions.publish_decision(facilitator, decision.id, second, "We meet on 2 April.", clock.now)
    db.session.commit()
    ics = calendar.meeting_calendar(decision, url="http://x/decisions/1", now=clock.now)
    parsed = Calendar.from_ical(ics)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    start = events[0].decoded("dtstart")
    assert start.isoformat() == "2030-04-02T12:00:00+00:00"
    assert "We meet on 2 April." in str(events[0]["description"])
    assert str(events[0]["summary"]) == "When do we hold the follow-up meeting?"
