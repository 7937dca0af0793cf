"""The facilitator edits a meeting, its minutes, its agenda and its actions
through the pages (CSRF on, no JavaScript); the record shows on the network
page, the decision page and the decision's meeting pack, and each change is
in the event log."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Event, FollowUpAction, Meeting
from cop_vote.services import meetings
from tests.web.helpers import csrf_token, make_decision, post_form, sign_in


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def _kinds(meeting_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.kind).where(Event.subject == f"meeting:{meeting_id}").order_by(Event.id)
        )
    )


def _meeting(network: dict[str, Any], clock: Any) -> tuple[int, int]:
    facilitator = network["people"]["facilitator"]
    meeting = meetings.create_meeting(facilitator, "Follow-up meeting", "2010-02-11", "", clock.now)
    action = meetings.add_action(facilitator, meeting.id, "Send the report.", "", "", clock.now)
    db.session.commit()
    return meeting.id, action.id


def _stored(meeting_id: int) -> Meeting:
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting


def test_facilitator_edits_the_meeting_and_writes_minutes(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    meeting_id, _action = _meeting(network, clock)
    sign_in(client, app, network["people"]["facilitator"])
    page = f"/admin/meetings/{meeting_id}"

    refused = post_form(
        client, page, f"{page}/edit", {"title": "", "held_on": "soon", "minutes": "Kept?"}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#held_on"' in html
    assert _stored(meeting_id).minutes == "" and _kinds(meeting_id).count("meeting.updated") == 0

    saved = post_form(
        client,
        page,
        f"{page}/edit",
        {
            "title": "Second meeting",
            "held_on": "2010-02-12",
            "location": "Utrecht",
            "minutes": "We chose a form.\n\nThe taskforce reports in March.",
        },
    )
    assert saved.status_code == 303
    meeting = _stored(meeting_id)
    assert (meeting.title, meeting.held_on.isoformat(), meeting.location) == (
        "Second meeting",
        "2010-02-12",
        "Utrecht",
    )
    assert meeting.minutes == "We chose a form.\n\nThe taskforce reports in March."
    assert _kinds(meeting_id).count("meeting.updated") == 1

    member = network["people"]["adpc"]
    other = app.test_client()
    sign_in(other, app, member)
    text = _text(other.get("/network?lang=en").get_data(as_text=True))
    assert "Minutes We chose a form." in text and "The taskforce reports in March." in text


def test_a_linked_decision_shows_on_the_meeting_the_network_the_decision_and_the_pack(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    meeting_id, _action = _meeting(network, clock)
    decision_id = make_decision(facilitator, clock.now, title="Form of the cooperation")
    draft_id = make_decision(facilitator, clock.now, title="A draft", open_it=False)
    sign_in(client, app, facilitator)
    page = f"/admin/meetings/{meeting_id}"
    assert f'<option value="{decision_id}">' in client.get(page).get_data(as_text=True)

    refused = post_form(client, page, f"{page}/decisions", {"decision": "99999"})
    assert refused.status_code == 400 and _stored(meeting_id).decisions == []
    for linked in (decision_id, draft_id):
        done = post_form(client, page, f"{page}/decisions", {"decision": str(linked)})
        assert done.status_code == 303
    twice = post_form(client, page, f"{page}/decisions", {"decision": str(decision_id)})
    assert twice.status_code == 409
    assert [d.id for d in _stored(meeting_id).decisions] == [decision_id, draft_id]

    admin_html = client.get(page).get_data(as_text=True)
    assert "Form of the cooperation" in admin_html
    assert f'<option value="{decision_id}">' not in admin_html
    pack = _text(client.get(f"/decisions/{decision_id}/meeting-pack").get_data(as_text=True))
    assert "Meetings and follow-up actions Follow-up meeting" in pack
    assert "Send the report. (owner: nobody named; no due date; open)" in pack

    member = app.test_client()
    sign_in(member, app, network["people"]["stro"])
    network_html = member.get("/network?lang=en").get_data(as_text=True)
    assert f'href="/decisions/{decision_id}"' in network_html
    assert f'href="/decisions/{draft_id}"' not in network_html  # a draft members cannot see
    decision_text = _text(member.get(f"/decisions/{decision_id}?lang=en").get_data(as_text=True))
    assert "On the agenda of Follow-up meeting" in decision_text

    removed = post_form(client, page, f"{page}/decisions/{decision_id}/remove")
    assert removed.status_code == 303
    assert [d.id for d in _stored(meeting_id).decisions] == [draft_id]
    assert "On the agenda of" not in member.get(f"/decisions/{decision_id}?lang=en").get_data(
        as_text=True
    )
    kinds = _kinds(meeting_id)
    assert kinds.count("meeting.decision_linked") == 2
    assert kinds.count("meeting.decision_unlinked") == 1


def test_facilitator_changes_an_action_owner_due_date_and_done(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    meeting_id, action_id = _meeting(network, clock)
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    meetings.link_decision(network["people"]["facilitator"], meeting_id, decision_id, clock.now)
    db.session.commit()
    sign_in(client, app, network["people"]["facilitator"])
    page = f"/admin/meetings/{meeting_id}/actions/{action_id}"
    form = client.get(page).get_data(as_text=True)
    assert "Send the report." in form and 'name="done"' in form

    refused = post_form(
        client, page, page, {"text": "Send it.", "owner": "stro", "due_on": "2010-13-45"}
    )
    assert refused.status_code == 400
    db.session.expire_all()
    action = db.session.get(FollowUpAction, action_id)
    assert action is not None and action.text == "Send the report." and action.owner is None

    saved = post_form(
        client,
        page,
        page,
        {"text": "Send the report to all.", "owner": "stro", "due_on": "2010-03-01", "done": "y"},
    )
    assert saved.status_code == 303
    db.session.expire_all()
    action = db.session.get(FollowUpAction, action_id)
    assert action is not None and action.owner is not None
    assert (action.text, action.owner.slug, action.due_on.isoformat() if action.due_on else "") == (
        "Send the report to all.",
        "stro",
        "2010-03-01",
    )
    assert action.done_at is not None
    expected = "Send the report to all. (owner: Social Trade Organisation; due March 1, 2010; done"
    member = app.test_client()
    sign_in(member, app, network["people"]["adpc"])
    shown = _text(member.get("/network?lang=en").get_data(as_text=True))
    assert expected in shown, shown[shown.find("Send") :][:200]
    pack = _text(client.get(f"/decisions/{decision_id}/meeting-pack").get_data(as_text=True))
    assert expected in pack

    reopened = post_form(
        client,
        page,
        page,
        {"text": "Send the report to all.", "owner": "", "due_on": ""},
    )
    assert reopened.status_code == 303
    db.session.expire_all()
    action = db.session.get(FollowUpAction, action_id)
    assert action is not None and action.done_at is None and action.owner is None
    assert action.due_on is None
    kinds = _kinds(meeting_id)
    assert kinds.count("meeting.action_done") == 1 and kinds.count("meeting.action_updated") == 1


def test_members_cannot_edit_the_meeting_record(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    meeting_id, action_id = _meeting(network, clock)
    sign_in(client, app, network["people"]["adpc"])
    assert client.get(f"/admin/meetings/{meeting_id}/actions/{action_id}").status_code == 403
    before = len(_kinds(meeting_id))
    refused = client.post(
        f"/admin/meetings/{meeting_id}/edit",
        data={"csrf_token": csrf_token(client.get("/profile").get_data(as_text=True))},
    )
    assert refused.status_code == 403 and len(_kinds(meeting_id)) == before
