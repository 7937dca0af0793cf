"""The meeting record: meetings, attendance and follow-up actions (services/meetings.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from cop_vote.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cop_vote.extensions import db
from cop_vote.models import Attendance, Event, Meeting
from cop_vote.services import meetings
from cop_vote.services import network as network_service


def _kinds() -> list[str]:
    events = db.session.execute(select(Event).order_by(Event.id)).scalars()
    return [e.kind for e in events if e.kind.startswith("meeting.")]


def test_facilitator_records_a_meeting_attendance_and_actions(
    network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    meeting = meetings.create_meeting(fac, " Follow-up ", "2010-02-11", "Den Haag", clock.now)
    assert (meeting.title, meeting.held_on, meeting.location) == (
        "Follow-up",
        date(2010, 2, 11),
        "Den Haag",
    )
    meetings.set_attendances(
        fac,
        meeting.id,
        {"adpc": ("present", ""), "stro": ("excused", "ill"), "oxfam-novib": ("absent", None)},
        clock.now,
    )
    meetings.set_attendance(fac, meeting.id, "stro", "present", "came late", clock.now)
    action = meetings.add_action(
        fac, meeting.id, "Write the report.", "pso", "2010-03-01", clock.now
    )
    loose = meetings.add_action(fac, meeting.id, "Find a venue.", "", None, clock.now)
    meetings.complete_action(fac, action.id, clock.now)
    db.session.commit()

    [listed] = meetings.list_meetings()
    status = {a.organisation.slug: (a.status, a.note) for a in listed.attendance}
    assert status == {
        "adpc": ("present", ""),
        "stro": ("present", "came late"),
        "oxfam-novib": ("absent", ""),
    }
    assert [(a.text, a.owner.slug if a.owner else None, a.due_on) for a in listed.actions] == [
        ("Write the report.", "pso", date(2010, 3, 1)),
        ("Find a venue.", None, None),
    ]
    assert listed.actions[0].done_at == clock.now and loose.done_at is None
    assert _kinds() == [
        "meeting.created",
        "meeting.attendance",
        "meeting.attendance",
        "meeting.action_added",
        "meeting.action_added",
        "meeting.action_done",
    ]
    with pytest.raises(Conflict):
        meetings.complete_action(fac, action.id, clock.now)


def test_attendance_set_to_blank_removes_the_entry_and_no_change_logs_nothing(
    network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    meeting = meetings.create_meeting(fac, "M", date(2010, 1, 5), None, clock.now)
    meetings.set_attendances(fac, meeting.id, {"adpc": ("present", "")}, clock.now)
    before = len(_kinds())
    meetings.set_attendances(fac, meeting.id, {"adpc": ("present", "")}, clock.now)
    assert len(_kinds()) == before
    meetings.set_attendances(fac, meeting.id, {"adpc": ("", "")}, clock.now)
    db.session.commit()
    assert db.session.execute(select(Attendance)).scalars().all() == []


@pytest.mark.parametrize("role", ["adpc", "observer"])
def test_only_facilitators_write(network: dict[str, Any], clock: Any, role: str) -> None:
    fac = network["people"]["facilitator"]
    other = network["people"][role]
    meeting = meetings.create_meeting(fac, "M", "2010-01-05", "", clock.now)
    action = meetings.add_action(fac, meeting.id, "Do it.", None, None, clock.now)
    db.session.commit()
    calls = [
        lambda: meetings.create_meeting(other, "M2", "2010-01-06", "", clock.now),
        lambda: meetings.set_attendance(other, meeting.id, "adpc", "present", "", clock.now),
        lambda: meetings.add_action(other, meeting.id, "More.", None, None, clock.now),
        lambda: meetings.complete_action(other, action.id, clock.now),
        lambda: meetings.create_meeting(None, "M2", "2010-01-06", "", clock.now),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()


def test_bad_input_names_the_fields_and_changes_nothing(
    network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    with pytest.raises(InvalidInput) as refused:
        meetings.create_meeting(fac, "  ", "4 December", "x" * 301, clock.now)
    assert set(refused.value.fields) == {"title", "held_on", "location"}
    with pytest.raises(InvalidInput) as refused:
        meetings.create_meeting(fac, "M", "0999-01-01", "", clock.now)
    assert set(refused.value.fields) == {"held_on"}
    meeting = meetings.create_meeting(fac, "M", "2010-01-05", "", clock.now)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        meetings.set_attendances(
            fac,
            meeting.id,
            {"adpc": ("present", ""), "stro": ("maybe", ""), "nope": ("present", "")},
            clock.now,
        )
    assert set(refused.value.fields) == {"attendance.stro", "attendance.nope"}
    db.session.rollback()
    assert db.session.execute(select(Attendance)).scalars().all() == []
    with pytest.raises(InvalidInput) as refused:
        meetings.set_attendance(fac, meeting.id, "adpc", "present", "n" * 501, clock.now)
    assert set(refused.value.fields) == {"note.adpc"}
    with pytest.raises(InvalidInput) as refused:
        meetings.add_action(fac, meeting.id, "", "nobody", "2010-02-30", clock.now)
    assert set(refused.value.fields) == {"text", "owner", "due_on"}
    with pytest.raises(NotFound):
        meetings.add_action(fac, 999, "Do it.", None, None, clock.now)
    with pytest.raises(NotFound):
        meetings.complete_action(fac, 999, clock.now)
    with pytest.raises(NotFound):
        meetings.set_attendance(fac, 999, "adpc", "present", "", clock.now)


def test_meetings_are_listed_newest_first(network: dict[str, Any], clock: Any) -> None:
    fac = network["people"]["facilitator"]
    for title, day in (
        ("Kick-off", "2009-12-04"),
        ("Third", "2010-06-01"),
        ("Second", "2010-02-11"),
    ):
        meetings.create_meeting(fac, title, day, "", clock.now)
    db.session.commit()
    assert [m.title for m in meetings.list_meetings()] == ["Third", "Second", "Kick-off"]


def test_load_demo_gives_the_kickoff_meeting_once(app: Any, clock: Any) -> None:
    data = network_service.kickoff_data()
    first = network_service.load_demo(clock.now)
    db.session.commit()
    second = network_service.load_demo(clock.now)
    db.session.commit()
    assert first["meetings"] == 1 and second["meetings"] == 0
    [meeting] = db.session.execute(select(Meeting)).scalars().all()
    assert meeting.held_on == date(2009, 12, 4)
    assert meeting.title == data["meeting"]["title_en"]
    got = {a.organisation.slug: (a.status, a.note) for a in meeting.attendance}
    assert got == {o["slug"]: (o["attendance"], o.get("note", "")) for o in data["organisations"]}
    assert len(got) == 16
    assert [(a.text, a.owner.slug, a.due_on, a.done_at) for a in meeting.actions] == [
        (item["text_en"], "pso", None, None) for item in data["follow_up_actions"]
    ]
